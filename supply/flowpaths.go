package supply

// Warm starts for the chokepoint search. Every candidate's max-flow is the
// network's flow without the candidate; instead of computing it from nothing,
// Chokepoints keeps the base max-flow cut into source→sink paths, starts each
// candidate from the paths that avoid it (a feasible flow without it), and lets
// Dinic add what can be rerouted: far fewer Dinic phases per candidate
// (bench/RESULTS.md, "Queries").

// flowPaths is a max-flow cut into paths: the arcs of each and its amount, and,
// per node, the paths through it.
type flowPaths struct {
	arcs    [][]int32
	amount  []float64
	through [][]int32 // node → indexes of the paths that visit it
	base    []arc     // residuals of the sum of the paths (cycles of the flow left out)
}

// decompose cuts the flow left in s.arcs into paths from the sources to t.
// Cycles in the flow are cancelled, and flows at or below eps left out: the sum
// of the paths is a flow of the same value, up to rounding.
func (n *Network) decompose(t int32, s *flowScratch) *flowPaths {
	rem := make([]float64, len(n.arcs)) // flow still to assign, per arc
	supply := make([]float64, len(n.ids))
	for u := range n.ids {
		for p := n.start[u]; p < n.start[u+1]; p++ {
			if f := n.arcs[p].res - s.arcs[p].res; f > n.eps {
				rem[p] = f
				supply[u] += f
				supply[n.arcs[p].head] -= f
			}
		}
	}
	fp := &flowPaths{through: make([][]int32, len(n.ids))}
	iter := make([]int32, len(n.ids))
	for u := range iter {
		iter[u] = n.start[u]
	}
	at := make([]int32, len(n.ids)) // position on the current walk + 1, 0 when off it
	var walk []int32                // arcs
	var nodes []int32
	for _, src := range n.sources {
		for src != t && supply[src] > n.eps {
			walk, nodes = walk[:0], append(nodes[:0], src)
			at[src] = 1
			u := src
			for u != t {
				p := iter[u]
				for p < n.start[u+1] && rem[p] <= n.eps {
					p++
				}
				iter[u] = p
				if p == n.start[u+1] {
					break // rounding left a little flow with nowhere to go
				}
				v := n.arcs[p].head
				if at[v] == 0 {
					walk, nodes = append(walk, p), append(nodes, v)
					at[v] = int32(len(nodes))
					u = v
					continue
				}
				// A cycle back to v: cancel it and walk on from v.
				cycle := append(walk[at[v]-1:], p)
				c := rem[p]
				for _, q := range cycle {
					c = min(c, rem[q])
				}
				for _, q := range cycle {
					rem[q] -= c
				}
				for _, x := range nodes[at[v]:] {
					at[x] = 0
				}
				walk, nodes = walk[:at[v]-1], nodes[:at[v]]
				u = v
			}
			for _, x := range nodes {
				at[x] = 0
			}
			if u != t {
				supply[src] = 0
				continue
			}
			amount := supply[src]
			for _, q := range walk {
				amount = min(amount, rem[q])
			}
			for _, q := range walk {
				rem[q] -= amount
			}
			supply[src] -= amount
			id := int32(len(fp.amount))
			fp.arcs = append(fp.arcs, append([]int32(nil), walk...))
			fp.amount = append(fp.amount, amount)
			for _, x := range nodes {
				fp.through[x] = append(fp.through[x], id)
			}
		}
	}
	fp.base = append([]arc(nil), n.arcs...)
	for i, path := range fp.arcs {
		for _, q := range path {
			fp.base[q].res -= fp.amount[i]
			fp.base[fp.base[q].rev].res += fp.amount[i]
		}
	}
	return fp
}

// without loads into s.arcs the residuals of the paths that avoid every node in
// members, and returns the value of that flow.
func (fp *flowPaths) without(members []int32, s *flowScratch) float64 {
	copy(s.arcs, fp.base)
	gone := map[int32]bool{}
	for _, m := range members {
		for _, id := range fp.through[m] {
			if gone[id] {
				continue
			}
			gone[id] = true
			for _, q := range fp.arcs[id] {
				s.arcs[q].res += fp.amount[id]
				s.arcs[s.arcs[q].rev].res -= fp.amount[id]
			}
		}
	}
	kept := 0.0
	for id, a := range fp.amount {
		if !gone[int32(id)] {
			kept += a
		}
	}
	return kept
}
