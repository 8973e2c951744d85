package analysis_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/quality"
	"github.com/mineralmap/mineralmap/supply"
	"github.com/mineralmap/mineralmap/supply/supplytest"
)

// randomGraph is a random supply network with its ground truth kept in plain Go, so that every
// answer of the service can be recomputed by brute force.
type randomGraph struct {
	countries []string
	country   map[string]string // facility → country
	producers []string
	edges     []supplytest.Edge
	restricts []testRestriction
}

type testRestriction struct {
	country, measure string
	targets          []string
	from, until      time.Time // until zero: open-ended
}

func genGraph(r *rand.Rand) randomGraph {
	g := randomGraph{country: map[string]string{}}
	for i := range 2 + r.IntN(4) {
		g.countries = append(g.countries, "X"+string(rune('A'+i)))
	}
	nFac := 3 + r.IntN(30)
	var nodes []string
	for i := range nFac {
		id := "f" + strconv.Itoa(i)
		g.country[id] = g.countries[r.IntN(len(g.countries))]
		nodes = append(nodes, id)
		if r.IntN(4) == 0 {
			g.producers = append(g.producers, id)
		}
	}
	nodes = append(nodes, g.countries...)
	seen := map[[2]string]bool{}
	for range len(nodes) + r.IntN(len(nodes)) {
		a, b := nodes[r.IntN(len(nodes))], nodes[r.IntN(len(nodes))]
		if a == b || seen[[2]string{a, b}] {
			continue
		}
		seen[[2]string{a, b}] = true
		g.edges = append(g.edges, supplytest.Edge{From: a, To: b, VolumeT: float64(1 + r.IntN(50))})
	}
	for range r.IntN(4) {
		tr := testRestriction{country: g.countries[r.IntN(len(g.countries))], measure: []string{"ban", "licence", "quota"}[r.IntN(3)],
			from: day("2023-01-01").AddDate(0, r.IntN(36), 0)}
		if r.IntN(2) == 0 {
			tr.until = tr.from.AddDate(0, 1+r.IntN(24), 0)
		}
		for _, c := range g.countries {
			if c != tr.country && r.IntN(3) == 0 {
				tr.targets = append(tr.targets, c)
			}
		}
		g.restricts = append(g.restricts, tr)
	}
	return g
}

func (g randomGraph) doc() doc {
	d := newDoc().country(g.countries...)
	for i := range len(g.country) {
		id := "f" + strconv.Itoa(i)
		if slices.Contains(g.producers, id) {
			d.mine(id, g.country[id])
		} else {
			d.facility(id, g.country[id])
		}
	}
	for _, e := range g.edges {
		d.supply(e.From, e.To, e.VolumeT)
	}
	for _, tr := range g.uniqueRestricts() {
		until := ""
		if !tr.until.IsZero() {
			until = tr.until.Format("2006-01-02")
		}
		d.restrict(tr.country, tr.measure, tr.from.Format("2006-01-02"), until, tr.targets...)
	}
	return d
}

// uniqueRestricts keeps the first of restrictions with the same (country, measure, from): the
// loader merges RESTRICTS by that key (and the mineral, which is the same for all).
func (g randomGraph) uniqueRestricts() []testRestriction {
	seen := map[string]bool{}
	var out []testRestriction
	for _, tr := range g.restricts {
		key := tr.country + tr.measure + tr.from.String()
		if !seen[key] {
			seen[key] = true
			out = append(out, tr)
		}
	}
	return out
}

func (g randomGraph) countryOf(id string) string {
	if c, ok := g.country[id]; ok {
		return c
	}
	return id
}

// blocked is the contract's definition, written out again.
func (g randomGraph) blocked(e supplytest.Edge, cond mineralmap.Conditions) bool {
	ca, cb := g.countryOf(e.From), g.countryOf(e.To)
	if ca == cb {
		return false
	}
	for _, tr := range g.uniqueRestricts() {
		active := !tr.from.After(cond.AsOf) && (tr.until.IsZero() || cond.AsOf.Before(tr.until))
		counts := cond.Restrictions == mineralmap.RestrictAll || (cond.Restrictions == mineralmap.RestrictBans && tr.measure == "ban")
		if tr.country == ca && active && counts && (len(tr.targets) == 0 || slices.Contains(tr.targets, cb)) {
			return true
		}
	}
	return false
}

