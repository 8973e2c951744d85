package neo4j_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/document"
	"github.com/mineralmap/mineralmap/fixtures"
	"github.com/mineralmap/mineralmap/neo4j"
	"github.com/mineralmap/mineralmap/neo4j/neo4jtest"
	"github.com/mineralmap/mineralmap/quality"
)

func source(doc string) document.Source {
	return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(doc)), nil }
}

type counts struct{ nodes, rels, props int64 }

// graphCounts counts the nodes and relationships of the graph and their properties.
func graphCounts(t *testing.T, s *neo4j.Store) counts {
	t.Helper()
	rows, err := s.Query(context.Background(), `
CALL () { MATCH (n) WHERE NOT n:MineralmapLoadLock AND NOT n:MineralmapSchema RETURN count(n) AS nodes, sum(size(keys(n))) AS np }
CALL () { MATCH ()-[r]->() RETURN count(r) AS rels, sum(size(keys(r))) AS rp }
RETURN nodes, rels, np + rp AS props`, nil)
	if err != nil {
		t.Fatal(err)
	}
	return counts{rows[0]["nodes"].(int64), rows[0]["rels"].(int64), rows[0]["props"].(int64)}
}

func mustLoad(t *testing.T, s *neo4j.Store, doc string) mineralmap.LoadResult {
	t.Helper()
	res, err := s.Load(context.Background(), source(doc), nil)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return res
}

func TestLoadStoresTheDocumentAndAReloadChangesNothing(t *testing.T) {
	s := neo4jtest.MustStore(t)
	res := mustLoad(t, s, fixtures.ChainDoc)
	// 4 countries + 1 mineral + 3 facilities + 1 agreement; 3 SUPPLIES + PRODUCES + REFINES +
	// RESTRICTS + FINANCES + 3 LOCATED_IN + 2 PARTY_TO.
	if res.NodesCreated != 9 || res.RelationshipsCreated != 12 {
		t.Fatalf("created %d nodes and %d relationships, want 9 and 12", res.NodesCreated, res.RelationshipsCreated)
	}
	first := graphCounts(t, s)
	if first.nodes != 9 || first.rels != 12 {
		t.Fatalf("graph holds %+v", first)
	}
	again := mustLoad(t, s, fixtures.ChainDoc)
	t.Logf("reload: %+v", again)
	if again.NodesCreated != 0 || again.RelationshipsCreated != 0 || again.PropertiesSet != 0 {
		t.Fatalf("reload created %+v", again)
	}
	if second := graphCounts(t, s); second != first {
		t.Fatalf("reload changed the graph: before %+v, after %+v", first, second)
	}
}

func TestTheFixturesLoadAndAReloadChangesNoCount(t *testing.T) {
	s := neo4jtest.MustStore(t)
	loadAll := func() (created mineralmap.LoadResult) {
		for _, name := range fixtures.Names() {
			res, err := s.Load(context.Background(), fixtures.Source(name), nil)
			if err != nil {
				t.Fatalf("load %s: %v", name, err)
			}
			created.NodesCreated += res.NodesCreated
			created.RelationshipsCreated += res.RelationshipsCreated
			created.PropertiesSet += res.PropertiesSet
		}
		return created
	}
	first := loadAll()
	c := graphCounts(t, s)
	if first.NodesCreated != c.nodes || c.nodes < 100 || c.rels < 300 {
		t.Fatalf("fixtures: created %+v, graph holds %+v", first, c)
	}
	if again := loadAll(); again != (mineralmap.LoadResult{}) {
		t.Fatalf("a reload of the fixtures reported changes: %+v", again)
	}
	if c2 := graphCounts(t, s); c2 != c {
		t.Fatalf("a reload changed the graph: %+v → %+v", c, c2)
	}
	t.Logf("fixtures: %d nodes, %d relationships, %d properties", c.nodes, c.rels, c.props)
}

