package queries

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/mineralmap/mineralmap/graph"
)

//go:embed network.cypher
var networkCypher string

// networkStatements are network.cypher's five statements.
var networkStatements = strings.Split(strings.TrimSpace(networkCypher), ";\n")

// networkChunks is how many records each list of the M-network is cut into: enough to keep the
// driver's decoded records small, few enough that the per-record cost stays negligible.
const networkChunks = 32

// nodeInfo is what the analyses need of a node of the M-network.
type nodeInfo struct {
	Name      string
	Country   string // its own id for a Country, its country for a Facility
	IsCountry bool
}

// mineralNet is the M-network of one mineral as stored, with node ids interned. It is read once
// per mineral and database version (see networkCache) and shared by every request, so it never
// changes after fetchMineralNet; what depends on a request's conditions lives in mnet.
type mineralNet struct {
	mineral   string
	ids       []string // node index → id
	index     map[string]int32
	info      []nodeInfo
	edges     []indexedEdge // every M edge: the sources are defined on it
	sources   []int32       // the contract's sources of M, sorted
	sinks     []string      // nodes with an incoming M edge and no outgoing one, sorted
	members   map[string][]string
	memberAt  map[string][]int32 // members by node index
	byRank    []int32            // sources in id order: path searches start in that order
	rank      []int32            // each node's position in id order: path searches go in that order
	financed  map[int32][]string // the agreements financing a node, for the nodes that have any
	restricts []storedRestriction

	mu   sync.Mutex
	nets map[openKey]*openGraph // by conditions, built on first use
}

// openGraph is the M-network's unblocked edges under one set of conditions: the max-flow
// network, and the edges by tail and by head for the path search (built when first needed).
type openGraph struct {
	flow    *Network
	edges   []int32 // indexes into mineralNet.edges
	adjOnce sync.Once
	out, in csr
}

// csr lists edges by node: node i's are edge[start[i]:start[i+1]], and the node at their
// other end is in other, at the same positions.
type csr struct{ start, edge, other []int32 }

// storedRestriction is a RESTRICTS edge on the mineral.
type storedRestriction struct {
	restriction
	from, until time.Time // until zero: open-ended
}

type openKey struct {
	asOf         time.Time
	restrictions Restrictions
}

// maxOpenNetworks bounds the condition sets whose networks a mineralNet keeps.
const maxOpenNetworks = 4

// mnet is the M-network of one mineral under one request's conditions (and a scenario's added
// restrictions).
type mnet struct {
	*mineralNet
	cond   Conditions
	extra  []extraRestriction
	cypher string
}

// extraRestriction is a scenario's added restriction.
type extraRestriction struct {
	Country string
	Targets []string
}

// fetchNetwork returns the M-network of mineral under cond, plus a scenario's extra
// restrictions. version is the database the request has read so far (when it resolved its ids):
// the stored network comes from the cache when it was read at that version, and is read again,
// at least as recent, otherwise.
func (a *Analyses) fetchNetwork(ctx context.Context, version graph.Version, mineral string, cond Conditions, extra []extraRestriction) (*mnet, error) {
	m, err := networks.get(ctx, a.store, version, mineral)
	if err != nil {
		return nil, err
	}
	return &mnet{mineralNet: m, cond: cond.normalized(), extra: extra, cypher: networkCypher}, nil
}

