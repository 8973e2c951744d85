package analysis_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/supply"
	"github.com/mineralmap/mineralmap/supply/supplytest"
)

// outlookGraph is a random network with years, planned records, pending facilities, bans that
// start and end, demand and a group, with its ground truth in plain Go: the outlook's answers
// are recomputed from it by brute force (contract sections 5 and 7 written out the obvious way).
type outlookGraph struct {
	countries []string
	facs      []string
	fac       map[string]outlookFacility
	recs      []outlookRecord
	bans      []testRestriction
	demand    map[string]float64 // 2024 records
	group     []string
}

type outlookFacility struct {
	country  string
	producer bool
	pending  bool // status planned or construction
	online   int  // year; 0: no online date
	month    int
}

type outlookRecord struct {
	from, to string
	volume   float64
	year     int
	planned  bool
}

// genOutlook draws a graph; static keeps every non-pending record at or before 2024 and every
// ban in force from 2000 on (the delay property holds only with restrictions fixed).
func genOutlook(r *rand.Rand, static bool) outlookGraph {
	g := outlookGraph{fac: map[string]outlookFacility{}, demand: map[string]float64{}}
	for i := range 2 + r.IntN(4) {
		g.countries = append(g.countries, "X"+string(rune('A'+i)))
	}
	for i := range 3 + r.IntN(18) {
		id := "f" + strconv.Itoa(i)
		f := outlookFacility{country: g.countries[r.IntN(len(g.countries))], producer: r.IntN(3) == 0}
		if r.IntN(3) == 0 {
			f.pending, f.online, f.month = true, 2025+r.IntN(6), 1+r.IntN(12)
		}
		g.facs = append(g.facs, id)
		g.fac[id] = f
	}
	nodes := append(slices.Clone(g.facs), g.countries...)
	seen := map[string]bool{}
	for range len(nodes) + r.IntN(2*len(nodes)) {
		a, b := nodes[r.IntN(len(nodes))], nodes[r.IntN(len(nodes))]
		rec := outlookRecord{from: a, to: b, volume: float64(1 + r.IntN(40)), year: []int{2022, 2024}[r.IntN(2)]}
		if r.IntN(3) == 0 {
			rec.planned, rec.year = true, 2025+r.IntN(7)
		}
		key := fmt.Sprint(a, b, rec.year)
		if a == b || seen[key] {
			continue
		}
		seen[key] = true
		g.recs = append(g.recs, rec)
	}
	for range r.IntN(3) {
		b := testRestriction{country: g.countries[r.IntN(len(g.countries))], measure: "ban", from: day("2000-01-01")}
		if !static {
			b.from = day("2024-01-01").AddDate(0, r.IntN(84), 0)
			if r.IntN(2) == 0 {
				b.until = b.from.AddDate(0, 6+r.IntN(36), 0)
			}
		}
		for _, c := range g.countries {
			if c != b.country && r.IntN(2) == 0 {
				b.targets = append(b.targets, c)
			}
		}
		if !slices.ContainsFunc(g.bans, func(x testRestriction) bool { return x.country == b.country && x.from.Equal(b.from) }) {
			g.bans = append(g.bans, b) // the load keys RESTRICTS on (country, mineral, measure, from)
		}
	}
	for _, c := range g.countries {
		if r.IntN(4) > 0 {
			g.demand[c] = float64(5 + r.IntN(60))
		}
	}
	for _, c := range g.countries {
		if r.IntN(2) == 0 {
			g.group = append(g.group, c)
		}
	}
	if len(g.group) < 2 {
		g.group = slices.Clone(g.countries[:2])
	}
	if static {
		// Every node that is not pending gets a feed that is always there (a producer's
		// record), so that no source changes with the years and the delay property applies.
		g.facs = append(g.facs, "fsrc")
		g.fac["fsrc"] = outlookFacility{country: g.countries[r.IntN(len(g.countries))], producer: true}
		for _, id := range append(slices.Clone(g.facs), g.countries...) {
			if id != "fsrc" && !g.fac[id].pending && !g.alwaysFed(id) {
				g.recs = append(g.recs, outlookRecord{from: "fsrc", to: id, volume: float64(1 + r.IntN(10)), year: 2024})
			}
		}
	}
	return g
}

