package supply

// Deliverable supply, supply at risk and chokepoints (contract section 4) are
// computed here, in Go, because Cypher has no max-flow. A Network is built once
// from the open edges of an M-network (see Mineral) and runs as many max-flows
// as an analysis needs.
//
// The algorithm is Dinic's: BFS levels by a search backwards from the sink,
// then an iterative DFS blocking flow with current-arc pointers. Capacities are
// float64 tonnes; residuals at or below an epsilon relative to the total
// capacity count as saturated, so rounding noise never becomes a path.

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"
)

// FlowEdge is one SUPPLIES edge of an M-network: volume_t is its capacity.
type FlowEdge struct {
	From, To string
	Capacity float64
}

// Network is the M-network of one mineral, indexed for repeated max-flow runs.
//
// Node ids are interned to ints once. Edges are stored as arc pairs in CSR
// order: the arcs leaving node u are arcs[start[u]:start[u+1]], and an arc
// keeps its head, its reverse and its residual side by side, because on a
// million edges max-flow time is cache misses. Parallel edges are summed into
// one arc, and edges u→v and v→u share one arc pair (each direction keeps its
// own capacity), which is exact for max-flow. A Network is immutable after
// NewNetwork; each run borrows its residuals from a free list, so methods are
// safe for concurrent use.
type Network struct {
	ids     []string
	index   map[string]int32
	sources []int32 // sorted, unique
	source  []bool  // by node: is it one of sources

	start []int32 // len(ids)+1 CSR offsets into arcs
	arcs  []arc   // res holds the capacity (0 for a pure reverse arc)
	eps   float64 // residuals <= eps are saturated

	mu    sync.Mutex
	free  []*flowScratch
	slots Slots // bounds the max-flows running at once; nil: unbounded
}

// Slots bounds the max-flows running at once across every Network that shares it: they are
// CPU-bound, and each holds a copy of its network's residuals, so more of them than cores adds
// memory, not speed. A nil Slots bounds nothing.
type Slots chan struct{}

// NewSlots returns room for n max-flows at once.
func NewSlots(n int) Slots { return make(Slots, max(n, 1)) }

type arc struct {
	head int32 // the node the arc enters
	rev  int32 // index of the reverse arc
	res  float64
}

// node is the per-run state of a node during a max-flow.
type node struct {
	iter, end int32 // current arc and end of the node's arcs, set per phase
	level     int32 // BFS distance; -1 = not in the level graph
}

// flowScratch is the per-run state of one max-flow; reused across runs.
type flowScratch struct {
	arcs    []arc
	nodes   []node  // level kept all -1 between runs
	queue   []int32 // nodes labelled by the last BFS
	top     int32   // the level of the sources nearest t in the last BFS
	path    []int32
	blocked []bool // removed nodes (kept all false between runs)
}

// relEps is the saturation threshold relative to the network's total capacity:
// far above float64 rounding of sums of capacities, far below any volume that
// matters to an analyst.
const relEps = 1e-12

// maxFlowWorkers bounds the max-flows Chokepoints runs at once: each holds
// a copy of the residuals (16 bytes per arc, two arcs per edge).
const maxFlowWorkers = 8

// NewNetwork indexes edges for max-flow from sources. Sources are the
// contract's "sources of M"; they are taken as given (the caller computes them
// in Cypher, or with DefaultSources). Self-loops, and edges whose capacity is
// not a finite positive number, carry no flow and are ignored.
func NewNetwork(edges []FlowEdge, sources []string) *Network {
	index := make(map[string]int32, len(edges)/2+len(sources))
	var ids []string
	intern := func(id string) int32 {
		if i, ok := index[id]; ok {
			return i
		}
		i := int32(len(ids))
		ids = append(ids, id)
		index[id] = i
		return i
	}
	indexed := make([]Edge, len(edges))
	for i, e := range edges {
		indexed[i] = Edge{From: intern(e.From), To: intern(e.To), Capacity: e.Capacity}
	}
	src := make([]int32, len(sources))
	for i, s := range sources {
		src[i] = intern(s)
	}
	return newIndexedNetwork(ids, index, indexed, src, nil)
}

