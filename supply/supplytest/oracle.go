// Package supplytest holds reference implementations of contract section 4, written the obvious
// way and independently of package supply, so that property tests (of supply, and of the
// analyses over a real Neo4j) can compare the fast code with something easy to believe.
package supplytest

import (
	"math"
	"slices"

	"github.com/mineralmap/mineralmap/supply"
)

// MaxFlow is textbook Edmonds–Karp (shortest augmenting paths by BFS) on
// a dense capacity matrix with an explicit super-source: deliverable supply
// from every source other than sink to sink, nodes in removed deleted.
func MaxFlow(edges []supply.FlowEdge, sources []string, sink string, removed map[string]bool) float64 {
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

// Edge is one SUPPLIES edge as the paths oracle sees it.
type Edge struct {
	From, To string
	VolumeT  float64
}

// SimplePaths enumerates by DFS every simple path (no node twice) of at
// least one edge from a node in from to to, none of whose nodes (endpoints
// included) is in avoid, with at most maxHops edges (maxHops <= 0: no limit).
// Each path is its node list, from first to to; paths come fewest hops first,
// then in lexicographic order of their nodes. Self-loops are never on a simple
// path; parallel edges give one path.
func SimplePaths(edges []Edge, from []string, to string, avoid map[string]bool, maxHops int) [][]string {
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
