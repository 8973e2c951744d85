package supply

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mineralmap/mineralmap"
)

// Stored is the M-network of one mineral as a store reads it: every SUPPLIES edge with that
// mineral, its ends, the producers of the mineral, who finances the nodes, and every restriction
// on the mineral. Nodes are named by their index in Nodes.
type Stored struct {
	Mineral   string
	Nodes     []Node
	Edges     []Edge
	Producers []int32 // nodes with a PRODUCES edge to the mineral, one per record
	// ProducerFrom, when set, is parallel to Producers: the year from which a planned PRODUCES
	// record counts (0: a planned record without a year, always), -1 for a record that is not
	// planned. Unset: no record is planned.
	ProducerFrom []int32
	Financed     map[int32][]string // the agreements financing a node, for the nodes that have any
	Restrictions []Restriction
}

// Node is what the analyses need of a node of the M-network.
type Node struct {
	ID        string
	Name      string
	Country   string // its own id for a Country, its country for a Facility
	IsCountry bool
	// A facility takes part in the network from Online until Closed (zero: unbounded).
	Online, Closed time.Time
	// Pending: a facility whose status is planned or construction (the outlook's delay_years
	// shifts its online date and its planned records).
	Pending bool
	// superSink: a group consumer's sink (WithSink); the hops into it are never blocked.
	superSink bool
}

// Edge is one SUPPLIES edge between nodes named by their index; volume_t is its capacity. Its
// Form and Basis index mineralmap.Forms and mineralmap.Bases; Year 0 is a record without one.
type Edge struct {
	From, To    int32
	Capacity    float64
	Year        int32
	Form, Basis uint8
}

// FormName and BasisName are the names of the edge's form and basis.
func (e Edge) FormName() string  { return mineralmap.Forms[e.Form] }
func (e Edge) BasisName() string { return mineralmap.Bases[e.Basis] }

// Restriction is a stored RESTRICTS edge on the mineral: in force from From until Until (zero:
// open-ended), except during its Suspended intervals.
type Restriction struct {
	mineralmap.Measure
	From, Until time.Time
	Suspended   []mineralmap.Interval
}

// InForce reports whether the restriction is in force on day d (section 5).
func (r Restriction) InForce(d time.Time) bool {
	if r.From.After(d) || !r.Until.IsZero() && !d.Before(r.Until) {
		return false
	}
	for _, s := range r.Suspended {
		if s.Contains(d) {
			return false
		}
	}
	return true
}

// Mineral is the M-network of one mineral as stored, indexed for the analyses. It never changes
// after NewMineral, so one Mineral serves concurrent requests; what depends on a request's
// conditions is a View.
type Mineral struct {
	Stored
	index    map[string]int32
	ids      []string
	sources  []int32  // the contract's sources of M, sorted
	sinks    []string // nodes with an incoming M edge and no outgoing one, sorted
	members  map[string][]string
	memberAt map[string][]int32 // members by node index
	byRank   []int32            // sources in id order: path searches start in that order
	rank     []int32            // each node's position in id order: path searches go in that order
	slots    Slots

	mu   sync.Mutex
	open map[openKey]*openGraph // by conditions, built on first use

	selected Selected // what Layers.At took; zero for a network built directly

	groups map[string]*Mineral // WithSink's networks, by group and members
}

// Selected says which records of the layers the network holds (Layers.At).
func (m *Mineral) Selected() Selected { return m.selected }

// openGraph is the M-network's unblocked edges under one set of conditions: the max-flow
// network, and the edges by tail and by head for the path search (built when first needed).
type openGraph struct {
	flow    *Network
	edges   []int32 // indexes into Stored.Edges
	adjOnce sync.Once
	out, in csr
}

// csr lists edges by node: node i's are edge[start[i]:start[i+1]], and the node at their
// other end is in other, at the same positions.
type csr struct{ start, edge, other []int32 }

type openKey struct {
	asOf         time.Time
	restrictions mineralmap.RestrictionMode
}

// maxOpenNetworks bounds the condition sets whose networks a Mineral keeps.
const maxOpenNetworks = 4