// newIndexedNetwork is NewNetwork for edges whose ends are indexes into ids
// (index maps ids back); the Network keeps ids and index as they are.
func newIndexedNetwork(ids []string, index map[string]int32, edges []Edge, sources []int32, slots Slots) *Network {
	n := &Network{ids: ids, index: index, slots: slots}

	// Merge edges into one arc pair per unordered node pair.
	type pair struct {
		u, v   int32 // u < v
		uv, vu float64
	}
	var pairs []pair
	pairOf := make(map[uint64]int32, len(edges))
	total := 0.0
	for _, e := range edges {
		c := e.Capacity
		if e.From == e.To || !(c > 0) || math.IsInf(c, 0) {
			continue
		}
		a, b := e.From, e.To
		u, v := min(a, b), max(a, b)
		key := uint64(u)<<32 | uint64(v)
		k, ok := pairOf[key]
		if !ok {
			k = int32(len(pairs))
			pairOf[key] = k
			pairs = append(pairs, pair{u: u, v: v})
		}
		if a == u {
			pairs[k].uv += c
		} else {
			pairs[k].vu += c
		}
		total += c
	}
	n.sources = slices.Clone(sources)
	slices.Sort(n.sources)
	n.sources = slices.Compact(n.sources)
	n.eps = total * relEps

	nodes := len(n.ids)
	n.source = make([]bool, nodes)
	for _, src := range n.sources {
		n.source[src] = true
	}
	n.start = make([]int32, nodes+1)
	for _, p := range pairs {
		n.start[p.u+1]++
		n.start[p.v+1]++
	}
	for i := 1; i <= nodes; i++ {
		n.start[i] += n.start[i-1]
	}
	// Within a node, arcs with capacity come first: in early phases they are
	// the only ones with residual, so a scan finds them in the first cache line.
	n.arcs = make([]arc, 2*len(pairs))
	next := slices.Clone(n.start[:nodes])
	for _, p := range pairs {
		if p.uv > 0 {
			next[p.u]++
		}
		if p.vu > 0 {
			next[p.v]++
		}
	}
	nextCap := slices.Clone(n.start[:nodes])
	slot := func(u int32, c float64) int32 {
		at := &next[u]
		if c > 0 {
			at = &nextCap[u]
		}
		*at++
		return *at - 1
	}
	for _, p := range pairs {
		pu, pv := slot(p.u, p.uv), slot(p.v, p.vu)
		n.arcs[pu] = arc{head: p.v, rev: pv, res: p.uv}
		n.arcs[pv] = arc{head: p.u, rev: pu, res: p.vu}
	}
	return n
}

// DefaultSources returns the contract's sources of M: the producers (nodes with
// a PRODUCES edge to M) and every node with an outgoing but no incoming edge,
// sorted and without duplicates. A self-loop counts as both outgoing and
// incoming, as it does in Cypher.
func DefaultSources(edges []FlowEdge, producers []string) []string {
	index := map[string]int32{}
	var ids []string
	intern := func(id string) int32 {
		i, ok := index[id]
		if !ok {
			i = int32(len(ids))
			index[id] = i
			ids = append(ids, id)
		}
		return i
	}
	indexed := make([]Edge, len(edges))
	for i, e := range edges {
		indexed[i] = Edge{From: intern(e.From), To: intern(e.To)}
	}
	prod := make([]int32, len(producers))
	for i, p := range producers {
		prod[i] = intern(p)
	}
	var out []string
	for _, i := range sourcesOf(len(ids), indexed, prod) {
		out = append(out, ids[i])
	}
	slices.Sort(out)
	return out
}

