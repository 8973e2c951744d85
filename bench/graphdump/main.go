// Command graphdump reads a loaded graph for make bench, with plain Cypher of its own (not the
// service's queries), so that the outside reference (bench/networkx_chokepoints.py) computes
// from the stored graph and the contract alone.
//
//	graphdump pick                      the benchmark's questions, as JSON: the mineral with the
//	                                    most SUPPLIES, its main refining country, its biggest
//	                                    other consumer
//	graphdump network -mineral M -consumer C
//	                                    every M edge, its ends' countries, the producers and the
//	                                    restrictions on M, as JSON
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/mineralmap/mineralmap/neo4j"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: graphdump pick | network -mineral M -consumer C")
		os.Exit(2)
	}
	uri := os.Getenv("NEO4J_URI")
	if uri == "" {
		uri = "bolt://127.0.0.1:37687"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	d, err := neo4j.Open(neo4j.Config{URI: uri, ReadTimeout: 10 * time.Minute})
	if err != nil {
		fail(err)
	}
	defer d.Close(ctx)
	var out any
	switch os.Args[1] {
	case "pick":
		out, err = pick(ctx, d)
	case "network":
		fs := flag.NewFlagSet("network", flag.ExitOnError)
		mineral := fs.String("mineral", "", "mineral id")
		consumer := fs.String("consumer", "", "consumer id")
		_ = fs.Parse(os.Args[2:])
		out, err = network(ctx, d, *mineral, *consumer)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "graphdump:", err)
	os.Exit(1)
}

// query runs one read and gives each record's values in the order of keys.
func query(ctx context.Context, d *neo4j.Store, cypher string, params map[string]any, keys ...string) ([]record, error) {
	rows, err := d.Query(ctx, cypher, params)
	if err != nil {
		return nil, err
	}
	out := make([]record, len(rows))
	for i, r := range rows {
		out[i].Values = make([]any, len(keys))
		for j, k := range keys {
			out[i].Values[j] = r[k]
		}
		out[i].row = r
	}
	return out, nil
}

type record struct {
	Values []any
	row    map[string]any
}

type questions struct {
	Mineral   string `json:"mineral"`
	Edges     int64  `json:"mineral_edges"`
	Consumer  string `json:"consumer"`
	Supplier  string `json:"supplier"` // the main refining country, avoided in paths
	Nodes     int64  `json:"nodes"`
	Relations int64  `json:"relationships"`
}

func pick(ctx context.Context, d *neo4j.Store) (questions, error) {
	var q questions
	recs, err := query(ctx, d, `MATCH ()-[s:SUPPLIES]->() RETURN s.mineral AS m, count(*) AS n ORDER BY n DESC, m LIMIT 1`, nil, "m", "n")
	if err != nil || len(recs) == 0 {
		return q, fmt.Errorf("no SUPPLIES: %v", err)
	}
	q.Mineral, q.Edges = recs[0].Values[0].(string), recs[0].Values[1].(int64)
	recs, err = query(ctx, d, `MATCH (f:Facility)-[r:REFINES]->(:Mineral {id: $m})
RETURN f.country AS c, sum(r.volume_t) AS v ORDER BY v DESC, c LIMIT 1`, map[string]any{"m": q.Mineral}, "c")
	if err != nil || len(recs) == 0 {
		return q, fmt.Errorf("no refiner of %s: %v", q.Mineral, err)
	}
	q.Supplier = recs[0].Values[0].(string)
	recs, err = query(ctx, d, `MATCH ()-[s:SUPPLIES]->(c:Country) WHERE s.mineral = $m AND c.id <> $s
RETURN c.id AS c, count(*) AS n ORDER BY n DESC, c LIMIT 1`, map[string]any{"m": q.Mineral, "s": q.Supplier}, "c")
	if err != nil || len(recs) == 0 {
		return q, fmt.Errorf("no consumer of %s: %v", q.Mineral, err)
	}
	q.Consumer = recs[0].Values[0].(string)
	recs, err = query(ctx, d, `CALL { MATCH (n) RETURN count(n) AS n } CALL { MATCH ()-[r]->() RETURN count(r) AS r } RETURN n, r`, nil, "n", "r")
	if err != nil {
		return q, err
	}
	q.Nodes, q.Relations = recs[0].Values[0].(int64), recs[0].Values[1].(int64)
	return q, nil
}

type dump struct {
	Mineral   string            `json:"mineral"`
	Consumer  string            `json:"consumer"`
	AsOf      string            `json:"as_of"`
	Edges     [][3]any          `json:"edges"` // from, to, volume_t
	Nodes     map[string][2]any `json:"nodes"` // id → [country, is a Country]
	Producers []string          `json:"producers"`
	Restricts []map[string]any  `json:"restricts"`
}

func network(ctx context.Context, d *neo4j.Store, mineral, consumer string) (dump, error) {
	out := dump{Mineral: mineral, Consumer: consumer, AsOf: time.Now().UTC().Format("2006-01-02"),
		Nodes: map[string][2]any{}, Producers: []string{}, Restricts: []map[string]any{}}
	recs, err := query(ctx, d, `MATCH (a)-[s:SUPPLIES]->(b) WHERE s.mineral = $m
RETURN a.id AS a, b.id AS b, s.volume_t AS v, coalesce(a.country, a.id) AS ca, coalesce(b.country, b.id) AS cb, a:Country AS ia, b:Country AS ib`,
		map[string]any{"m": mineral}, "a", "b", "v", "ca", "cb", "ia", "ib")
	if err != nil {
		return out, err
	}
	for _, r := range recs {
		v := r.Values
		out.Edges = append(out.Edges, [3]any{v[0], v[1], v[2]})
		out.Nodes[v[0].(string)] = [2]any{v[3], v[5]}
		out.Nodes[v[1].(string)] = [2]any{v[4], v[6]}
	}
	recs, err = query(ctx, d, `MATCH (f)-[:PRODUCES]->(:Mineral {id: $m}) RETURN f.id AS f`, map[string]any{"m": mineral}, "f")
	if err != nil {
		return out, err
	}
	for _, r := range recs {
		out.Producers = append(out.Producers, r.Values[0].(string))
	}
	recs, err = query(ctx, d, `MATCH (x:Country)-[r:RESTRICTS]->(:Mineral {id: $m})
RETURN x.id AS country, r.measure AS measure, r.targets AS targets, r.from AS from, r.until AS until`, map[string]any{"m": mineral})
	if err != nil {
		return out, err
	}
	for _, r := range recs {
		out.Restricts = append(out.Restricts, r.row) // dates come as YYYY-MM-DD
	}
	return out, nil
}