// NewMineral indexes a stored M-network; its max-flows share slots.
func NewMineral(s Stored, slots Slots) *Mineral {
	return newMineral(s, slots, sourcesOf(len(s.Nodes), s.Edges, s.Producers))
}

// newMineral is NewMineral with the sources given (sorted node indexes, possibly none).
func newMineral(s Stored, slots Slots, sources []int32) *Mineral {
	m := &Mineral{Stored: s, index: make(map[string]int32, len(s.Nodes)), ids: make([]string, len(s.Nodes)),
		members: map[string][]string{}, slots: slots, open: map[openKey]*openGraph{}}
	for i, n := range s.Nodes {
		m.ids[i] = n.ID
		m.index[n.ID] = int32(i)
	}
	m.sources = sources
	hasIn := make([]bool, len(m.ids))
	hasOut := make([]bool, len(m.ids))
	for _, e := range m.Edges {
		hasOut[e.From] = true
		hasIn[e.To] = true
	}
	for i := range m.ids {
		if hasIn[i] && !hasOut[i] {
			m.sinks = append(m.sinks, m.ids[i])
		}
	}
	slices.Sort(m.sinks)
	for i, n := range m.Nodes {
		m.members[n.Country] = append(m.members[n.Country], m.ids[i])
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
	return m
}

// Bytes estimates the memory the network holds, for a cache's budget.
func (m *Mineral) Bytes() int64 {
	b := int64(len(m.Edges))*16 + int64(len(m.ids))*132
	m.mu.Lock()
	for _, g := range m.open {
		// the max-flow network; the open edges, and both adjacencies (edge and other end)
		b += g.flow.Bytes() + int64(len(g.edges))*20 + int64(len(m.ids))*8
	}
	groups := make([]*Mineral, 0, len(m.groups))
	for _, g := range m.groups {
		groups = append(groups, g)
	}
	m.mu.Unlock()
	for _, g := range groups {
		b += g.Bytes()
	}
	return b
}

// IDs lists the nodes of the network, in no particular order. The caller must not change it.
func (m *Mineral) IDs() []string { return m.ids }

// Consumers are the nodes with an incoming M edge and no outgoing one (the scenario default).
func (m *Mineral) Consumers() []string { return m.sinks }

// CountryMembers returns the nodes of the network that removing country c removes: the country
// node (when in the network) and every facility located in c. The list is shared: copy it
// before changing it.
func (m *Mineral) CountryMembers(c string) []string { return m.members[c] }

// Removal turns removed country and facility ids into the node set to delete.
func (m *Mineral) Removal(countries, facilities []string) map[string]bool {
	r := map[string]bool{}
	for _, c := range countries {
		for _, id := range m.CountryMembers(c) {
			r[id] = true
		}
		r[c] = true
	}
	for _, f := range facilities {
		r[f] = true
	}
	return r
}

// Node is what the network knows of id (false when id is not in it).
func (m *Mineral) Node(id string) (Node, bool) {
	i, ok := m.index[id]
	if !ok {
		return Node{}, false
	}
	return m.Nodes[i], true
}

// CountryOf is the country of a node; "" for nodes outside the network.
func (m *Mineral) CountryOf(id string) string {
	n, _ := m.Node(id)
	return n.Country
}

// FinancedBy lists the agreements that finance node id.
func (m *Mineral) FinancedBy(id string) []string {
	i, ok := m.index[id]
	if !ok {
		return nil
	}
	return m.Financed[i]
}

// Active lists the restrictions in force at asOf (every measure).
func (m *Mineral) Active(asOf time.Time) []mineralmap.Measure {
	var out []mineralmap.Measure
	for _, r := range m.Restrictions {
		if r.InForce(asOf) {
			out = append(out, r.Measure)
		}
	}
	return out
}

// blocking returns, for every form and pair of countries (as indexes into country), whether a
// hop of that form between them is blocked: by the restrictions active at the conditions' date
// whose measure counts under them and that cover the form, plus extra (which block whatever
// their measure).
func (m *Mineral) blocking(cond mineralmap.Conditions, extra []mineralmap.Measure) (country map[string]int, blocked [][][]bool) {
	country = map[string]int{}
	for _, n := range m.Nodes {
		if _, ok := country[n.Country]; !ok {
			country[n.Country] = len(country)
		}
	}
	blocked = make([][][]bool, len(mineralmap.Forms))
	for f := range blocked {
		blocked[f] = make([][]bool, len(country))
		for i := range blocked[f] {
			blocked[f][i] = make([]bool, len(country))
		}
	}
	names := make([]string, len(country))
	for c, i := range country {
		names[i] = c
	}
	block := func(r mineralmap.Measure) {
		a, ok := country[r.Country]
		if !ok {
			return
		}
		for f, form := range mineralmap.Forms {
			if !r.Covers(form) {
				continue
			}
			for b, cb := range names {
				if r.AppliesTo(r.Country, cb) {
					blocked[f][a][b] = true
				}
			}
		}
	}
	counts := cond.Restrictions.Blocking()
	for _, r := range m.Active(cond.AsOf) {
		if slices.Contains(counts, r.Measure) {
			block(r)
		}
	}
	for _, x := range extra {
		block(mineralmap.Measure{Country: x.Country, Targets: x.Targets, Forms: x.Forms})
	}
	return country, blocked
}

// openEdges builds the graph of the edges that extra and the stored restrictions counted under
// cond leave open.
func (m *Mineral) openEdges(cond mineralmap.Conditions, extra []mineralmap.Measure) *openGraph {
	country, blocked := m.blocking(cond, extra)
	of := make([]int, len(m.Nodes))
	for i, n := range m.Nodes {
		of[i] = country[n.Country]
	}
	g := &openGraph{}
	open := make([]Edge, 0, len(m.Edges))
	for i, e := range m.Edges {
		if !blocked[e.Form][of[e.From]][of[e.To]] || m.Nodes[e.To].superSink {
			open = append(open, e)
			g.edges = append(g.edges, int32(i))
		}
	}
	g.flow = newIndexedNetwork(m.ids, m.index, open, m.sources, m.slots)
	return g
}

// openGraph is the graph of the unblocked edges under cond (normalized), shared by every
// request with the same conditions.
func (m *Mineral) openGraph(cond mineralmap.Conditions) *openGraph {
	key := openKey{asOf: cond.AsOf, restrictions: cond.Restrictions}
	m.mu.Lock()
	defer m.mu.Unlock()
	if g, ok := m.open[key]; ok {
		return g
	}
	if len(m.open) >= maxOpenNetworks {
		clear(m.open)
	}
	g := m.openEdges(cond, nil)
	m.open[key] = g
	return g
}

// Open is the max-flow network of the edges left open under cond (normalized): the stored
// restrictions active at its date whose measures count under it block their hops.
func (m *Mineral) Open(cond mineralmap.Conditions) *Network { return m.openGraph(cond).flow }

// OpenWith is Open with extra restrictions added, which block whatever their measure (a
// scenario's); it is built for the caller and not kept.
func (m *Mineral) OpenWith(cond mineralmap.Conditions, extra []mineralmap.Measure) *Network {
	if len(extra) == 0 {
		return m.Open(cond)
	}
	return m.openEdges(cond, extra).flow
}

// adjacency lists the open edges by tail, each node's in id order of their heads, and by head.
func (g *openGraph) adjacency(m *Mineral) (out, in csr) {
	g.adjOnce.Do(func() {
		g.out = newCSR(len(m.ids), g.edges, func(e int32) int32 { return m.Edges[e].From })
		g.in = newCSR(len(m.ids), g.edges, func(e int32) int32 { return m.Edges[e].To })
		for u := range m.ids {
			es := g.out.edge[g.out.start[u]:g.out.start[u+1]]
			slices.SortFunc(es, func(a, b int32) int { return int(m.rank[m.Edges[a].To] - m.rank[m.Edges[b].To]) })
		}
		g.out.other, g.in.other = make([]int32, len(g.out.edge)), make([]int32, len(g.in.edge))
		for i, e := range g.out.edge {
			g.out.other[i] = m.Edges[e].To
		}
		for i, e := range g.in.edge {
			g.in.other[i] = m.Edges[e].From
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