// sourcesOf is DefaultSources for nodes named by index (0 to nodes-1): producers and every
// node with an outgoing but no incoming edge, sorted by index, without duplicates. The cached
// M-networks take their sources from it too.
func sourcesOf(nodes int, edges []Edge, producers []int32) []int32 {
	hasIn := make([]bool, nodes)
	hasOut := make([]bool, nodes)
	for _, e := range edges {
		hasOut[e.From] = true
		hasIn[e.To] = true
	}
	out := slices.Clone(producers)
	for i := range nodes {
		if hasOut[i] && !hasIn[i] {
			out = append(out, int32(i))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// MaxFlow is the deliverable supply to sink: the maximum flow from every source
// other than sink (as if joined by a super-source of infinite capacity) to
// sink, with the nodes in removed deleted. A removed source supplies nothing;
// removing the sink gives 0. Nodes have no capacity. An unknown sink gives 0.
func (n *Network) MaxFlow(sink string, removed map[string]bool) float64 {
	t, ok := n.index[sink]
	if !ok {
		return 0
	}
	s := n.getScratch()
	defer n.putScratch(s)
	for id, r := range removed {
		if i, ok := n.index[id]; ok && r {
			s.blocked[i] = true
		}
	}
	return n.maxFlow(t, s)
}

// SupplyAtRisk is the share of sink's deliverable supply lost when the nodes in
// removed are deleted: 1 − flow(without removed)/flow(all), 0 when flow(all)
// is 0, clamped to [0, 1] and rounded to 1e-9 so float noise never shows up as
// a tiny risk or keeps a single point of failure below 1.
func (n *Network) SupplyAtRisk(sink string, removed map[string]bool) float64 {
	return Risk(n.MaxFlow(sink, nil), n.MaxFlow(sink, removed))
}

// Risk is the share of all lost when only without is left: 1 − without/all, 0 when all is 0,
// clamped to [0, 1] and rounded to 1e-9.
func Risk(all, without float64) float64 {
	if !(all > 0) {
		return 0
	}
	r := math.Round((1-without/all)*1e9) / 1e9
	return min(max(r, 0), 1)
}

// Candidate is one chokepoint candidate: a facility (Members = {id}) or a
// country (Members = the country node id itself if present in the network,
// plus every facility whose country is it). Members not in the network are
// ignored.
type Candidate struct {
	ID      string
	Type    string // "facility" or "country"
	Members []string
}

// Chokepoint is a candidate whose removal costs the sink some supply.
type Chokepoint struct {
	ID, Type             string
	SupplyAtRisk         float64
	SinglePointOfFailure bool
}

// RankChokepoints evaluates the candidates against sink and returns the
// deliverable supply to sink and the candidates with a supply at risk above 0, sorted by supply at risk descending, then ID, at
// most limit of them (limit <= 0 means all). SinglePointOfFailure is supply at
// risk == 1: every path to sink crosses the candidate. The caller excludes the
// sink itself and the sink's own country from candidates.
//
// One max-flow f gives every candidate an upper bound: removing it loses at
// most the flow f sends out of its members (the rest of f stays feasible), so
// a candidate carrying none of f has risk 0. The others are evaluated exactly,
// one max-flow each on the network narrowed to OnSomePath (which changes no
// flow), largest bound first, and the search stops once limit candidates are
// known whose risks exceed every remaining bound: on a large network a top-20
// takes tens of max-flows instead of one per facility.
func (n *Network) RankChokepoints(sink string, candidates []Candidate, limit int) (supply float64, out []Chokepoint) {
	out = []Chokepoint{}
	t, ok := n.index[sink]
	if !ok {
		return 0, out
	}
	onPath := n.onSomePath(t)
	s := n.getScratch()
	all := n.maxFlow(t, s)
	outflow := n.outflows(s)
	paths := n.decompose(t, s)
	n.putScratch(s)
	if !(all > 0) {
		return all, out
	}

	type job struct {
		cand    int
		members []int32
		bound   float64 // upper bound of the risk
		risk    float64
	}
	var jobs []*job
	for ci, c := range candidates {
		j := &job{cand: ci}
		sent := 0.0
		for _, id := range c.Members {
			if i, ok := n.index[id]; ok {
				j.members = append(j.members, i)
				if i != t {
					sent += outflow[i]
				}
			}
		}
		if j.bound = min(sent/all, 1); j.bound > boundSlack {
			jobs = append(jobs, j)
		}
	}
	slices.SortStableFunc(jobs, func(a, b *job) int {
		return cmp.Or(cmp.Compare(b.bound, a.bound), cmp.Compare(candidates[a.cand].ID, candidates[b.cand].ID))
	})

	// Evaluate in waves of one job per worker, in bound order, until the limit-th
	// best risk found is above the next bound.
	workers := min(runtime.GOMAXPROCS(0), maxFlowWorkers)
	var found []float64 // risks above 0, kept sorted descending
	done := 0
	for done < len(jobs) {
		if limit > 0 && len(found) >= limit && found[limit-1] > jobs[done].bound+boundSlack {
			break
		}
		wave := jobs[done:min(done+workers, len(jobs))]
		var wg sync.WaitGroup
		for _, j := range wave {
			wg.Go(func() {
				s := n.getScratch()
				defer n.putScratch(s)
				// Narrow to the walks (sink stays), then delete the candidate.
				for i, on := range onPath {
					s.blocked[i] = !on && int32(i) != t
				}
				for _, m := range j.members {
					s.blocked[m] = true
				}
				kept := paths.without(j.members, s)
				j.risk = Risk(all, kept+n.augment(t, s))
			})
		}
		wg.Wait()
		for _, j := range wave {
			if j.risk > 0 {
				at, _ := slices.BinarySearchFunc(found, j.risk, func(x, r float64) int { return cmp.Compare(r, x) })
				found = slices.Insert(found, at, j.risk)
			}
		}
		done += len(wave)
	}

	for _, j := range jobs[:done] {
		if j.risk > 0 {
			c := candidates[j.cand]
			out = append(out, Chokepoint{ID: c.ID, Type: c.Type, SupplyAtRisk: j.risk, SinglePointOfFailure: j.risk == 1})
		}
	}
	slices.SortFunc(out, func(a, b Chokepoint) int {
		return cmp.Or(
			cmp.Compare(b.SupplyAtRisk, a.SupplyAtRisk),
			cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.Type, b.Type),
		)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return all, out
}

// boundSlack absorbs float rounding when risks are compared with their upper
// bounds: risks are rounded to 1e-9, flows carry relative errors far below it.
const boundSlack = 1e-7

// OnSomePath returns, sorted, the nodes other than sink that lie on some
// source→sink walk: reachable from a source other than sink without passing
// through sink, and able to reach sink. It narrows chokepoint candidates.
// The contract asks for nodes on some simple path; a node on a walk but on no
// simple path has supply at risk 0 anyway (a max flow decomposes into simple
// source→sink paths, none of which uses it), so filtering by walks gives the
// contract's answer.
func (n *Network) OnSomePath(sink string) []string {
	t, ok := n.index[sink]
	if !ok {
		return []string{}
	}
	out := []string{}
	for i, on := range n.onSomePath(t) {
		if on {
			out = append(out, n.ids[i])
		}
	}
	slices.Sort(out)
	return out
}

func (n *Network) onSomePath(t int32) []bool {
	nodes := len(n.ids)
	fwd := make([]bool, nodes)
	queue := make([]int32, 0, 64)
	for _, src := range n.sources {
		if src != t && !fwd[src] {
			fwd[src] = true
			queue = append(queue, src)
		}
	}
	for h := 0; h < len(queue); h++ {
		u := queue[h]
		for _, a := range n.arcs[n.start[u]:n.start[u+1]] {
			if v := a.head; a.res > 0 && !fwd[v] && v != t {
				fwd[v] = true
				queue = append(queue, v)
			}
		}
	}
	// Backward from sink, only through nodes reached forward.
	on := make([]bool, nodes)
	queue = append(queue[:0], t)
	for h := 0; h < len(queue); h++ {
		u := queue[h]
		for _, a := range n.arcs[n.start[u]:n.start[u+1]] {
			if v := a.head; n.arcs[a.rev].res > 0 && fwd[v] && !on[v] {
				on[v] = true
				queue = append(queue, v)
			}
		}
	}
	return on
}

// outflows returns, per node, how much the flow left in s.arcs sends out of
// it (for a source, what it takes from the super-source included).
func (n *Network) outflows(s *flowScratch) []float64 {
	out := make([]float64, len(n.ids))
	for u := range out {
		for p := n.start[u]; p < n.start[u+1]; p++ {
			if f := n.arcs[p].res - s.arcs[p].res; f > n.eps {
				out[u] += f
			}
		}
	}
	return out
}

// bytes estimates the memory the network holds, its idle scratch included.
func (n *Network) Bytes() int64 {
	per := int64(len(n.arcs))*16 + int64(len(n.ids))*13
	n.mu.Lock()
	idle := int64(len(n.free))
	n.mu.Unlock()
	return per + idle*per
}

// getScratch waits for a flow slot and returns the state for one max-flow run;
// putScratch gives both back. A goroutine holds at most one at a time.
func (n *Network) getScratch() *flowScratch {
	if n.slots != nil {
		n.slots <- struct{}{}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if k := len(n.free); k > 0 {
		s := n.free[k-1]
		n.free = n.free[:k-1]
		return s
	}
	s := &flowScratch{
		arcs:    make([]arc, len(n.arcs)),
		nodes:   make([]node, len(n.ids)),
		blocked: make([]bool, len(n.ids)),
	}
	for i := range s.nodes {
		s.nodes[i].level = -1
	}
	return s
}

func (n *Network) putScratch(s *flowScratch) {
	clear(s.blocked)
	n.mu.Lock()
	n.free = append(n.free, s)
	n.mu.Unlock()
	if n.slots != nil {
		<-n.slots
	}
}

// maxFlow runs Dinic from all unblocked sources other than t to t, on
// residuals reset from the stored capacities; s.blocked marks removed nodes.
// The flow is left in s.arcs.
func (n *Network) maxFlow(t int32, s *flowScratch) float64 {
	copy(s.arcs, n.arcs)
	return n.augment(t, s)
}

// augment runs Dinic from the flow whose residuals are in s.arcs and returns
// the flow it adds.
func (n *Network) augment(t int32, s *flowScratch) float64 {
	if s.blocked[t] {
		return 0
	}
	// Removed nodes sit at a level of their own for the run, so the searches
	// test one field per arc.
	for i, b := range s.blocked {
		if b {
			s.nodes[i].level = removedLevel
		}
	}
	defer func() {
		for i, b := range s.blocked {
			if b {
				s.nodes[i].level = -1
			}
		}
	}()
	total := 0.0
	for n.levels(t, s) {
		for _, u := range s.queue {
			s.nodes[u].iter, s.nodes[u].end = n.start[u], n.start[u+1]
		}
		for _, src := range n.sources {
			if src != t && s.nodes[src].level == s.top {
				total += n.blockingFlow(src, t, s)
			}
		}
		for _, u := range s.queue {
			s.nodes[u].level = -1
		}
	}
	for _, u := range s.queue {
		s.nodes[u].level = -1
	}
	return total
}

// removedLevel marks a removed node during a run; -1 is "not labelled".
const removedLevel = -2

// levels labels nodes with their distance to t in the residual network, by a
// BFS backwards from t, and reports whether a source is reached. It stops at
// the level of the nearest sources (s.top): the shortest augmenting paths
// start there, and nodes farther away cannot be on them. Searching from t
// rather than from the sources matters for the chokepoint ranking: there the
// flow is nearly maximal, t's way back into the network is through the few
// arcs the candidate freed, and a search from the thousands of sources would
// cross the whole network every phase. The labelled nodes are left in s.queue
// so they can be reset without touching the rest.
func (n *Network) levels(t int32, s *flowScratch) bool {
	nodes, arcs, q := s.nodes, s.arcs, s.queue[:0]
	nodes[t].level = 0
	q = append(q, t)
	top := int32(-1)
	for h := 0; h < len(q); h++ {
		u := q[h]
		if top >= 0 && nodes[u].level >= top {
			break
		}
		next := nodes[u].level + 1
		for _, a := range arcs[n.start[u]:n.start[u+1]] {
			// a is u→v; its reverse v→u must have residual.
			if v := a.head; nodes[v].level == -1 && arcs[a.rev].res > n.eps {
				nodes[v].level = next
				q = append(q, v)
				if top < 0 && n.source[v] {
					top = next
				}
			}
		}
	}
	s.queue, s.top = q, top
	return top >= 0
}

// blockingFlow pushes flow from src to t along arcs one level nearer t until no
// such path is left, iteratively (paths can be as long as the network). It
// augments by each path's bottleneck and retreats to the first saturated arc;
// dead ends leave the level graph.
func (n *Network) blockingFlow(src, t int32, s *flowScratch) float64 {
	arcs, nodes, eps := s.arcs, s.nodes, n.eps
	path := s.path[:0]
	total := 0.0
	u := src
	for {
		if u == t {
			f := math.Inf(1)
			for _, p := range path {
				f = min(f, arcs[p].res)
			}
			cut := -1
			for i, p := range path {
				a := &arcs[p]
				a.res -= f
				arcs[a.rev].res += f
				if cut < 0 && a.res <= eps {
					cut = i
				}
			}
			total += f
			u = arcs[arcs[path[cut]].rev].head
			path = path[:cut]
			continue
		}
		nu := &nodes[u]
		p, want := nu.iter, nu.level-1
		for ; p < nu.end; p++ {
			if a := &arcs[p]; a.res > eps && nodes[a.head].level == want {
				break
			}
		}
		nu.iter = p
		if p < nu.end {
			path = append(path, p)
			u = arcs[p].head
			continue
		}
		nu.level = -1 // dead end
		if len(path) == 0 {
			break
		}
		last := path[len(path)-1]
		path = path[:len(path)-1]
		u = arcs[arcs[last].rev].head
		nodes[u].iter++
	}
	s.path = path
	return total
}

// IDs lists the network's nodes by index. The caller must not change it.
func (n *Network) IDs() []string { return n.ids }