func TestLoadWithOneBadRowStoresNothing(t *testing.T) {
	s := neo4jtest.MustStore(t)
	bad := strings.Replace(fixtures.ChainDoc, `"volume_t":11000`, `"volume_t":-11000`, 1)
	_, err := s.Load(context.Background(), source(bad), nil)
	if mineralmap.KindOf(err) != mineralmap.KindInvalid || !strings.Contains(fmt.Sprint(err.(*mineralmap.Error).Details), "/supplies/1/volume_t") {
		t.Fatalf("want an invalid error at /supplies/1/volume_t, got %v", err)
	}
	if c := graphCounts(t, s); c.nodes != 0 || c.rels != 0 {
		t.Fatalf("a refused document left %+v in the store", c)
	}
}

func TestLoadResolvesReferencesToStoredNodes(t *testing.T) {
	s := neo4jtest.MustStore(t)
	mustLoad(t, s, fixtures.ChainDoc)
	res := mustLoad(t, s, `{"facilities":[{"id":"lynas-seadrift","name":"Lynas Seadrift","kind":"refinery","country":"AU"}],
"supplies":[{"from":"kalgoorlie","to":"lynas-seadrift","mineral":"rare-earths","volume_t":500}]}`)
	if res.NodesCreated != 1 || res.RelationshipsCreated != 2 {
		t.Fatalf("created %+v, want 1 node and 2 relationships (SUPPLIES, LOCATED_IN)", res)
	}
	_, err := s.Load(context.Background(), source(`{"supplies":[{"from":"kalgoorlie","to":"nowhere","mineral":"rare-earths","volume_t":5}]}`), nil)
	if mineralmap.KindOf(err) != mineralmap.KindInvalid || !strings.Contains(fmt.Sprint(err.(*mineralmap.Error).Details), "/supplies/0/to") {
		t.Fatalf("a reference to an id neither in the document nor stored must be refused at /supplies/0/to, got %v", err)
	}
}

func TestConcurrentLoadsOfOneDocumentLeaveNoDuplicates(t *testing.T) {
	s := neo4jtest.MustStore(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Load(context.Background(), source(fixtures.ChainDoc), nil)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent load: %v", err)
		}
	}
	if c := graphCounts(t, s); c.nodes != 9 || c.rels != 12 {
		t.Fatalf("after concurrent loads the graph holds %d nodes and %d relationships, want 9 and 12", c.nodes, c.rels)
	}
}

func TestDeleteAllRemovesEveryManagedNode(t *testing.T) {
	s := neo4jtest.MustStore(t)
	mustLoad(t, s, fixtures.ChainDoc)
	n, err := s.DeleteAll(context.Background())
	if err != nil || n != 9 {
		t.Fatalf("deleted %d nodes (%v), want 9", n, err)
	}
	if c := graphCounts(t, s); c.nodes != 0 {
		t.Fatalf("graph still holds %+v", c)
	}
}

func TestAReadOverItsBudgetIsATimeout(t *testing.T) {
	cfg := neo4jtest.Config(t)
	cfg.ReadTimeout = 300 * time.Millisecond
	s, err := neo4j.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	start := time.Now()
	_, err = s.Query(context.Background(), `UNWIND range(1, 2000000000) AS x RETURN count(x)`, nil)
	if mineralmap.KindOf(err) != mineralmap.KindTimeout {
		t.Fatalf("a read over its budget: %v (kind %v), want a timeout", err, mineralmap.KindOf(err))
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("the timeout took %v to come", took)
	}
}