func (g outlookGraph) countryOf(id string) string {
	if f, ok := g.fac[id]; ok {
		return f.country
	}
	return id
}

func (g outlookGraph) doc() doc {
	d := newDoc().country(g.countries...).grouped("G", g.group...)
	for _, id := range g.facs {
		f := g.fac[id]
		e := map[string]any{"id": id, "name": "Facility " + id, "kind": "refinery", "country": f.country, "status": "operating"}
		if f.producer {
			e["kind"] = "mine"
			d["produces"] = append(d["produces"], map[string]any{"facility": id, "mineral": testMineral, "volume_t": 1000})
		}
		if f.pending {
			e["status"] = []string{"planned", "construction"}[len(id)%2]
			e["online"] = fmt.Sprintf("%d-%02d-01", f.online, f.month)
		}
		d["facilities"] = append(d["facilities"], e)
	}
	for _, x := range g.recs {
		basis := "estimated"
		if x.planned {
			basis = "planned"
		}
		d.record(x.from, x.to, x.volume, x.year, basis)
	}
	for _, b := range g.bans {
		until := ""
		if !b.until.IsZero() {
			until = b.until.Format("2006-01-02")
		}
		d.restrict(b.country, b.measure, b.from.Format("2006-01-02"), until, b.targets...)
	}
	for _, c := range slices.Sorted(mapsKeysF(g.demand)) {
		d.demand(c, g.demand[c], 2024)
	}
	return d
}

// network is the year's edges by brute force: the latest estimated record ≤ y of each pair,
// the planned ones of a year ≤ y (shifted by delay when an end is pending), both ends taking
// part (online year, shifted, ≤ y); open leaves out the hops under a ban in force on 1 July of
// y, all keeps them (the year's sources are taken from all, before restrictions: section 4).
func (g outlookGraph) network(y, delay int) (open, all []supply.FlowEdge) {
	shift := func(id string) int {
		if g.fac[id].pending {
			return delay
		}
		return 0
	}
	part := func(id string) bool {
		f, ok := g.fac[id]
		return !ok || f.online == 0 || f.online+shift(id) <= y
	}
	latest := map[[2]string]int{}
	for _, x := range g.recs {
		if !x.planned && x.year <= y {
			k := [2]string{x.from, x.to}
			latest[k] = max(latest[k], x.year)
		}
	}
	at := time.Date(y, time.July, 1, 0, 0, 0, 0, time.UTC)
	for _, x := range g.recs {
		in := x.planned && x.year+max(shift(x.from), shift(x.to)) <= y || !x.planned && x.year == latest[[2]string{x.from, x.to}]
		if !in || !part(x.from) || !part(x.to) {
			continue
		}
		e := supply.FlowEdge{From: x.from, To: x.to, Capacity: x.volume}
		all = append(all, e)
		a, b := g.countryOf(x.from), g.countryOf(x.to)
		blocked := false
		for _, ban := range g.bans {
			if a != b && ban.country == a && !ban.from.After(at) && (ban.until.IsZero() || at.Before(ban.until)) &&
				(len(ban.targets) == 0 || slices.Contains(ban.targets, b)) {
				blocked = true
			}
		}
		if !blocked {
			open = append(open, e)
		}
	}
	return open, all
}

// sources are the year's (section 4): the producers, and the nodes with an outgoing edge and
// no incoming one in that year's network (all: before restrictions).
func (g outlookGraph) sources(all []supply.FlowEdge) []string {
	var producers []string
	for _, id := range g.facs {
		if g.fac[id].producer {
			producers = append(producers, id)
		}
	}
	return supply.DefaultSources(all, producers)
}

