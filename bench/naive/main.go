// Command naive is make bench's baseline loader: the same validation and Cypher as
// `mineralmap load`, but one row per transaction (mineralmap.Store.LoadRowByRow), for at most
// -for. It prints one JSON object: rows written, seconds, rows per second.
//
//	naive -for 60s doc.json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mineralmap/mineralmap/neo4j"
)

func main() {
	limit := flag.Duration("for", 60*time.Second, "time box; the rate is measured on the rows written by then")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: naive [-for 60s] doc.json")
		os.Exit(2)
	}
	name := flag.Arg(0)
	uri := os.Getenv("NEO4J_URI")
	if uri == "" {
		uri = "bolt://127.0.0.1:37687"
	}
	store, err := neo4j.Open(neo4j.Config{URI: uri, ReadTimeout: time.Minute, WriteTimeout: time.Hour})
	if err != nil {
		fail(err)
	}
	defer store.Close(context.Background())
	if err := store.EnsureSchema(context.Background()); err != nil {
		fail(err)
	}
	src := func() (io.ReadCloser, error) { return os.Open(name) }
	// The time box includes validation; the rate counts from the first row written.
	ctx, cancel := context.WithTimeout(context.Background(), *limit)
	defer cancel()
	var start time.Time
	var written, total int64
	res, err := store.LoadRowByRow(ctx, src, func(done, all int64) {
		if start.IsZero() {
			start = time.Now()
		}
		written, total = done, all
	})
	if start.IsZero() {
		start = time.Now()
	}
	secs := time.Since(start).Seconds()
	timedOut := errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil
	if err != nil && !timedOut {
		fail(err)
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{
		"rows_written": written, "rows_total": total, "seconds": secs,
		"rows_per_s": float64(written) / secs, "timed_out": timedOut,
		"nodes_created": res.NodesCreated, "relationships_created": res.RelationshipsCreated,
	})
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "naive:", err)
	os.Exit(1)
}
