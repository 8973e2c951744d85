package analysis_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/document"
	"github.com/mineralmap/mineralmap/fixtures"
	"github.com/mineralmap/mineralmap/neo4j"
	"github.com/mineralmap/mineralmap/neo4j/neo4jtest"
)

// The offline bulk path (neo4j-admin database import full of mineralmap bulk-csv's files) makes
// the graph the online load makes, so every answer is the same.
func TestTheBulkPathGivesTheGraphAndAnswersOfTheOnlineLoad(t *testing.T) {
	online, onlineStore := loadFixturesStore(t)
	var docs []document.Source
	for _, name := range fixtures.Names() {
		docs = append(docs, fixtures.Source(name))
	}
	dir := t.TempDir()
	res, err := neo4j.WriteBulkCSV(ctx, dir, docs, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := neo4jtest.BulkServer(t, dir)
	bulkStore, err := neo4j.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer bulkStore.Close(ctx)
	if err := bulkStore.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	bulk := analysis.New(bulkStore, analysis.Options{})

	// The same graph: every node with its labels and properties, every relationship with its
	// ends and properties.
	want, got := snapshot(t, neo4jtest.Config(t)), snapshot(t, cfg)
	if len(got) != int(res.Nodes+res.Relationships) {
		t.Errorf("the bulk database holds %d nodes and relationships, bulk-csv wrote %d", len(got), res.Nodes+res.Relationships)
	}
	if len(want) != len(got) {
		t.Errorf("online load: %d nodes and relationships, bulk path: %d", len(want), len(got))
	}
	for i := 0; i < min(len(want), len(got)); i++ {
		if want[i] != got[i] {
			t.Fatalf("first difference at %d:\nonline %s\nbulk   %s", i, want[i], got[i])
		}
	}
	_ = onlineStore

	// The same answers.
	jp := mineralmap.Conditions{AsOf: day("2026-06-01")}
	for _, m := range []string{"rare-earths", "lithium", "cobalt", "gallium", "antimony"} {
		for _, stage := range analysis.Stages {
			same(t, m+" "+stage, func(a *analysis.Analyses) (any, error) { return a.Concentration(ctx, m, stage, nil, nil) }, online, bulk)
		}
		same(t, m+" chokepoints JP", func(a *analysis.Analyses) (any, error) {
			return a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: m, Consumer: "JP", Conditions: jp})
		}, online, bulk)
		same(t, m+" paths to US avoiding CN", func(a *analysis.Analyses) (any, error) {
			return a.AlternativePaths(ctx, analysis.PathsRequest{Mineral: m, To: "US", Avoid: []string{"CN"}, Conditions: jp})
		}, online, bulk)
		same(t, m+" quality", func(a *analysis.Analyses) (any, error) { return a.Quality(ctx, m, nil) }, online, bulk)
	}
	same(t, "JP exposure to CN", func(a *analysis.Analyses) (any, error) {
		return a.Exposure(ctx, analysis.ExposureRequest{Consumer: "JP", Supplier: "CN", Conditions: jp})
	}, online, bulk)
}

func same(t *testing.T, what string, answer func(*analysis.Analyses) (any, error), a, b *analysis.Analyses) {
	t.Helper()
	x, errX := answer(a)
	y, errY := answer(b)
	if errX != nil || errY != nil {
		t.Fatalf("%s: online %v, bulk %v", what, errX, errY)
	}
	jx, _ := json.Marshal(x)
	jy, _ := json.Marshal(y)
	if string(jx) != string(jy) {
		t.Errorf("%s differs:\nonline %s\nbulk   %s", what, jx, jy)
	}
	if len(jx) < 50 {
		t.Errorf("%s: a short answer proves little: %s", what, jx)
	}
}

// snapshot lists every node and relationship of a database as sorted text (the load lock and
// the schema marker left out).
func snapshot(t *testing.T, cfg neo4j.Config) []string {
	t.Helper()
	d, err := driver.NewDriverWithContext(cfg.URI, driver.NoAuth())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	var out []string
	for _, q := range []string{
		`MATCH (n) WHERE NOT n:MineralmapLoadLock AND NOT n:MineralmapSchema RETURN labels(n) AS a, n.id AS b, '' AS c, properties(n) AS p`,
		`MATCH (x)-[r]->(y) RETURN type(r) AS a, x.id AS b, y.id AS c, properties(r) AS p`,
	} {
		res, err := driver.ExecuteQuery(ctx, d, q, nil, driver.EagerResultTransformer)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Records {
			props, _ := r.AsMap()["p"].(map[string]any)
			keys := make([]string, 0, len(props))
			for k := range props {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			s := fmt.Sprint(r.AsMap()["a"], " ", r.AsMap()["b"], " ", r.AsMap()["c"])
			for _, k := range keys {
				s += fmt.Sprintf(" %s=%#v", k, props[k])
			}
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}