// alwaysFed reports whether node id's place as a source never changes from year to year: a
// producer, a node with a record from a non-pending node that is not planned (in every year's
// network), or a node that no record enters.
func (g outlookGraph) alwaysFed(id string) bool {
	if g.fac[id].producer {
		return true
	}
	entered := false
	for _, x := range g.recs {
		if x.to != id {
			continue
		}
		entered = true
		if !x.planned && !g.fac[x.from].pending {
			return true
		}
	}
	return !entered
}

// stable: no node that is not pending changes its place as a source over the years (pending
// ones shift whole with delay_years), which the delay property needs: an unbounded source
// (outgoing edges, no incoming one) that gets its feed later loses supply.
func (g outlookGraph) stable() bool {
	for _, id := range append(slices.Clone(g.facs), g.countries...) {
		if !g.fac[id].pending && !g.alwaysFed(id) {
			return false
		}
	}
	return true
}

// supplyTo is the brute-force deliverable supply to consumer (a country, or "group:G": the
// members' incoming edges go to a super-sink, their outgoing ones stay), without removed.
func (g outlookGraph) supplyTo(edges, all []supply.FlowEdge, consumer string, removed map[string]bool) float64 {
	if consumer != "group:G" {
		return supplytest.MaxFlow(edges, g.sources(all), consumer, removed)
	}
	return g.supplyToMembers(edges, all, g.group, removed)
}

// supplyToMembers is the super-sink flow to some members of the group.
func (g outlookGraph) supplyToMembers(edges, all []supply.FlowEdge, members []string, removed map[string]bool) float64 {
	var split []supply.FlowEdge
	for _, e := range edges {
		if slices.Contains(members, e.To) {
			e.To += "#in"
		}
		split = append(split, e)
	}
	for _, c := range members {
		split = append(split, supply.FlowEdge{From: c + "#in", To: "SINK", Capacity: 1e12})
	}
	return supplytest.MaxFlow(split, g.sources(all), "SINK", removed)
}

func (g outlookGraph) removal(country string) map[string]bool {
	r := map[string]bool{country: true}
	for _, id := range g.facs {
		if g.fac[id].country == country {
			r[id] = true
		}
	}
	return r
}

// withDemand are the group's members with a demand record.
func (g outlookGraph) withDemand() []string {
	var out []string
	for _, c := range g.group {
		if _, ok := g.demand[c]; ok {
			out = append(out, c)
		}
	}
	return out
}

func (g outlookGraph) demandOf(consumer string) (float64, bool) {
	members := []string{consumer}
	if consumer == "group:G" {
		members = g.group
	}
	sum, known := 0.0, false
	for _, c := range members {
		if v, ok := g.demand[c]; ok {
			sum, known = sum+v, true
		}
	}
	return sum, known
}

func nearRel(a, b float64) bool { return math.Abs(a-b) <= 1e-7*max(1, math.Abs(b)) }