// Section 5's keys: a SUPPLIES edge per (from, to, mineral, form, year), a record without a
// form taking its supplying node's default; PRODUCES per (node, mineral, year), from a facility
// or, as a national total, from a country. A reload changes nothing.
func TestSupplyAndOutputRecordsKeyOnFormAndYear(t *testing.T) {
	s := neo4jtest.MustStore(t)
	doc := `{"countries":[{"id":"AU","name":"Australia"},{"id":"JP","name":"Japan"}],
"minerals":[{"id":"m","name":"M","unit":"t M"}],
"facilities":[{"id":"au-mine","name":"m","kind":"mine","country":"AU","online":"2020-01-01"}],
"supplies":[
 {"from":"au-mine","to":"JP","mineral":"m","volume_t":5,"year":2023},
 {"from":"au-mine","to":"JP","mineral":"m","volume_t":6,"year":2024},
 {"from":"au-mine","to":"JP","mineral":"m","form":"intermediate","volume_t":7,"year":2024,"basis":"reported"},
 {"from":"au-mine","to":"JP","mineral":"m","volume_t":8}],
"produces":[
 {"facility":"au-mine","mineral":"m","volume_t":10,"year":2023},
 {"facility":"au-mine","mineral":"m","volume_t":11,"year":2024},
 {"country":"AU","mineral":"m","volume_t":100,"year":2024,"basis":"statistics"}],
"restricts":[{"country":"AU","mineral":"m","measure":"ban","from":"2024-01-01","forms":["ore"],
 "suspended":[{"from":"2024-06-01","until":"2025-01-01"}],"scope":"unprocessed ore","legal":"Act 1"}]}`
	mustLoad(t, s, doc)
	// The same ore record of 2024 written with its default form spelt out: the same edge.
	mustLoad(t, s, `{"supplies":[{"from":"au-mine","to":"JP","mineral":"m","form":"ore","volume_t":6,"year":2024,"basis":"estimated"}]}`)
	rows, err := s.Query(context.Background(), `MATCH (a)-[r:SUPPLIES|PRODUCES]->(b)
RETURN type(r) AS type, a.id AS a, r.form AS form, r.year AS year, coalesce(r.basis, 'estimated') AS basis, r.volume_t AS v ORDER BY type, a, form, year, v`, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%v %v %v %v %v %v", r["type"], r["a"], r["form"], r["year"], r["basis"], r["v"]))
	}
	want := []string{
		"PRODUCES AU <nil> 2024 statistics 100",
		"PRODUCES au-mine <nil> 2023 estimated 10",
		"PRODUCES au-mine <nil> 2024 estimated 11",
		"SUPPLIES au-mine intermediate 2024 reported 7",
		"SUPPLIES au-mine ore 2023 estimated 5",
		"SUPPLIES au-mine ore 2024 estimated 6",
		"SUPPLIES au-mine ore <nil> estimated 8",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("stored:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	before := graphCounts(t, s)
	if again := mustLoad(t, s, doc); again.NodesCreated != 0 || again.RelationshipsCreated != 0 || again.PropertiesSet != 0 {
		t.Fatalf("reload: %+v", again)
	}
	if after := graphCounts(t, s); after != before {
		t.Fatalf("reload changed the graph: %+v → %+v", before, after)
	}
	net, err := s.Network(context.Background(), "", "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(net.Restrictions) != 1 || !net.Restrictions[0].Covers("ore") || net.Restrictions[0].Covers("refined") ||
		len(net.Restrictions[0].Suspended) != 1 || net.Restrictions[0].InForce(time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("restriction read back as %+v", net.Restrictions)
	}
	for _, n := range net.Nodes {
		if n.ID == "au-mine" && !n.Online.Equal(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("au-mine online %v", n.Online)
		}
	}
	// The network read packs year, form and basis into one integer per edge: read back whole.
	var edges []string
	for _, e := range net.Edges {
		edges = append(edges, fmt.Sprintf("%s>%s %v %s %s %d", net.Nodes[e.From].ID, net.Nodes[e.To].ID, e.Capacity, e.FormName(), e.BasisName(), e.Year))
	}
	slices.Sort(edges)
	wantEdges := []string{"au-mine>JP 5 ore estimated 2023", "au-mine>JP 6 ore estimated 2024", "au-mine>JP 7 intermediate reported 2024", "au-mine>JP 8 ore estimated 0"}
	if !slices.Equal(edges, wantEdges) {
		t.Fatalf("network edges %v, want %v", edges, wantEdges)
	}
}

// A graph stored before contract section 5 has SUPPLIES without form or basis: at start they
// get the contract's defaults, so that reloading the old document updates them instead of
// adding a second edge.
func TestSuppliesStoredBeforeFormsGetTheirDefaultAtStart(t *testing.T) {
	s := neo4jtest.MustStore(t)
	old := `{"countries":[{"id":"AU","name":"Australia"},{"id":"JP","name":"Japan"}],"minerals":[{"id":"m","name":"M"}],
"facilities":[{"id":"au-mine","name":"m","kind":"mine","country":"AU"}],
"supplies":[{"from":"au-mine","to":"JP","mineral":"m","volume_t":5,"year":2024},{"from":"AU","to":"JP","mineral":"m","volume_t":2}]}`
	mustLoad(t, s, old)
	ctx := context.Background()
	// An old database: no form on its SUPPLIES, and no marker saying the migration ran.
	if err := s.Write(ctx, `MATCH ()-[r:SUPPLIES]->() REMOVE r.form, r.basis`, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, `MATCH (m:MineralmapSchema) DELETE m`, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	again := mustLoad(t, s, old)
	rows, err := s.Query(ctx, `MATCH (a)-[r:SUPPLIES]->() RETURN a.id AS a, r.form AS form, r.basis AS basis ORDER BY a`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.RelationshipsCreated != 0 || len(rows) != 2 || rows[0]["form"] != "refined" || rows[1]["form"] != "ore" {
		t.Fatalf("after the start and a reload: %+v, edges %v", again, rows)
	}
}

// A national total replaced by a load that changes it by more than 5% keeps what it held, for
// the quality report.
func TestAReplacedNationalTotalIsKeptForTheQualityReport(t *testing.T) {
	s := neo4jtest.MustStore(t)
	base := `{"countries":[{"id":"CN","name":"China"}],"minerals":[{"id":"m","name":"M","unit":"t M"}],
"produces":[{"country":"CN","mineral":"m","volume_t":270,"year":2024,"basis":"statistics","source":"USGS"}]}`
	mustLoad(t, s, base)
	mustLoad(t, s, `{"produces":[{"country":"CN","mineral":"m","volume_t":271,"year":2024,"basis":"statistics","source":"USGS"}]}`)
	in, err := s.QualityInput(context.Background(), "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Outputs) != 1 || in.Outputs[0].Replaced != nil {
		t.Fatalf("a change under 5%%: %+v", in.Outputs)
	}
	mustLoad(t, s, `{"produces":[{"country":"CN","mineral":"m","volume_t":300,"year":2024,"basis":"estimated","source":"curated"}]}`)
	in, err = s.QualityInput(context.Background(), "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Outputs) != 1 || in.Outputs[0].VolumeT != 300 || in.Outputs[0].Replaced == nil ||
		*in.Outputs[0].Replaced != (quality.Replaced{VolumeT: 271, Basis: "statistics", Source: "USGS"}) {
		t.Fatalf("after a 10%% change: %+v (replaced %+v)", in.Outputs, in.Outputs[0].Replaced)
	}
}

// DEMANDS (contract section 7) load, key on (country, mineral, year) and reload to nothing.
func TestDemandsLoadAndKeyOnTheirYear(t *testing.T) {
	s := neo4jtest.MustStore(t)
	doc := `{"countries":[{"id":"JP","name":"Japan"}],"minerals":[{"id":"m","name":"M","unit":"t M"}],
"demands":[{"country":"JP","mineral":"m","volume_t":120,"year":2023,"basis":"apparent","source":"BACI, WMD"},
  {"country":"JP","mineral":"m","volume_t":130,"year":2024,"basis":"reported","source":"METI"}]}`
	mustLoad(t, s, doc)
	again := mustLoad(t, s, doc)
	if again.RelationshipsCreated != 0 || again.PropertiesSet != 0 {
		t.Errorf("a reload of the same demands: %+v; want nothing created or set", again)
	}
	mustLoad(t, s, `{"demands":[{"country":"JP","mineral":"m","volume_t":125,"year":2023,"basis":"apparent","source":"BACI, WMD"}]}`)
	rows, err := s.Query(context.Background(), `MATCH (:Country {id: 'JP'})-[d:DEMANDS]->(:Mineral {id: 'm'}) RETURN d.year AS year, d.volume_t AS v, d.basis AS basis ORDER BY year`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0]["v"] != 125.0 || rows[0]["basis"] != "apparent" || rows[1]["v"] != 130.0 {
		t.Fatalf("demands %v; want 2023 updated to 125 (apparent) and 2024 at 130", rows)
	}
}
