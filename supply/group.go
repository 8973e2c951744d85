package supply

import (
	"maps"
	"slices"
	"strings"
)

// maxGroupSinks bounds the group consumers whose networks a Mineral keeps.
const maxGroupSinks = 4

// WithSink is the network with a super-sink, id, for a group consumer (contract section 7): a
// super-sink fed by every member country's node that is in the network. Each member's node is
// split in two: what enters the member (its incoming edges) goes on to the sink, and what
// leaves it (its outgoing edges) starts from the node itself, which stays a source where it was
// one. So the group receives what reaches any member from outside, and what one member sends
// another (a member's exports to another member count, as they do for that member alone), and
// nothing transits a member to reach another (it reached the group at the first). Two bounds
// follow: the group's supply is at least its largest member's, and at most the sum of its
// members' except for a member's own output that comes back to it through non-members (which
// the group counts and the member alone does not). The split nodes are named member + "#in"
// (no stored id has a #) and belong to the member's country, so removing the member removes
// both halves; the sink's country is id itself. The network is kept (a few groups per
// Mineral) and safe for concurrent use.
func (m *Mineral) WithSink(id string, members []string) *Mineral {
	key := id + "\x00" + strings.Join(slices.Sorted(slices.Values(members)), ",")
	m.mu.Lock()
	if g, ok := m.groups[key]; ok {
		m.mu.Unlock()
		return g
	}
	m.mu.Unlock()

	s := m.Stored
	s.Nodes = slices.Clone(s.Nodes)
	total := 1.0
	for _, e := range s.Edges {
		if e.Capacity > 0 {
			total += e.Capacity
		}
	}
	inHalf := map[int32]int32{} // member node → its incoming half
	for _, c := range slices.Sorted(slices.Values(members)) {
		i, ok := m.index[c]
		if !ok || !m.Nodes[i].IsCountry {
			continue
		}
		if _, done := inHalf[i]; done {
			continue
		}
		inHalf[i] = int32(len(s.Nodes))
		s.Nodes = append(s.Nodes, Node{ID: c + "#in", Name: m.Nodes[i].Name, Country: c, IsCountry: true})
	}
	sink := int32(len(s.Nodes))
	s.Nodes = append(s.Nodes, Node{ID: id, Name: id, Country: id, superSink: true})
	s.Edges = slices.Clone(s.Edges)
	for k, e := range s.Edges {
		if h, ok := inHalf[e.To]; ok {
			s.Edges[k].To = h
		}
	}
	for _, h := range slices.Sorted(maps.Values(inHalf)) {
		s.Edges = append(s.Edges, Edge{From: h, To: sink, Capacity: total, Basis: basisIndex("estimated")})
	}
	// The sources are the network's own: a member whose incoming edges moved to its other
	// half would otherwise become one.
	g := newMineral(s, m.slots, slices.Clone(m.sources))
	g.selected = m.selected

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.groups == nil || len(m.groups) >= maxGroupSinks {
		m.groups = map[string]*Mineral{}
	}
	if have, ok := m.groups[key]; ok {
		return have
	}
	m.groups[key] = g
	return g
}

// IsSplit reports whether id is the incoming half of a group member's node (WithSink).
func IsSplit(id string) bool { return strings.HasSuffix(id, "#in") }
