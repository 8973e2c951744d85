package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/mineralmap/mineralmap/document"
	"github.com/mineralmap/mineralmap/neo4j"
)

// bulkCSV writes the CSV files of Neo4j's bulk importer for the documents named (the offline
// bulk path for an empty database; scripts/neo4j.sh import DIR runs the importer on them).
func bulkCSV(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bulk-csv", flag.ContinueOnError)
	out := fs.String("out", "", "directory for the CSV files and import.args (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		return errors.New("usage: mineralmap bulk-csv --out DIR FILE|DIR...")
	}
	files, err := expandDirs(fs.Args())
	if err != nil {
		return err
	}
	var docs []document.Source
	for _, name := range files {
		src, cleanup, err := openSource(name)
		if err != nil {
			return err
		}
		defer cleanup()
		docs = append(docs, src)
	}
	start := time.Now()
	bar := newProgressBar("bulk-csv")
	res, err := neo4j.WriteBulkCSV(ctx, *out, docs, bar.update)
	bar.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bulk-csv: %d nodes, %d relationships in %s in %.1fs; import them with: scripts/neo4j.sh import %s\n",
		res.Nodes, res.Relationships, *out, time.Since(start).Seconds(), *out)
	return nil
}
