package supply_test

// The reference implementations (supplytest) against hand-checked cases, and the fast code
// against them on random networks.

import (
	"fmt"
	"github.com/mineralmap/mineralmap/supply"
	"github.com/mineralmap/mineralmap/supply/supplytest"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestOracleSimplePaths(t *testing.T) {
	edges := []supplytest.Edge{
		{From: "mine", To: "refinery-a", VolumeT: 10}, {From: "mine", To: "refinery-b", VolumeT: 10},
		{From: "refinery-a", To: "magnets", VolumeT: 10}, {From: "refinery-b", To: "magnets", VolumeT: 10},
		{From: "refinery-a", To: "refinery-b", VolumeT: 1}, {From: "refinery-b", To: "refinery-a", VolumeT: 1},
		{From: "mine", To: "magnets", VolumeT: 1}, {From: "magnets", To: "mine", VolumeT: 1}, {From: "mine", To: "mine", VolumeT: 1},
	}
	join := func(paths [][]string) string {
		var s []string
		for _, p := range paths {
			s = append(s, strings.Join(p, ">"))
		}
		return strings.Join(s, " | ")
	}
	cases := []struct {
		name    string
		from    []string
		avoid   []string
		maxHops int
		want    string
	}{
		{"every simple path, fewest hops first", []string{"mine"}, nil, 0,
			"mine>magnets | mine>refinery-a>magnets | mine>refinery-b>magnets | " +
				"mine>refinery-a>refinery-b>magnets | mine>refinery-b>refinery-a>magnets"},
		{"max hops cuts long paths", []string{"mine"}, nil, 2,
			"mine>magnets | mine>refinery-a>magnets | mine>refinery-b>magnets"},
		{"avoiding a refinery", []string{"mine"}, []string{"refinery-a"}, 0,
			"mine>magnets | mine>refinery-b>magnets"},
		{"avoiding the destination leaves nothing", []string{"mine"}, []string{"magnets"}, 0, ""},
		{"several starts, duplicates once", []string{"refinery-b", "refinery-a", "refinery-a"}, nil, 1,
			"refinery-a>magnets | refinery-b>magnets"},
		{"the destination as a start is no path", []string{"magnets"}, nil, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := join(supplytest.SimplePaths(edges, tc.from, "magnets", removing(tc.avoid...), tc.maxHops))
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// The hand-checked cases hold for the oracle too.
func TestOracleAgreesWithHandCheckedCases(t *testing.T) {
	for _, tc := range flowCases {
		t.Run(tc.name, func(t *testing.T) {
			sources := supply.DefaultSources(tc.edges, tc.producers)
			if got := supplytest.MaxFlow(tc.edges, sources, tc.sink, nil); !near(got, tc.wantAll) {
				t.Errorf("oracle flow = %v, want %v", got, tc.wantAll)
			}
			if got := supplytest.MaxFlow(tc.edges, sources, tc.sink, removing(tc.removed...)); !near(got, tc.wantAfter) {
				t.Errorf("oracle flow without %v = %v, want %v", tc.removed, got, tc.wantAfter)
			}
		})
	}
}

// randomNetwork draws a network of up to maxNodes nodes with cycles, parallel
// edges and self-loops, its sources (sometimes the contract's defaults,
// sometimes an arbitrary set that may include the sink) and a sink.
func randomNetwork(r *rand.Rand, maxNodes int, integral bool) (edges []supply.FlowEdge, sources []string, sink string) {
	nodes := 2 + r.IntN(maxNodes-1)
	id := func(i int) string { return fmt.Sprintf("n%02d", i) }
	for range r.IntN(3*nodes + 1) {
		c := float64(1 + r.IntN(20))
		if !integral {
			c = 0.001 + r.Float64()*r.Float64()*1000
		}
		e := supplies(id(r.IntN(nodes)), id(r.IntN(nodes)), c)
		edges = append(edges, e)
		if r.IntN(10) == 0 { // a parallel edge
			edges = append(edges, supplies(e.From, e.To, c/2))
		}
	}
	sink = id(r.IntN(nodes))
	var producers []string
	for range r.IntN(3) {
		producers = append(producers, id(r.IntN(nodes)))
	}
	if r.IntN(2) == 0 {
		return edges, supply.DefaultSources(edges, producers), sink
	}
	for range 1 + r.IntN(4) {
		producers = append(producers, id(r.IntN(nodes)))
	}
	return edges, producers, sink
}

func TestFlowMatchesOracleOnRandomNetworks(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 4))
	const graphs = 600
	for g := range graphs {
		edges, sources, sink := randomNetwork(r, 40, g%3 == 0)
		n := supply.NewNetwork(edges, sources)
		all := supplytest.MaxFlow(edges, sources, sink, nil)
		if got := n.MaxFlow(sink, nil); !near(got, all) {
			t.Fatalf("graph %d: MaxFlow(%s) = %v, oracle %v\nsources %v\nedges %v", g, sink, got, all, sources, edges)
		}
		for range 4 {
			removed := map[string]bool{}
			for range r.IntN(4) {
				removed[fmt.Sprintf("n%02d", r.IntN(42))] = true // sometimes the sink, sometimes unknown
			}
			if len(sources) > 0 && r.IntN(5) == 0 {
				removed[sources[0]] = r.IntN(2) == 0 // false entries remove nothing
			}
			want := supplytest.MaxFlow(edges, sources, sink, removed)
			if got := n.MaxFlow(sink, removed); !near(got, want) {
				t.Fatalf("graph %d: MaxFlow(%s without %v) = %v, oracle %v\nsources %v\nedges %v",
					g, sink, removed, got, want, sources, edges)
			}
			wantRisk := 0.0
			if all > 0 {
				wantRisk = 1 - want/all
			}
			if got := n.SupplyAtRisk(sink, removed); math.Abs(got-wantRisk) > 2e-9 {
				t.Fatalf("graph %d: SupplyAtRisk(%s, %v) = %v, oracle %v", g, sink, removed, got, wantRisk)
			}
		}
	}
}

// On small networks, chokepoints agree with the oracle's flows, and with the
// contract's reading in terms of simple paths: a chokepoint lies on some
// source→sink path, and it is a single point of failure exactly when every
// such path crosses it.
func TestChokepointsMatchOracleOnRandomNetworks(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for g := range 500 {
		edges, sources, sink := randomNetwork(r, 10, true)
		n := supply.NewNetwork(edges, sources)
		var oedges []supplytest.Edge
		for _, e := range edges {
			oedges = append(oedges, supplytest.Edge{From: e.From, To: e.To, VolumeT: e.Capacity})
		}
		paths := supplytest.SimplePaths(oedges, sources, sink, nil, 0)
		onSimple := map[string]bool{}
		for _, p := range paths {
			for _, v := range p[:len(p)-1] {
				onSimple[v] = true
			}
		}
		walks := n.OnSomePath(sink)
		for v := range onSimple {
			if !slices.Contains(walks, v) {
				t.Fatalf("graph %d: %s is on a simple path but not in OnSomePath %v", g, v, walks)
			}
		}

		// Every node but the sink, and three random "countries".
		var candidates []supply.Candidate
		for _, id := range n.IDs() {
			if id != sink {
				candidates = append(candidates, facility(id))
			}
		}
		for c := range 3 {
			cand := country(fmt.Sprintf("C%d", c))
			for _, id := range n.IDs() {
				if id != sink && r.IntN(3) == 0 {
					cand.Members = append(cand.Members, id)
				}
			}
			candidates = append(candidates, cand)
		}
		got := map[string]supply.Chokepoint{}
		for _, cp := range ranked(n, sink, candidates, 0) {
			got[cp.ID] = cp
		}

		all := supplytest.MaxFlow(edges, sources, sink, nil)
		for _, c := range candidates {
			removed := removing(c.Members...)
			risk := 0.0
			if all > 0 {
				risk = 1 - supplytest.MaxFlow(edges, sources, sink, removed)/all
			}
			crossesAll, touches := len(paths) > 0, false
			for _, p := range paths {
				crosses := slices.ContainsFunc(p, func(v string) bool { return removed[v] })
				crossesAll = crossesAll && crosses
				touches = touches || crosses
			}
			cp, listed := got[c.ID]
			switch {
			case risk > 1e-9 != listed:
				t.Fatalf("graph %d: %s oracle risk %v, listed %v", g, c.ID, risk, listed)
			case listed && math.Abs(cp.SupplyAtRisk-risk) > 2e-9:
				t.Fatalf("graph %d: %s risk %v, oracle %v", g, c.ID, cp.SupplyAtRisk, risk)
			case listed && !touches:
				t.Fatalf("graph %d: %s is a chokepoint but on no simple path", g, c.ID)
			case cp.SinglePointOfFailure != crossesAll:
				t.Fatalf("graph %d: %s SPOF %v, every path crosses it %v", g, c.ID, cp.SinglePointOfFailure, crossesAll)
			}
		}
	}
}
