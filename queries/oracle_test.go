package queries

// Reference implementations of contract section 4, written the obvious way and
// independently of flow.go, so that property tests (here, and later against
// real Neo4j) can compare the fast code with something easy to believe.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// oracleMaxFlow is textbook Edmonds–Karp (shortest augmenting paths by BFS) on
// a dense capacity matrix with an explicit super-source: deliverable supply
// from every source other than sink to sink, nodes in removed deleted.
func oracleMaxFlow(edges []FlowEdge, sources []string, sink string, removed map[string]bool) float64 {
	idx := map[string]int{}
	node := func(id string) int {
		if i, ok := idx[id]; ok {
			return i
		}
		idx[id] = len(idx)
		return idx[id]
	}
	for _, e := range edges {
		node(e.From)
		node(e.To)
	}
	for _, s := range sources {
		node(s)
	}
	t, ok := idx[sink]
	if !ok || removed[sink] {
		return 0
	}
	size := len(idx) + 1
	super := size - 1
	c := make([][]float64, size)
	for i := range c {
		c[i] = make([]float64, size)
	}
	for _, e := range edges {
		if e.From != e.To && !removed[e.From] && !removed[e.To] {
			c[idx[e.From]][idx[e.To]] += e.Capacity
		}
	}
	for _, s := range sources {
		if s != sink && !removed[s] {
			c[super][idx[s]] = math.Inf(1)
		}
	}

	flow := 0.0
	parent := make([]int, size)
	for {
		for i := range parent {
			parent[i] = -1
		}
		parent[super] = super
		queue := []int{super}
		for len(queue) > 0 && parent[t] < 0 {
			u := queue[0]
			queue = queue[1:]
			for v := range size {
				if parent[v] < 0 && c[u][v] > 1e-12 {
					parent[v] = u
					queue = append(queue, v)
				}
			}
		}
		if parent[t] < 0 {
			return flow
		}
		f := math.Inf(1)
		for v := t; v != super; v = parent[v] {
			f = min(f, c[parent[v]][v])
		}
		for v := t; v != super; v = parent[v] {
			c[parent[v]][v] -= f
			c[v][parent[v]] += f
		}
		flow += f
	}
}

// oracleEdge is one SUPPLIES edge as the paths oracle sees it.
type oracleEdge struct {
	From, To string
	VolumeT  float64
}

// oracleSimplePaths enumerates by DFS every simple path (no node twice) of at
// least one edge from a node in from to to, none of whose nodes (endpoints
// included) is in avoid, with at most maxHops edges (maxHops <= 0: no limit).
// Each path is its node list, from first to to; paths come fewest hops first,
// then in lexicographic order of their nodes. Self-loops are never on a simple
// path; parallel edges give one path.
func oracleSimplePaths(edges []oracleEdge, from []string, to string, avoid map[string]bool, maxHops int) [][]string {
	next := map[string][]string{}
	for _, e := range edges {
		if e.From != e.To && !slices.Contains(next[e.From], e.To) {
			next[e.From] = append(next[e.From], e.To)
		}
	}
	var paths [][]string
	onPath := map[string]bool{}
	var path []string
	var walk func(u string)
	walk = func(u string) {
		path = append(path, u)
		onPath[u] = true
		defer func() { path = path[:len(path)-1]; onPath[u] = false }()
		if u == to && len(path) > 1 {
			paths = append(paths, slices.Clone(path))
			return
		}
		if maxHops > 0 && len(path)-1 == maxHops {
			return
		}
		for _, v := range next[u] {
			if !onPath[v] && !avoid[v] {
				walk(v)
			}
		}
	}
	starts := slices.Clone(from)
	slices.Sort(starts)
	for _, s := range slices.Compact(starts) {
		if s != to && !avoid[s] && !avoid[to] {
			walk(s)
		}
	}
	slices.SortFunc(paths, func(a, b []string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return slices.Compare(a, b)
	})
	return paths
}

func TestOracleSimplePaths(t *testing.T) {
	edges := []oracleEdge{
		{"mine", "refinery-a", 10}, {"mine", "refinery-b", 10},
		{"refinery-a", "magnets", 10}, {"refinery-b", "magnets", 10},
		{"refinery-a", "refinery-b", 1}, {"refinery-b", "refinery-a", 1},
		{"mine", "magnets", 1}, {"magnets", "mine", 1}, {"mine", "mine", 1},
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
			got := join(oracleSimplePaths(edges, tc.from, "magnets", removing(tc.avoid...), tc.maxHops))
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
			sources := DefaultSources(tc.edges, tc.producers)
			if got := oracleMaxFlow(tc.edges, sources, tc.sink, nil); !near(got, tc.wantAll) {
				t.Errorf("oracle flow = %v, want %v", got, tc.wantAll)
			}
			if got := oracleMaxFlow(tc.edges, sources, tc.sink, removing(tc.removed...)); !near(got, tc.wantAfter) {
				t.Errorf("oracle flow without %v = %v, want %v", tc.removed, got, tc.wantAfter)
			}
		})
	}
}

// randomNetwork draws a network of up to maxNodes nodes with cycles, parallel
// edges and self-loops, its sources (sometimes the contract's defaults,
// sometimes an arbitrary set that may include the sink) and a sink.
func randomNetwork(r *rand.Rand, maxNodes int, integral bool) (edges []FlowEdge, sources []string, sink string) {
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
		return edges, DefaultSources(edges, producers), sink
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
		n := NewNetwork(edges, sources)
		all := oracleMaxFlow(edges, sources, sink, nil)
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
			want := oracleMaxFlow(edges, sources, sink, removed)
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
		n := NewNetwork(edges, sources)
		var oedges []oracleEdge
		for _, e := range edges {
			oedges = append(oedges, oracleEdge{e.From, e.To, e.Capacity})
		}
		paths := oracleSimplePaths(oedges, sources, sink, nil, 0)
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
		var candidates []Candidate
		for _, id := range n.ids {
			if id != sink {
				candidates = append(candidates, facility(id))
			}
		}
		for c := range 3 {
			cand := country(fmt.Sprintf("C%d", c))
			for _, id := range n.ids {
				if id != sink && r.IntN(3) == 0 {
					cand.Members = append(cand.Members, id)
				}
			}
			candidates = append(candidates, cand)
		}
		got := map[string]Chokepoint{}
		for _, cp := range n.Chokepoints(sink, candidates, 0) {
			got[cp.ID] = cp
		}

		all := oracleMaxFlow(edges, sources, sink, nil)
		for _, c := range candidates {
			removed := removing(c.Members...)
			risk := 0.0
			if all > 0 {
				risk = 1 - oracleMaxFlow(edges, sources, sink, removed)/all
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
