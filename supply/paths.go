package supply

import (
	"slices"

	"github.com/mineralmap/mineralmap"
)

// PathQuery asks for supply paths to To.
type PathQuery struct {
	To      string
	From    string   // empty: any source of the mineral
	Avoid   []string // country and facility ids; a country takes its facilities with it
	K       int
	MaxHops int
	mineralmap.Conditions
}

// Route is one path found: its edges, as indexes into Stored.Edges, source first.
type Route []int32

// maxPathSteps bounds the nodes one path search may visit. Supply networks are nearly layered
// and a search visits a few thousand; a graph built to defeat the pruning gets a timeout rather
// than a request that never ends.
const maxPathSteps = 20_000_000

// Paths finds the query's paths: simple paths of edges open under its conditions (normalized)
// from a source (or q.From) to q.To through no avoided node, of at most q.MaxHops hops, fewest
// hops first, then in the order of the node ids along them, at most q.K of them. It searches hop
// counts in increasing order, depth first in id order, and prunes with each node's distance to
// q.To (a lower bound of the hops left, simple or not). KindTimeout when the search runs over
// its step budget.
func (m *Mineral) Paths(q PathQuery) ([]Route, error) {
	to, ok := m.index[q.To]
	if !ok {
		return nil, nil
	}
	removed := make([]bool, len(m.ids))
	for _, id := range q.Avoid {
		for _, x := range m.memberAt[id] { // a country: its node and facilities
			removed[x] = true
		}
		if i, ok := m.index[id]; ok {
			removed[i] = true
		}
	}
	if removed[to] {
		return nil, nil
	}
	out, in := m.openGraph(q.Conditions).adjacency(m)

	// Hops from each node to the target, through nodes not removed.
	dist := make([]int32, len(m.ids))
	for i := range dist {
		dist[i] = -1
	}
	dist[to] = 0
	queue := []int32{to}
	for h := 0; h < len(queue); h++ {
		v := queue[h]
		if int(dist[v]) == q.MaxHops {
			break
		}
		for _, u := range in.other[in.start[v]:in.start[v+1]] {
			if dist[u] < 0 && !removed[u] {
				dist[u] = dist[v] + 1
				queue = append(queue, u)
			}
		}
	}

	var starts []int32
	if q.From != "" {
		if i, ok := m.index[q.From]; ok {
			starts = append(starts, i)
		}
	} else {
		starts = slices.Clone(m.byRank)
	}
	starts = slices.DeleteFunc(starts, func(s int32) bool { return s == to || removed[s] || dist[s] < 0 })

	var found []Route
	onPath := make([]bool, len(m.ids))
	var path []int32 // edges
	steps := 0
	var walk func(u int32, left int32) bool // false: stop, k found or out of budget
	walk = func(u int32, left int32) bool {
		if steps++; steps > maxPathSteps {
			return false
		}
		if left == 0 {
			if u == to {
				found = append(found, slices.Clone(path))
			}
			return len(found) < q.K
		}
		if u == to {
			return true
		}
		onPath[u] = true
		defer func() { onPath[u] = false }()
		for i := out.start[u]; i < out.start[u+1]; i++ {
			e, v := out.edge[i], out.other[i]
			if removed[v] || onPath[v] || dist[v] < 0 || dist[v] > left-1 {
				continue
			}
			path = append(path, e)
			more := walk(v, left-1)
			path = path[:len(path)-1]
			if !more {
				return false
			}
		}
		return true
	}
	for hops := int32(1); hops <= int32(q.MaxHops) && len(found) < q.K; hops++ {
		for _, s := range starts {
			if dist[s] <= hops && !walk(s, hops) {
				break
			}
		}
		if steps > maxPathSteps {
			return nil, mineralmap.Errorf(mineralmap.KindTimeout, "the path search gave up after visiting %d nodes; narrow it with from, avoid or max_hops", maxPathSteps)
		}
	}
	return found, nil
}
