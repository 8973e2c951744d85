package analysis_test

import (
	"reflect"
	"testing"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/neo4j"
)

// riskByID indexes a chokepoint answer.
func riskByID(ans analysis.ChokepointsAnswer) map[string]analysis.ChokepointItem {
	out := map[string]analysis.ChokepointItem{}
	for _, c := range ans.Chokepoints {
		out[c.ID] = c
	}
	return out
}

// diamondDoc: mine s (AA) feeds consumer TT through refinery l (BB, 10 t) and refinery r (CC, 5 t).
func diamondDoc() doc {
	return newDoc().country("AA", "BB", "CC", "TT").
		mine("s", "AA").facility("l", "BB").facility("r", "CC").
		supply("s", "l", 10).supply("l", "TT", 10).supply("s", "r", 5).supply("r", "TT", 5).
		agreement("deal", "r")
}

func TestWhichRoutesReachAConsumerThroughADiamond(t *testing.T) {
	a, s := mustAnalyses(t)
	loadDoc(t, s, diamondDoc())

	paths, err := a.AlternativePaths(ctx, analysis.PathsRequest{Mineral: testMineral, To: "TT"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"s", "l", "TT"}, {"s", "r", "TT"}}
	if got := pathIDs(paths.Paths); !reflect.DeepEqual(got, want) {
		t.Fatalf("paths = %v, want %v", got, want)
	}
	if p := paths.Paths[1]; p.BottleneckT != 5 || len(p.FinancedBy) != 1 || p.FinancedBy[0] != (analysis.Financing{"deal", "r"}) {
		t.Fatalf("second path: bottleneck %v, financed by %v", p.BottleneckT, p.FinancedBy)
	}
	avoid, err := a.AlternativePaths(ctx, analysis.PathsRequest{Mineral: testMineral, To: "TT", Avoid: []string{"BB"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := pathIDs(avoid.Paths); !reflect.DeepEqual(got, [][]string{{"s", "r", "TT"}}) {
		t.Fatalf("avoiding country BB: %v", got)
	}

	ch, err := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: testMineral, Consumer: "TT"})
	if err != nil {
		t.Fatal(err)
	}
	if ch.SupplyT != 15 {
		t.Fatalf("supply_t = %v, want 15", ch.SupplyT)
	}
	got := riskByID(ch)
	for id, risk := range map[string]float64{"s": 1, "AA": 1, "l": 10.0 / 15, "BB": 10.0 / 15, "r": 5.0 / 15, "CC": 5.0 / 15} {
		if !near(got[id].SupplyAtRisk, risk) {
			t.Errorf("%s: supply at risk %v, want %v", id, got[id].SupplyAtRisk, risk)
		}
		if got[id].SinglePointOfFailure != (risk == 1) {
			t.Errorf("%s: single point of failure = %v", id, got[id].SinglePointOfFailure)
		}
	}
	if len(ch.Chokepoints) != 6 || ch.Chokepoints[0].ID != "AA" || ch.Chokepoints[1].ID != "s" {
		t.Fatalf("ranking %+v: want 6, ties at 1.0 by id (AA before s)", ch.Chokepoints)
	}

	ex, err := a.Exposure(ctx, analysis.ExposureRequest{Consumer: "TT", Supplier: "BB", Mineral: testMineral})
	if err != nil {
		t.Fatal(err)
	}
	if *ex.SupplyT != 15 || !near(*ex.SupplyAtRisk, 10.0/15) {
		t.Fatalf("exposure to BB: %v at risk of %v", *ex.SupplyAtRisk, *ex.SupplyT)
	}
}

func TestAChainWithOneRefinerHasOneChokepoint(t *testing.T) {
	a, s := mustAnalyses(t)
	loadDoc(t, s, newDoc().country("AA", "BB", "CC", "TT").
		mine("m1", "AA").mine("m2", "BB").facility("ref", "CC").
		supply("m1", "ref", 30).supply("m2", "ref", 10).supply("ref", "TT", 40))
	ch, err := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: testMineral, Consumer: "TT"})
	if err != nil {
		t.Fatal(err)
	}
	got := riskByID(ch)
	var spof []string
	for _, c := range ch.Chokepoints {
		if c.SinglePointOfFailure {
			spof = append(spof, c.ID)
		}
	}
	if !reflect.DeepEqual(spof, []string{"CC", "ref"}) {
		t.Fatalf("single points of failure %v, want [CC ref]", spof)
	}
	if !near(got["m1"].SupplyAtRisk, 0.75) || !near(got["BB"].SupplyAtRisk, 0.25) {
		t.Fatalf("mines: m1 %v (want 0.75), BB %v (want 0.25)", got["m1"].SupplyAtRisk, got["BB"].SupplyAtRisk)
	}
}

