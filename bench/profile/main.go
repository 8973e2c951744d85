// Command profile runs the service's M-network statements (neo4j/network.cypher) under
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

	"github.com/mineralmap/mineralmap/neo4j"
)

func main() {
	mineral := flag.String("mineral", "lithium", "mineral id")
	flag.Parse()
	uri := os.Getenv("NEO4J_URI")
	if uri == "" {
		uri = "bolt://127.0.0.1:37687"
	}
	if err := run(uri, *mineral); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}

func run(uri, mineral string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	store, err := neo4j.Open(neo4j.Config{URI: uri})
	if err != nil {
		return err
	}
	defer store.Close(ctx)
	stmts, params := neo4j.NetworkStatements(mineral)
	for i, stmt := range stmts {
		start := time.Now()
		records, plan, err := store.Profile(ctx, stmt, params)
		if err != nil {
			return err
		}
		fmt.Printf("statement %d: %d records in %s\n", i+1, records, time.Since(start).Round(time.Millisecond))
		printPlan(plan, 1)
	}
	return nil
}

func printPlan(p neo4j.PlanStep, depth int) {
	fmt.Printf("%s%-36s rows %-10d db hits %d\n", strings.Repeat("  ", depth), p.Operator, p.Records, p.Hits)
	for _, c := range p.Children {
		printPlan(c, depth+1)
	}
}