// TestTheOutlookMatchesBruteForceOnRandomGraphsInNeo4j loads random graphs into Neo4j and checks
// every year of the outlook against an independent max-flow on that year's network, with and
// without delay; that adding capacity (a producing facility with planned records into nodes
// that already have a feed) never lowers any year's supply; that, with demand and restrictions
// fixed, delay_years moves suffices_from later by at most that many years; and that a group's
// supply lies between its largest member's and the sum of its members' (the latter where no
// member's own output can come back to it through non-members).
func TestTheOutlookMatchesBruteForceOnRandomGraphsInNeo4j(t *testing.T) {
	a, s := mustAnalyses(t)
	r := rand.New(rand.NewPCG(20260112, 14))
	graphs := max(propertyGraphs()/4, 10)
	var years, delays, grown, groups, unbounded, unstable int
	for i := range graphs {
		static := i%2 == 0
		g := genOutlook(r, static)
		loadDoc(t, s, g.doc())
		consumer := g.countries[r.IntN(len(g.countries))]
		if r.IntN(3) == 0 {
			consumer = "group:G"
		}
		var avoid string
		for _, c := range g.countries {
			if c != consumer && !(consumer == "group:G" && slices.Contains(g.group, c)) && r.IntN(2) == 0 {
				avoid = c
				break
			}
		}
		label := fmt.Sprintf("graph %d (%d facilities, %d records, consumer %s, avoid %q, static %v)", i, len(g.facs), len(g.recs), consumer, avoid, static)
		outlook := func(delay int, target float64) analysis.OutlookAnswer {
			req := analysis.OutlookRequest{Mineral: testMineral, Consumer: consumer, From: 2025, To: 2040, Delay: delay, Target: target}
			if avoid != "" {
				req.Avoid = []string{avoid}
			}
			ans, err := a.Outlook(ctx, req)
			if err != nil {
				t.Fatalf("%s: outlook delay %d: %v", label, delay, err)
			}
			return ans
		}
		removed := map[string]bool{}
		if avoid != "" {
			removed = g.removal(avoid)
		}
		demand, known := g.demandOf(consumer)
		for _, delay := range []int{0, 2} {
			ans := outlook(delay, 1)
			for _, y := range ans.Years {
				edges, before := g.network(int(y.Year), delay)
				all, avoiding := g.supplyTo(edges, before, consumer, nil), g.supplyTo(edges, before, consumer, removed)
				if !nearRel(y.SupplyT, all) || !nearRel(y.SupplyAvoidingT, avoiding) {
					if b, err := json.Marshal(g.doc()); err == nil {
						os.WriteFile(filepath.Join(os.TempDir(), "outlook-failure.json"), b, 0o644)
					}
					t.Fatalf("%s, delay %d, %d: supply %v avoiding %v, want %v and %v\nedges %v\nsources %v group %v facs %+v\nrecs %+v", label, delay, y.Year, y.SupplyT, y.SupplyAvoidingT, all, avoiding, edges, g.sources(before), g.group, g.fac, g.recs)
				}
				switch {
				case !known && (y.Coverage.Coverage != nil || y.DemandT != nil || y.CoverageReason == ""):
					t.Fatalf("%s, %d: no demand, but coverage %v demand %v", label, y.Year, y.Coverage.Coverage, y.DemandT)
				case known && demand > 0:
					// A group with members of unknown demand: coverage is the supply to the
					// members with a record over their demand.
					covered := avoiding
					if consumer == "group:G" && len(g.withDemand()) < len(g.group) {
						covered = g.supplyToMembers(edges, before, g.withDemand(), removed)
					}
					if y.Coverage.Coverage == nil || !nearRel(*y.Coverage.Coverage, covered/demand) {
						t.Fatalf("%s, %d: coverage %v, want %v", label, y.Year, y.Coverage.Coverage, covered/demand)
					}
				}
				years++
			}
		}

		// Adding capacity: a producing facility whose planned records go into nodes whose place
		// as a source never changes (a node with no feed is a source, unbounded, and would stop
		// being one).
		fed := map[string]bool{}
		for _, id := range append(slices.Clone(g.facs), g.countries...) {
			if g.alwaysFed(id) {
				entered := slices.ContainsFunc(g.recs, func(x outlookRecord) bool { return x.to == id })
				if entered || g.fac[id].producer {
					fed[id] = true
				}
			}
		}
		targets := slices.Sorted(mapsKeysB(fed))
		if len(targets) > 0 {
			base := outlook(0, 1)
			more := g
			more.facs = append(slices.Clone(g.facs), "fnew")
			more.fac = maps2(g.fac)
			more.fac["fnew"] = outlookFacility{country: g.countries[r.IntN(len(g.countries))], producer: true, pending: r.IntN(2) == 0, online: 2026 + r.IntN(5), month: 3}
			more.recs = slices.Clone(g.recs)
			for range 1 + r.IntN(3) {
				more.recs = append(more.recs, outlookRecord{from: "fnew", to: targets[r.IntN(len(targets))], volume: float64(1 + r.IntN(20)), year: 2025 + r.IntN(8), planned: true})
			}
			seen := map[string]bool{}
			more.recs = slices.DeleteFunc(more.recs, func(x outlookRecord) bool {
				k := fmt.Sprint(x.from, x.to, x.year)
				dup := seen[k]
				seen[k] = true
				return dup
			})
			loadDoc(t, s, more.doc())
			after := outlook(0, 1)
			for j, y := range after.Years {
				if y.SupplyT < base.Years[j].SupplyT-1e-9 || y.SupplyAvoidingT < base.Years[j].SupplyAvoidingT-1e-9 {
					if b, err := json.Marshal(more.doc()); err == nil {
						os.WriteFile(filepath.Join(os.TempDir(), "outlook-failure.json"), b, 0o644)
					}
					t.Fatalf("%s: adding fnew lowered %d: %v → %v (avoiding %v → %v)", label, y.Year, base.Years[j].SupplyT, y.SupplyT, base.Years[j].SupplyAvoidingT, y.SupplyAvoidingT)
				}
			}
			grown++
			loadDoc(t, s, g.doc())
		}

		// Delay moves suffices_from later by at most delay_years (demand and restrictions fixed).
		if static && known && demand > 0 && !g.stable() {
			unstable++
		}
		if static && known && demand > 0 && g.stable() {
			base := outlook(0, 1)
			var covs []float64
			for _, y := range base.Years {
				if y.Coverage.Coverage != nil && *y.Coverage.Coverage > 0 {
					covs = append(covs, *y.Coverage.Coverage)
				}
			}
			if len(covs) > 0 {
				target := covs[r.IntN(len(covs))]
				s0 := outlook(0, target).SufficesFrom
				for _, d := range []int{1, 2, 3} {
					sd := outlook(d, target).SufficesFrom
					switch {
					case s0 == nil:
						t.Fatalf("%s: target %v, a year reached it but suffices_from is null", label, target)
					case *s0+int64(d) <= 2040 && (sd == nil || *sd < *s0 || *sd > *s0+int64(d)):
						t.Fatalf("%s: target %v: suffices_from %d without delay, %v with %d", label, target, *s0, sd, d)
					}
				}
				delays++
			}
		}

		// A group between its largest member and the sum of its members (its supply is taken
		// from an exposure to a country outside it).
		var outside string
		for _, c := range g.countries {
			if !slices.Contains(g.group, c) {
				outside = c
			}
		}
		ex := func(consumer string) float64 {
			e, err := a.Exposure(ctx, analysis.ExposureRequest{Consumer: consumer, Supplier: outside, Mineral: testMineral})
			if err != nil {
				t.Fatalf("%s: exposure of %s: %v", label, consumer, err)
			}
			return *e.SupplyT
		}
		if outside != "" {
			group, largest, sum := ex("group:G"), 0.0, 0.0
			for _, c := range g.group {
				v := ex(c)
				largest, sum = max(largest, v), sum+v
			}
			if group < largest-1e-9 {
				t.Fatalf("%s: group %v below its largest member %v", label, group, largest)
			}
			if group > sum+1e-9 {
				if !g.selfReturn() {
					t.Fatalf("%s: group %v above the sum of its members %v", label, group, sum)
				}
				unbounded++
			}
			groups++
		}
	}
	t.Logf("%d graphs: %d outlook years against brute force, %d capacity additions, %d delay checks (%d graphs not checked: a source that gets its feed later), %d groups (%d above the sum of members through a member's own output coming back)",
		graphs, years, grown, delays, unstable, groups, unbounded)
}

// selfReturn reports whether some member of G lies on a directed cycle whose other nodes are
// not members (its own output can come back to it through non-members).
func (g outlookGraph) selfReturn() bool {
	out := map[string][]string{}
	for _, x := range g.recs {
		out[x.from] = append(out[x.from], x.to)
	}
	for _, m := range g.group {
		seen := map[string]bool{}
		stack := slices.Clone(out[m])
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if v == m {
				return true
			}
			if seen[v] || slices.Contains(g.group, v) {
				continue
			}
			seen[v] = true
			stack = append(stack, out[v]...)
		}
	}
	return false
}

func mapsKeysF(m map[string]float64) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func mapsKeysB(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func maps2(m map[string]outlookFacility) map[string]outlookFacility {
	out := make(map[string]outlookFacility, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