func (g randomGraph) sources() []string {
	hasIn := map[string]bool{}
	for _, e := range g.edges {
		hasIn[e.To] = true
	}
	out := slices.Clone(g.producers)
	for _, e := range g.edges {
		if !hasIn[e.From] {
			out = append(out, e.From)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (g randomGraph) open(cond mineralmap.Conditions) ([]supplytest.Edge, []supply.FlowEdge) {
	var oe []supplytest.Edge
	var fe []supply.FlowEdge
	for _, e := range g.edges {
		if !g.blocked(e, cond) {
			oe = append(oe, e)
			fe = append(fe, supply.FlowEdge{From: e.From, To: e.To, Capacity: e.VolumeT})
		}
	}
	return oe, fe
}

// members is what removing a country or facility id takes out.
func (g randomGraph) members(id string) []string {
	out := []string{id}
	for f, c := range g.country {
		if c == id {
			out = append(out, f)
		}
	}
	return out
}

func round9(x float64) float64 { return math.Round(x*1e9) / 1e9 }

func bruteRisk(all, without float64) float64 {
	if all <= 0 {
		return 0
	}
	return min(max(round9(1-without/all), 0), 1)
}

// propertyGraphs is how many random graphs each property test compares (MINERALMAP_PROPERTY_GRAPHS).
func propertyGraphs() int {
	if v, err := strconv.Atoi(os.Getenv("MINERALMAP_PROPERTY_GRAPHS")); err == nil && v > 0 {
		return v
	}
	return 200
}

// TestAnswersMatchBruteForceOnRandomGraphs runs the analyses and the supply engine over random
// graphs held in memory (no Neo4j) and checks paths, chokepoints, exposure and scenarios
// against brute force: every simple path enumerated, textbook max-flow (Edmonds–Karp) per
// removal.
func TestAnswersMatchBruteForceOnRandomGraphs(t *testing.T) {
	compareWithBruteForce(t, propertyGraphs(), func(i int, g randomGraph) *analysis.Analyses {
		return analysis.New(g.memStore(i), analysis.Options{})
	})
}

// TestAnswersMatchBruteForceOnRandomGraphsInNeo4j is the same comparison with every graph loaded
// into the real Neo4j, so that the load, the network read and the restrictions as stored are in it.
func TestAnswersMatchBruteForceOnRandomGraphsInNeo4j(t *testing.T) {
	a, s := mustAnalyses(t)
	compareWithBruteForce(t, propertyGraphs(), func(_ int, g randomGraph) *analysis.Analyses {
		loadDoc(t, s, g.doc())
		return a
	})
}

func compareWithBruteForce(t *testing.T, graphs int, load func(i int, g randomGraph) *analysis.Analyses) {
	r := rand.New(rand.NewPCG(20260112, 1))
	compared := 0
	for i := range graphs {
		g := genGraph(r)
		a := load(i, g)
		cond := mineralmap.Conditions{Restrictions: mineralmap.RestrictionMode(mineralmap.RestrictionModes[r.IntN(3)]), AsOf: day("2023-06-01").AddDate(0, r.IntN(40), 0)}
		oe, fe := g.open(cond)
		srcs := g.sources()
		all := append(slices.Clone(g.countries), slices.Sorted(mapsKeys(g.country))...)
		consumer := all[r.IntN(len(all))]
		if len(g.edges) > 0 && r.IntN(3) > 0 {
			consumer = g.edges[r.IntN(len(g.edges))].To // usually a node that receives something
		}
		label := fmt.Sprintf("graph %d (%d nodes, %d edges, %s, as of %s, consumer %s)", i, len(all), len(g.edges), cond.Restrictions, cond.AsOf.Format("2006-01-02"), consumer)

		// Paths.
		k, hops := 1+r.IntN(6), 2+r.IntN(5)
		var avoid []string
		avoided := map[string]bool{}
		if r.IntN(2) == 0 {
			x := all[r.IntN(len(all))]
			avoid = []string{x}
			for _, m := range g.members(x) {
				avoided[m] = true
			}
		}
		from := srcs
		var fromID string
		if r.IntN(4) == 0 && len(g.edges) > 0 {
			fromID = g.edges[r.IntN(len(g.edges))].From
			from = []string{fromID}
		}
		want := supplytest.SimplePaths(oe, from, consumer, avoided, hops)
		if len(want) > k {
			want = want[:k]
		}
		got, err := a.AlternativePaths(ctx, analysis.PathsRequest{Mineral: testMineral, To: consumer, From: fromID, Avoid: avoid, K: k, MaxHops: hops, Conditions: cond})
		if err != nil {
			t.Fatalf("%s: paths: %v", label, err)
		}
		if gp := pathIDs(got.Paths); !reflect.DeepEqual(gp, nilToEmpty(want)) {
			t.Fatalf("%s: paths (k=%d, max_hops=%d, from=%q, avoid=%v)\n got %v\nwant %v", label, k, hops, fromID, avoid, gp, want)
		}

		// Chokepoints: every facility and country, each removal one textbook max-flow.
		flowAll := supplytest.MaxFlow(fe, srcs, consumer, nil)
		own := g.countryOf(consumer)
		var wantCh []analysis.ChokepointItem
		for _, id := range all {
			isCountry := slices.Contains(g.countries, id)
			if id == consumer || (isCountry && id == own) {
				continue
			}
			removed := map[string]bool{id: true}
			if isCountry {
				for _, m := range g.members(id) {
					removed[m] = true
				}
			}
			risk := bruteRisk(flowAll, supplytest.MaxFlow(fe, srcs, consumer, removed))
			if risk > 0 {
				typ := "facility"
				if isCountry {
					typ = "country"
				}
				wantCh = append(wantCh, analysis.ChokepointItem{ID: id, Type: typ, SupplyAtRisk: risk, SinglePointOfFailure: risk == 1})
			}
		}
		slices.SortFunc(wantCh, func(x, y analysis.ChokepointItem) int {
			if x.SupplyAtRisk != y.SupplyAtRisk {
				if x.SupplyAtRisk > y.SupplyAtRisk {
					return -1
				}
				return 1
			}
			return cmpString(x.ID, y.ID)
		})
		if len(wantCh) > analysis.DefaultLimit {
			wantCh = wantCh[:analysis.DefaultLimit]
		}
		ch, err := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: testMineral, Consumer: consumer, Conditions: cond})
		if err != nil {
			t.Fatalf("%s: chokepoints: %v", label, err)
		}
		if !near(ch.SupplyT, flowAll) {
			t.Fatalf("%s: supply_t %v, want %v", label, ch.SupplyT, flowAll)
		}
		if len(ch.Chokepoints) != len(wantCh) {
			t.Fatalf("%s: %d chokepoints %+v, want %d %+v", label, len(ch.Chokepoints), ch.Chokepoints, len(wantCh), wantCh)
		}
		for j, w := range wantCh {
			c := ch.Chokepoints[j]
			if c.ID != w.ID || c.Type != w.Type || !near(c.SupplyAtRisk, w.SupplyAtRisk) || c.SinglePointOfFailure != w.SinglePointOfFailure {
				t.Fatalf("%s: chokepoint %d = %+v, want %+v", label, j, c, w)
			}
		}

		// Exposure to a supplier country other than the consumer itself.
		supplier := g.countries[r.IntN(len(g.countries))]
		if supplier != consumer {
			removed := map[string]bool{}
			for _, m := range g.members(supplier) {
				removed[m] = true
			}
			wantRisk := bruteRisk(flowAll, supplytest.MaxFlow(fe, srcs, consumer, removed))
			ex, err := a.Exposure(ctx, analysis.ExposureRequest{Consumer: consumer, Supplier: supplier, Mineral: testMineral, Conditions: cond})
			if err != nil {
				t.Fatalf("%s: exposure: %v", label, err)
			}
			if !near(*ex.SupplyAtRisk, wantRisk) {
				t.Fatalf("%s: exposure to %s = %v, want %v", label, supplier, *ex.SupplyAtRisk, wantRisk)
			}
		}

		// Scenario: remove one facility, add one restriction (blocking whatever its measure).
		fac := "f" + strconv.Itoa(r.IntN(len(g.country)))
		added := testRestriction{country: g.countries[r.IntN(len(g.countries))], measure: "licence", from: day("2000-01-01")}
		if r.IntN(2) == 0 {
			added.targets = []string{g.countries[r.IntN(len(g.countries))]}
		}
		afterCond := cond
		var feAfter []supply.FlowEdge
		for _, e := range g.edges {
			// The added restriction blocks whatever its measure: test it as a counting ban.
			extra := randomGraph{country: g.country, restricts: []testRestriction{{country: added.country, measure: "ban", targets: added.targets, from: added.from}}}
			if !g.blocked(e, cond) && !extra.blocked(e, mineralmap.Conditions{Restrictions: mineralmap.RestrictBans, AsOf: afterCond.AsOf}) {
				feAfter = append(feAfter, supply.FlowEdge{From: e.From, To: e.To, Capacity: e.VolumeT})
			}
		}
		sc, err := a.Scenario(ctx, analysis.ScenarioRequest{Mineral: testMineral, Remove: analysis.ScenarioRemove{Facilities: []string{fac}},
			Restrictions: []analysis.ScenarioRestriction{{Country: added.country, Targets: added.targets, Measure: added.measure}}}, cond)
		if err != nil {
			t.Fatalf("%s: scenario: %v", label, err)
		}
		for _, res := range sc.Results {
			b := supplytest.MaxFlow(fe, srcs, res.Consumer, nil)
			f := supplytest.MaxFlow(feAfter, srcs, res.Consumer, map[string]bool{fac: true})
			if !near(res.BeforeT, b) || !near(res.AfterT, f) || !near(res.LostShare, bruteRisk(b, f)) {
				t.Fatalf("%s: scenario without %s, %+v: %+v, want before %v after %v", label, fac, added, res, b, f)
			}
		}
		compared++
	}
	t.Logf("compared %d random graphs with brute force (paths, chokepoints, exposure, scenarios)", compared)
}

func nilToEmpty(p [][]string) [][]string {
	if p == nil {
		return [][]string{}
	}
	return p
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// memStore holds a random graph as the store would after loading g.doc(): an analysis.Store
// without Neo4j. Its Version is the graph's number, so a cache never mixes two graphs.
type memStore struct {
	g       randomGraph
	version mineralmap.Version
}

func (g randomGraph) memStore(i int) memStore {
	return memStore{g: g, version: mineralmap.Version("graph-" + strconv.Itoa(i))}
}

func (m memStore) label(id string) (string, bool) {
	switch {
	case id == testMineral:
		return mineralmap.LabelMineral, true
	case slices.Contains(m.g.countries, id):
		return mineralmap.LabelCountry, true
	}
	_, ok := m.g.country[id]
	return mineralmap.LabelFacility, ok
}

func (m memStore) Labels(_ context.Context, ids []string) (map[string]string, mineralmap.Version, error) {
	out := map[string]string{}
	for _, id := range ids {
		if l, ok := m.label(id); ok {
			out[id] = l
		}
	}
	return out, m.version, nil
}

func (m memStore) Network(_ context.Context, _ mineralmap.Version, mineral string) (supply.Stored, error) {
	s := supply.Stored{Mineral: mineral}
	index := map[string]int32{}
	node := func(id string) int32 {
		if i, ok := index[id]; ok {
			return i
		}
		index[id] = int32(len(s.Nodes))
		_, isFacility := m.g.country[id]
		s.Nodes = append(s.Nodes, supply.Node{ID: id, Name: "Node " + id, Country: m.g.countryOf(id), IsCountry: !isFacility})
		return index[id]
	}
	for _, e := range m.g.edges {
		s.Edges = append(s.Edges, supply.Edge{From: node(e.From), To: node(e.To), Capacity: e.VolumeT})
	}
	for _, p := range m.g.producers {
		if i, ok := index[p]; ok {
			s.Producers = append(s.Producers, i)
		}
	}
	for _, tr := range m.g.uniqueRestricts() {
		s.Restrictions = append(s.Restrictions, supply.Restriction{
			Measure: mineralmap.Measure{Country: tr.country, Targets: tr.targets, Measure: tr.measure}, From: tr.from, Until: tr.until})
	}
	return s, nil
}

func (memStore) NetworkCypher() string { return "" }

func (memStore) StageOutput(context.Context, string, string, *int64, []string) (analysis.Outputs, error) {
	return analysis.Outputs{}, nil
}

func (memStore) QualityInput(context.Context, string) (quality.Input, error) {
	return quality.Input{}, nil
}

func (memStore) QualityCypher() string { return "" }

func (memStore) MineralIDs(context.Context) ([]string, error) { return []string{testMineral}, nil }

func (memStore) MineralsReceived(context.Context, string, string) ([]string, error) {
	return []string{testMineral}, nil
}

func (m memStore) CountryNames(_ context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for _, id := range ids {
		out[id] = "Country " + id
	}
	return out, nil
}

func (memStore) Demands(context.Context, string) (analysis.Demands, error) {
	return analysis.Demands{Records: []analysis.DemandRecord{}}, nil
}

func (memStore) DemandCypher() string { return "" }

func (memStore) GroupMembers(context.Context, string) (analysis.Group, error) {
	return analysis.Group{}, nil
}

func (memStore) FacilityOutputs(context.Context, string) ([]analysis.FacilityOutput, error) {
	return nil, nil
}
