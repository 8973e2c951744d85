package supply

import (
	"slices"
)

// maxGroupSinks bounds the group consumers whose networks a Mineral keeps.
const maxGroupSinks = 4

// WithSink is the network with one more node, id, a super-sink fed by every member country's
// node that is in the network (contract section 7: a group consumer). The members are not
// sources of the new network, as a country consumer is not a source of its own supply: what a
// member receives from outside the group, and what the group's facilities deliver into a
// member's node, reaches the sink. The member → sink edges carry more than the whole network,
// so the sink takes whatever reaches a member. The node's country is id itself, so a group's
// members are not its own country: the caller leaves them out of the chokepoint candidates.
// The network is kept (a few groups per Mineral) and safe for concurrent use.
func (m *Mineral) WithSink(id string, members []string) *Mineral {
	key := id + "\x00" + stringsKey(members)
	m.mu.Lock()
	if g, ok := m.groups[key]; ok {
		m.mu.Unlock()
		return g
	}
	m.mu.Unlock()

	s := m.Stored
	s.Nodes = append(slices.Clip(s.Nodes), Node{ID: id, Name: id, Country: id})
	sink := int32(len(s.Nodes) - 1)
	total := 1.0
	for _, e := range s.Edges {
		if e.Capacity > 0 {
			total += e.Capacity
		}
	}
	s.Edges = slices.Clip(s.Edges)
	member := make([]bool, len(s.Nodes))
	for _, c := range members {
		i, ok := m.index[c]
		if !ok || !m.Nodes[i].IsCountry {
			continue
		}
		member[i] = true
		s.Edges = append(s.Edges, Edge{From: i, To: sink, Capacity: total, Year: 0, Form: 0, Basis: basisIndex("estimated")})
	}
	s.Producers = slices.DeleteFunc(slices.Clone(s.Producers), func(p int32) bool { return member[p] })
	g := newMineral(s, m.slots, func(i int32) bool { return member[i] })
	g.selected = m.selected
	g.groupEdges = len(s.Edges) - len(m.Edges)

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

func stringsKey(ss []string) string {
	s := slices.Sorted(slices.Values(ss))
	out := ""
	for _, x := range s {
		out += x + ","
	}
	return out
}
