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

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/neo4j"
	"github.com/mineralmap/mineralmap/supply"
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
		fs := flag.NewFlagSet("pick", flag.ExitOnError)
		mineral := fs.String("mineral", "", "the mineral (default: the one with most SUPPLIES)")
		consumer := fs.String("consumer", "", "the consumer (with -mineral and -supplier)")
		supplier := fs.String("supplier", "", "the supplier to avoid (with -mineral and -consumer)")
		_ = fs.Parse(os.Args[2:])
		if *mineral != "" {
			out, err = given(ctx, d, questions{Mineral: *mineral, Consumer: *consumer, Supplier: *supplier})
		} else {
			out, err = pick(ctx, d)
		}
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

// given counts the graph and the M-network (at its default year) for questions given.
func given(ctx context.Context, d *neo4j.Store, q questions) (questions, error) {
	m, err := defaultNetwork(ctx, d, q.Mineral)
	if err != nil {
		return q, err
	}
	q.Edges = int64(len(m.Edges))
	recs, err := query(ctx, d, `CALL { MATCH (n) WHERE n:Country OR n:Mineral OR n:Facility OR n:Agreement RETURN count(n) AS n } CALL { MATCH ()-[r]->() RETURN count(r) AS r } RETURN n, r`, nil, "n", "r")
	if err != nil {
		return q, err
	}
	q.Nodes, q.Relations = recs[0].Values[0].(int64), recs[0].Values[1].(int64)
	return q, nil
}

// defaultNetwork is the M-network the API's answers use without year, basis or forms
// (contract section 5), as of today.
func defaultNetwork(ctx context.Context, d *neo4j.Store, mineral string) (*supply.Mineral, error) {
	stored, err := d.Network(ctx, "", mineral)
	if err != nil {
		return nil, err
	}
	l, err := supply.NewLayers(stored, supply.NewSlots(1))
	if err != nil {
		return nil, err
	}
	m, _, err := l.At(mineralmap.Conditions{}.Normalized())
	return m, err
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
	recs, err = query(ctx, d, `CALL { MATCH (n) WHERE n:Country OR n:Mineral OR n:Facility OR n:Agreement RETURN count(n) AS n } CALL { MATCH ()-[r]->() RETURN count(r) AS r } RETURN n, r`, nil, "n", "r")
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
	// The edges of the M-network the API answers on (section 5: the latest year, each
	// record's latest year, no double counting), taken from the supply engine's selection so
	// that networkx answers the same question; the max-flows are networkx's own.
	m, err := defaultNetwork(ctx, d, mineral)
	if err != nil {
		return out, err
	}
	for _, e := range m.Edges {
		a, b := m.Nodes[e.From], m.Nodes[e.To]
		out.Edges = append(out.Edges, [3]any{a.ID, b.ID, e.Capacity})
		out.Nodes[a.ID] = [2]any{a.Country, a.IsCountry}
		out.Nodes[b.ID] = [2]any{b.Country, b.IsCountry}
	}
	for _, p := range m.Producers {
		out.Producers = append(out.Producers, m.Nodes[p].ID)
	}
	// The restrictions in force today, as of-today records (suspensions and forms applied here:
	// the reference knows only from, until, measure and targets).
	today := mineralmap.Today()
	for _, r := range m.Restrictions {
		if !r.InForce(today) || len(r.Forms) > 0 {
			continue
		}
		targets := r.Targets
		if targets == nil {
			targets = []string{}
		}
		out.Restricts = append(out.Restricts, map[string]any{"country": r.Country, "measure": r.Measure, "targets": targets,
			"from": today.Format("2006-01-02"), "until": nil})
	}
	return out, nil
}