func TestARestrictionCanBlockTheOnlyRoute(t *testing.T) {
	a, s := mustAnalyses(t)
	loadDoc(t, s, newDoc().country("CN", "JP").
		mine("mine", "CN").facility("sep", "CN").
		supply("mine", "sep", 100).supply("sep", "JP", 80).
		restrict("CN", "ban", "2024-01-01", "", "JP"))
	cases := []struct {
		name  string
		cond  mineralmap.Conditions
		paths int
		flow  float64
	}{
		{"ban in force blocks", mineralmap.Conditions{AsOf: day("2025-06-01")}, 0, 0},
		{"restrictions=ignore", mineralmap.Conditions{Restrictions: mineralmap.RestrictIgnore, AsOf: day("2025-06-01")}, 1, 80},
		{"as_of before the ban", mineralmap.Conditions{AsOf: day("2023-12-31")}, 1, 80},
		{"as_of on the first day", mineralmap.Conditions{AsOf: day("2024-01-01")}, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := a.AlternativePaths(ctx, analysis.PathsRequest{Mineral: testMineral, To: "JP", Conditions: tc.cond})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Paths) != tc.paths {
				t.Fatalf("%d paths, want %d", len(p.Paths), tc.paths)
			}
			ch, err := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: testMineral, Consumer: "JP", Conditions: tc.cond})
			if err != nil {
				t.Fatal(err)
			}
			if ch.SupplyT != tc.flow {
				t.Fatalf("deliverable supply %v, want %v", ch.SupplyT, tc.flow)
			}
		})
	}
}

func TestALicenceShowsAsARestrictedHopUnlessAllMeasuresCount(t *testing.T) {
	a, s := mustAnalyses(t)
	loadDoc(t, s, newDoc().country("CN", "JP").
		mine("mine", "CN").supply("mine", "JP", 10).
		restrict("CN", "licence", "2023-08-01", "2030-01-01"))
	p, err := a.AlternativePaths(ctx, analysis.PathsRequest{Mineral: testMineral, To: "JP", Conditions: mineralmap.Conditions{AsOf: day("2025-01-01")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Paths) != 1 || !reflect.DeepEqual(p.Paths[0].RestrictedHops, []analysis.RestrictedHop{{"mine", "JP", "licence"}}) {
		t.Fatalf("want one path with a licensed hop, got %+v", p.Paths)
	}
	all, err := a.AlternativePaths(ctx, analysis.PathsRequest{Mineral: testMineral, To: "JP", Conditions: mineralmap.Conditions{Restrictions: mineralmap.RestrictAll, AsOf: day("2025-01-01")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Paths) != 0 {
		t.Fatalf("restrictions=all must block the licensed hop, got %+v", all.Paths)
	}
}

func TestACycleDoesNotInflateSupplyOrPaths(t *testing.T) {
	a, s := mustAnalyses(t)
	// mine → x → y → x (a loop between two traders) and x → TT: the loop adds nothing.
	loadDoc(t, s, newDoc().country("AA", "TT").
		mine("mine", "AA").facility("x", "AA").facility("y", "AA").
		supply("mine", "x", 50).supply("x", "y", 40).supply("y", "x", 40).supply("x", "TT", 30))
	p, err := a.AlternativePaths(ctx, analysis.PathsRequest{Mineral: testMineral, To: "TT", K: 5})
	if err != nil {
		t.Fatal(err)
	}
	// The walk mine→x→y→x→TT repeats x; only the simple path counts.
	if got := pathIDs(p.Paths); !reflect.DeepEqual(got, [][]string{{"mine", "x", "TT"}}) {
		t.Fatalf("paths = %v, want only the simple path", got)
	}
	ch, err := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: testMineral, Consumer: "TT"})
	if err != nil {
		t.Fatal(err)
	}
	if ch.SupplyT != 30 {
		t.Fatalf("supply %v, want 30", ch.SupplyT)
	}
	if _, ok := riskByID(ch)["y"]; ok {
		t.Fatalf("y is on no simple path to TT and must not be a chokepoint: %+v", ch.Chokepoints)
	}
}

func TestTiesInHopsComeInIDOrderAndKCuts(t *testing.T) {
	a, s := mustAnalyses(t)
	loadDoc(t, s, newDoc().country("AA", "TT").
		mine("m3", "AA").mine("m1", "AA").mine("m2", "AA").facility("hub", "AA").
		supply("m3", "hub", 1).supply("m1", "hub", 1).supply("m2", "hub", 1).supply("hub", "TT", 3).supply("m2", "TT", 1))
	p, err := a.AlternativePaths(ctx, analysis.PathsRequest{Mineral: testMineral, To: "TT", K: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"m2", "TT"}, {"m1", "hub", "TT"}, {"m2", "hub", "TT"}}
	if got := pathIDs(p.Paths); !reflect.DeepEqual(got, want) {
		t.Fatalf("paths = %v, want %v", got, want)
	}
}

func TestAConsumerWithNoSupplyHasNothingAtRisk(t *testing.T) {
	a, s := mustAnalyses(t)
	loadDoc(t, s, diamondDoc().country("ZZ"))
	p, err := a.AlternativePaths(ctx, analysis.PathsRequest{Mineral: testMineral, To: "ZZ"})
	if err != nil || len(p.Paths) != 0 {
		t.Fatalf("paths to ZZ: %v, %v", p.Paths, err)
	}
	ch, err := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: testMineral, Consumer: "ZZ"})
	if err != nil || ch.SupplyT != 0 || len(ch.Chokepoints) != 0 {
		t.Fatalf("chokepoints for ZZ: %+v, %v", ch, err)
	}
	ex, err := a.Exposure(ctx, analysis.ExposureRequest{Consumer: "ZZ", Supplier: "AA"})
	if err != nil || len(ex.Minerals) != 0 {
		t.Fatalf("exposure of ZZ: %+v, %v", ex, err)
	}
}