// fetchMineralNet reads the M-network of mineral with network.cypher.
func fetchMineralNet(ctx context.Context, store *graph.Store, after graph.Version, mineral string) (*mineralNet, error) {
	m := new(mineralNet)
	params := map[string]any{"mineral": mineral, "chunks": networkChunks}
	_, err := store.Scan(ctx, after, func(tx neo4j.ManagedTransaction) (any, error) {
		// From scratch on every attempt: the driver retries transient failures.
		*m = mineralNet{mineral: mineral, index: map[string]int32{}, members: map[string][]string{}, nets: map[openKey]*openGraph{}}
		ref := map[int64]int32{} // internal id → node index
		var producers []int32
		err := stream(ctx, tx, networkStatements[0], params, func(r *neo4j.Record) error {
			refs, ids, names, countries, isCountry := r.Values[0].([]any), r.Values[1].([]any), r.Values[2].([]any),
				r.Values[3].([]any), r.Values[4].([]any)
			for i := range refs {
				id := ids[i].(string)
				at := int32(len(m.ids))
				ref[refs[i].(int64)] = at
				m.index[id] = at
				m.ids = append(m.ids, id)
				m.info = append(m.info, nodeInfo{Name: str(names[i]), Country: str(countries[i]), IsCountry: isCountry[i].(bool)})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		err = stream(ctx, tx, networkStatements[1], params, func(r *neo4j.Record) error {
			from, to, vol := r.Values[0].([]any), r.Values[1].([]any), r.Values[2].([]any)
			for i := range from {
				a, okA := ref[from[i].(int64)]
				b, okB := ref[to[i].(int64)]
				if !okA || !okB {
					// Committed between the two statements; the next version reads it whole.
					continue
				}
				m.edges = append(m.edges, indexedEdge{From: a, To: b, Capacity: num(vol[i])})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		err = stream(ctx, tx, networkStatements[2], params, func(r *neo4j.Record) error {
			v := r.AsMap()
			x := storedRestriction{restriction: restriction{Country: str(v["country"]), Measure: str(v["measure"])}}
			for _, t := range asList(v["targets"]) {
				x.Targets = append(x.Targets, t.(string))
			}
			x.from = dateOf(v["from"])
			x.until = dateOf(v["until"])
			m.restricts = append(m.restricts, x)
			return nil
		})
		if err != nil {
			return nil, err
		}
		// Producers and financing of nodes outside the network (no M edge) do not matter.
		err = stream(ctx, tx, networkStatements[3], params, func(r *neo4j.Record) error {
			for _, p := range r.Values[0].([]any) {
				if at, ok := ref[p.(int64)]; ok {
					producers = append(producers, at)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		err = stream(ctx, tx, networkStatements[4], params, func(r *neo4j.Record) error {
			facilities, agreements := r.Values[0].([]any), r.Values[1].([]any)
			for i, f := range facilities {
				if at, ok := ref[f.(int64)]; ok {
					if m.financed == nil {
						m.financed = map[int32][]string{}
					}
					m.financed[at] = append(m.financed[at], agreements[i].(string))
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		m.derive(producers)
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// stream runs one statement and hands its records to each as they arrive.
func stream(ctx context.Context, tx neo4j.ManagedTransaction, cypher string, params map[string]any, each func(*neo4j.Record) error) error {
	r, err := tx.Run(ctx, cypher, params)
	if err != nil {
		return err
	}
	for r.Next(ctx) {
		if err := each(r.Record()); err != nil {
			return err
		}
	}
	return r.Err()
}

func dateOf(v any) time.Time {
	if d, ok := v.(dbtype.Date); ok {
		return time.Time(d)
	}
	return time.Time{}
}

// derive computes what every request needs: the sources, the consumers and each country's
// members.
func (m *mineralNet) derive(producers []int32) {
	m.sources = sourcesOf(len(m.ids), m.edges, producers)
	hasIn := make([]bool, len(m.ids))
	hasOut := make([]bool, len(m.ids))
	for _, e := range m.edges {
		hasOut[e.From] = true
		hasIn[e.To] = true
	}
	for i := range m.ids {
		if hasIn[i] && !hasOut[i] {
			m.sinks = append(m.sinks, m.ids[i])
		}
	}
	slices.Sort(m.sinks)
	for i, info := range m.info {
		m.members[info.Country] = append(m.members[info.Country], m.ids[i])
	}
	for _, ids := range m.members {
		slices.Sort(ids)
	}
	m.memberAt = make(map[string][]int32, len(m.members))
	for c, ids := range m.members {
		for _, id := range ids {
			m.memberAt[c] = append(m.memberAt[c], m.index[id])
		}
	}
	order := make([]int32, len(m.ids))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(m.ids[a], m.ids[b]) })
	m.rank = make([]int32, len(m.ids))
	for r, i := range order {
		m.rank[i] = int32(r)
	}
	m.byRank = slices.Clone(m.sources)
	slices.SortFunc(m.byRank, func(a, b int32) int { return int(m.rank[a] - m.rank[b]) })
}

// bytes estimates the memory the network holds, for the cache's budget.
func (m *mineralNet) bytes() int64 {
	b := int64(len(m.edges))*16 + int64(len(m.ids))*132
	m.mu.Lock()
	for _, g := range m.nets {
		// the max-flow network; the open edges, and both adjacencies (edge and other end)
		b += g.flow.bytes() + int64(len(g.edges))*20 + int64(len(m.ids))*8
	}
	m.mu.Unlock()
	return b
}

// active lists the restrictions in force at the date of cond (every measure).
func (n *mnet) active() []restriction {
	var out []restriction
	for _, r := range n.restricts {
		if !r.from.After(n.cond.AsOf) && (r.until.IsZero() || n.cond.AsOf.Before(r.until)) {
			out = append(out, r.restriction)
		}
	}
	return out
}

// blocking returns, for every pair of countries (as indexes into countries), whether a hop
// between them is blocked: by the active restrictions whose measure counts under cond, plus
// extra (which block whatever their measure).
func (n *mnet) blocking(extra []extraRestriction) (country map[string]int, blocked [][]bool) {
	country = map[string]int{}
	for _, info := range n.info {
		if _, ok := country[info.Country]; !ok {
			country[info.Country] = len(country)
		}
	}
	blocked = make([][]bool, len(country))
	for i := range blocked {
		blocked[i] = make([]bool, len(country))
	}
	names := countryNames(country)
	block := func(r restriction) {
		a, ok := country[r.Country]
		if !ok {
			return
		}
		for b, cb := range names {
			if r.appliesTo(r.Country, cb) {
				blocked[a][b] = true
			}
		}
	}
	counts := n.cond.Restrictions.measures()
	for _, r := range n.active() {
		if slices.Contains(counts, r.Measure) {
			block(r)
		}
	}
	for _, x := range extra {
		block(restriction{Country: x.Country, Targets: x.Targets})
	}
	return country, blocked
}

func countryNames(index map[string]int) []string {
	out := make([]string, len(index))
	for c, i := range index {
		out[i] = c
	}
	return out
}

// openEdges builds the graph of the edges that extra and the stored restrictions counted under
// cond leave open.
func (n *mnet) openEdges(extra []extraRestriction) *openGraph {
	country, blocked := n.blocking(extra)
	of := make([]int, len(n.info))
	for i, info := range n.info {
		of[i] = country[info.Country]
	}
	g := &openGraph{}
	open := make([]indexedEdge, 0, len(n.edges))
	for i, e := range n.edges {
		if !blocked[of[e.From]][of[e.To]] {
			open = append(open, e)
			g.edges = append(g.edges, int32(i))
		}
	}
	g.flow = newIndexedNetwork(n.ids, n.index, open, n.sources)
	return g
}

// open is the graph of the unblocked edges under the request's conditions, shared by every
// request with the same conditions.
func (n *mnet) open() *openGraph {
	key := openKey{asOf: n.cond.AsOf, restrictions: n.cond.Restrictions}
	n.mu.Lock()
	defer n.mu.Unlock()
	if g, ok := n.nets[key]; ok {
		return g
	}
	if len(n.nets) >= maxOpenNetworks {
		clear(n.nets)
	}
	g := n.openEdges(nil)
	n.nets[key] = g
	return g
}

// openNetwork is the max-flow network of the unblocked edges under the request's conditions.
func (n *mnet) openNetwork() *Network { return n.open().flow }

// afterNetwork is the open network once the scenario's restrictions are added.
func (n *mnet) afterNetwork() *Network {
	if len(n.extra) == 0 {
		return n.openNetwork()
	}
	return n.openEdges(n.extra).flow
}

// adjacency lists the open edges by tail, each node's in id order of their heads, and by head.
func (g *openGraph) adjacency(m *mineralNet) (out, in csr) {
	g.adjOnce.Do(func() {
		g.out = newCSR(len(m.ids), g.edges, func(e int32) int32 { return m.edges[e].From })
		g.in = newCSR(len(m.ids), g.edges, func(e int32) int32 { return m.edges[e].To })
		for u := range m.ids {
			es := g.out.edge[g.out.start[u]:g.out.start[u+1]]
			slices.SortFunc(es, func(a, b int32) int { return int(m.rank[m.edges[a].To] - m.rank[m.edges[b].To]) })
		}
		g.out.other, g.in.other = make([]int32, len(g.out.edge)), make([]int32, len(g.in.edge))
		for i, e := range g.out.edge {
			g.out.other[i] = m.edges[e].To
		}
		for i, e := range g.in.edge {
			g.in.other[i] = m.edges[e].From
		}
	})
	return g.out, g.in
}

func newCSR(nodes int, edges []int32, key func(int32) int32) csr {
	c := csr{start: make([]int32, nodes+1), edge: make([]int32, len(edges))}
	for _, e := range edges {
		c.start[key(e)+1]++
	}
	for i := 1; i <= nodes; i++ {
		c.start[i] += c.start[i-1]
	}
	next := slices.Clone(c.start[:nodes])
	for _, e := range edges {
		k := key(e)
		c.edge[next[k]] = e
		next[k]++
	}
	return c
}

// consumers are the nodes with an incoming M edge and no outgoing one (the scenario default).
func (n *mnet) consumers() []string { return n.sinks }

// countryMembers returns the nodes of the network that removing country c removes: the country
// node (when in the network) and every facility located in c.
func (n *mnet) countryMembers(c string) []string { return n.members[c] }

// removal turns removed country and facility ids into the node set to delete.
func (n *mnet) removal(countries, facilities []string) map[string]bool {
	r := map[string]bool{}
	for _, c := range countries {
		for _, id := range n.countryMembers(c) {
			r[id] = true
		}
		r[c] = true
	}
	for _, f := range facilities {
		r[f] = true
	}
	return r
}

// node is what the network knows of id (false when id is not in it).
func (n *mnet) node(id string) (nodeInfo, bool) {
	i, ok := n.index[id]
	if !ok {
		return nodeInfo{}, false
	}
	return n.info[i], true
}

// countryOf is the country of a node; for nodes outside the network it asks nothing and
// returns "".
func (n *mnet) countryOf(id string) string {
	info, _ := n.node(id)
	return info.Country
}

// networks caches M-networks, shared by every request: the analyses of one mineral run many
// max-flows over the same network, and reading it is most of a cold request's time.
var networks = &networkCache{entries: map[networkKey]*networkEntry{}, budget: 96 << 20}

// networkCache keeps M-networks per store and mineral, each with the database version it was
// read at. An entry serves a request only when the request's own first read (the lookup of its
// ids) saw that same version, so an answer never comes from an older graph than the one that
// lookup saw; otherwise the network is read again, in a session that starts after that version
// (on a cluster, from a member that has caught up with it). Concurrent
// requests for a missing network share one read; entries beyond the memory budget are dropped,
// least recently used first.
type networkCache struct {
	mu      sync.Mutex
	entries map[networkKey]*networkEntry
	budget  int64
	tick    int64
}

type networkKey struct {
	store   *graph.Store
	mineral string
}

type networkEntry struct {
	version graph.Version
	ready   chan struct{} // closed once net or err is set
	net     *mineralNet
	err     error
	used    int64
}

func (c *networkCache) get(ctx context.Context, store *graph.Store, version graph.Version, mineral string) (*mineralNet, error) {
	key := networkKey{store, mineral}
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok || !e.version.Same(version) {
		e = &networkEntry{version: version, ready: make(chan struct{})}
		c.entries[key] = e
		c.mu.Unlock()
		// The read is shared: one waiter giving up must not fail the others.
		e.net, e.err = fetchMineralNet(context.WithoutCancel(ctx), store, version, mineral)
		close(e.ready)
		c.mu.Lock()
		if e.err != nil && c.entries[key] == e {
			delete(c.entries, key)
		}
	}
	c.tick++
	e.used = c.tick
	c.mu.Unlock()
	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, &graph.Error{Kind: graph.KindTimeout, Message: fmt.Sprintf("reading the %s network: %v", mineral, ctx.Err()), Err: ctx.Err()}
	}
	if e.err != nil {
		return nil, e.err
	}
	c.trim()
	return e.net, nil
}

// trim drops the least recently used networks until the rest fit the budget.
func (c *networkCache) trim() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		var total int64
		var oldest networkKey
		var oldestUsed int64 = -1
		for k, e := range c.entries {
			select {
			case <-e.ready:
			default:
				continue // still being read
			}
			if e.net == nil {
				continue
			}
			total += e.net.bytes()
			if oldestUsed < 0 || e.used < oldestUsed {
				oldest, oldestUsed = k, e.used
			}
		}
		if total <= c.budget || oldestUsed < 0 {
			return
		}
		delete(c.entries, oldest)
	}
}
