// Command profile runs the service's M-network statements (queries/network.cypher) under
// PROFILE against a loaded graph and prints, per statement, Neo4j's plan with rows and db hits
// per operator and the wall time, for bench/RESULTS.md. Run it from the repository root:
//
//	NEO4J_URI=bolt://127.0.0.1:37687 go run ./bench/profile -mineral lithium
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

func main() {
	mineral := flag.String("mineral", "lithium", "mineral id")
	file := flag.String("cypher", "queries/network.cypher", "the statements, separated by ;")
	flag.Parse()
	uri := os.Getenv("NEO4J_URI")
	if uri == "" {
		uri = "bolt://127.0.0.1:37687"
	}
	if err := run(uri, *file, *mineral); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}

func run(uri, file, mineral string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	text, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	d, err := neo4j.NewDriverWithContext(uri, neo4j.NoAuth())
	if err != nil {
		return err
	}
	defer d.Close(ctx)
	sess := d.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeRead})
	defer sess.Close(ctx)
	params := map[string]any{"mineral": mineral, "chunks": 32}
	for i, stmt := range strings.Split(strings.TrimSpace(string(text)), ";\n") {
		start := time.Now()
		r, err := sess.Run(ctx, "PROFILE "+stmt, params)
		if err != nil {
			return err
		}
		records := 0
		for r.Next(ctx) {
			records++
		}
		if err := r.Err(); err != nil {
			return err
		}
		sum, err := r.Consume(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("statement %d: %d records in %s\n", i+1, records, time.Since(start).Round(time.Millisecond))
		if p := sum.Profile(); p != nil {
			printPlan(p, 1)
		}
	}
	return nil
}

func printPlan(p neo4j.ProfiledPlan, depth int) {
	fmt.Printf("%s%-36s rows %-10d db hits %d\n", strings.Repeat("  ", depth), p.Operator(), p.Records(), p.DbHits())
	for _, c := range p.Children() {
		printPlan(c, depth+1)
	}
}