func TestUnknownIDsAreNotFound(t *testing.T) {
	a, s := mustAnalyses(t)
	loadDoc(t, s, diamondDoc())
	_, err1 := a.AlternativePaths(ctx, analysis.PathsRequest{Mineral: "unobtainium", To: "TT"})
	_, err2 := a.AlternativePaths(ctx, analysis.PathsRequest{Mineral: testMineral, To: "XX"})
	_, err3 := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: testMineral, Consumer: "nowhere"})
	_, err4 := a.Exposure(ctx, analysis.ExposureRequest{Consumer: "TT", Supplier: "s"})
	_, err5 := a.Concentration(ctx, "unobtainium", "mining", nil, nil)
	for i, err := range []error{err1, err2, err3, err4, err5} {
		if mineralmap.KindOf(err) != mineralmap.KindNotFound {
			t.Errorf("case %d: want not_found, got %v", i+1, err)
		}
	}
}

func TestAScenarioReportsLossesAndChangesNothing(t *testing.T) {
	a, s := mustAnalyses(t)
	loadDoc(t, s, diamondDoc().country("UU").supply("l", "UU", 4))
	before := countAll(t, s)
	ans, err := a.Scenario(ctx, analysis.ScenarioRequest{Mineral: testMineral,
		Remove: analysis.ScenarioRemove{Facilities: []string{"r"}}, Restrictions: []analysis.ScenarioRestriction{{Country: "BB", Targets: []string{"UU"}, Measure: "licence"}}}, mineralmap.Conditions{})
	if err != nil {
		t.Fatal(err)
	}
	// Consumers by default: TT and UU (incoming, no outgoing), each with its own max flow.
	// Removing r costs TT its 5 t; the added restriction BB→UU blocks UU's only hop.
	want := []analysis.ScenarioResult{{Consumer: "TT", BeforeT: 15, AfterT: 10, LostShare: 1.0 / 3}, {Consumer: "UU", BeforeT: 4, AfterT: 0, LostShare: 1}}
	if len(ans.Results) != 2 {
		t.Fatalf("results %+v", ans.Results)
	}
	for i, w := range want {
		g := ans.Results[i]
		if g.Consumer != w.Consumer || !near(g.BeforeT, w.BeforeT) || !near(g.AfterT, w.AfterT) || !near(g.LostShare, w.LostShare) {
			t.Errorf("result %d = %+v, want %+v", i, g, w)
		}
	}
	if after := countAll(t, s); after != before {
		t.Fatalf("the scenario changed the graph: %v → %v", before, after)
	}
}

func countAll(t *testing.T, s *neo4j.Store) [2]int64 {
	t.Helper()
	rows, err := s.Query(ctx, `MATCH (n) WITH count(n) AS n MATCH ()-[r]->() RETURN n, count(r) AS r`, nil)
	if err != nil {
		t.Fatal(err)
	}
	return [2]int64{rows[0]["n"].(int64), rows[0]["r"].(int64)}
}
