package analysis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"testing"
	"time"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/neo4j"
	"github.com/mineralmap/mineralmap/neo4j/neo4jtest"
)

var ctx = context.Background()

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(b)) }

// testMineral is the mineral of every test graph.
const testMineral = "ore"

// doc builds a load document for a test graph.
type doc map[string][]map[string]any

func newDoc() doc {
	return doc{"minerals": {{"id": testMineral, "name": "Ore"}}}
}

func (d doc) country(ids ...string) doc {
	for _, id := range ids {
		d["countries"] = append(d["countries"], map[string]any{"id": id, "name": "Country " + id})
	}
	return d
}

func (d doc) facility(id, country string) doc {
	d["facilities"] = append(d["facilities"], map[string]any{"id": id, "name": "Facility " + id, "kind": "refinery", "country": country})
	return d
}

func (d doc) mine(id, country string) doc {
	d["facilities"] = append(d["facilities"], map[string]any{"id": id, "name": "Mine " + id, "kind": "mine", "country": country})
	d["produces"] = append(d["produces"], map[string]any{"facility": id, "mineral": testMineral, "volume_t": 1000})
	return d
}

func (d doc) supply(from, to string, volume float64) doc {
	d["supplies"] = append(d["supplies"], map[string]any{"from": from, "to": to, "mineral": testMineral, "volume_t": volume})
	return d
}

func (d doc) restrict(country, measure, from, until string, targets ...string) doc {
	r := map[string]any{"country": country, "mineral": testMineral, "measure": measure, "from": from, "targets": append([]string{}, targets...)}
	if until != "" {
		r["until"] = until
	}
	d["restricts"] = append(d["restricts"], r)
	return d
}

func (d doc) agreement(id, facility string) doc {
	d["agreements"] = append(d["agreements"], map[string]any{"id": id, "name": "Agreement " + id, "kind": "financing"})
	d["finances"] = append(d["finances"], map[string]any{"agreement": id, "facility": facility, "instrument": "loan"})
	return d
}

// loadDoc empties the store and loads d.
func loadDoc(tb testing.TB, s *neo4j.Store, d doc) {
	tb.Helper()
	ctx := context.Background()
	if _, err := s.DeleteAll(ctx); err != nil {
		tb.Fatal(err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		tb.Fatal(err)
	}
	src := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	if _, err := s.Load(ctx, src, nil); err != nil {
		var e *mineralmap.Error
		if errors.As(err, &e) {
			tb.Fatalf("load test graph: %v %+v", err, e.Details)
		}
		tb.Fatalf("load test graph: %v", err)
	}
}

// mustAnalyses returns analyses over a fresh store on the test Neo4j.
func mustAnalyses(tb testing.TB) (*analysis.Analyses, *neo4j.Store) {
	tb.Helper()
	s := neo4jtest.MustStore(tb)
	return analysis.New(s, analysis.Options{}), s
}

// day parses a test date.
func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// pathIDs is the node ids of each path.
func pathIDs(ps []analysis.Path) [][]string {
	out := [][]string{}
	for _, p := range ps {
		var ids []string
		for _, n := range p.Nodes {
			ids = append(ids, n.ID)
		}
		out = append(out, ids)
	}
	return out
}
