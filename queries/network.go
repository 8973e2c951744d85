package queries

import (
	"context"
	_ "embed"
	"slices"
)

//go:embed network.cypher
var networkCypher string

// nodeInfo is what the analyses need of a node of the M-network.
type nodeInfo struct {
	Name      string
	Country   string // its own id for a Country, its country for a Facility
	IsCountry bool
}

// mnet is the M-network of one mineral as fetched from Neo4j. Max-flow and the chokepoint
// search run in Go over it (see flow.go): Cypher has no max-flow, and one fetch serves the
// many flows a chokepoint ranking needs.
type mnet struct {
	mineral string
	all     []FlowEdge // every M edge: the sources are defined on it
	open    []FlowEdge // unblocked edges under the stored restrictions
	after   []FlowEdge // unblocked edges once a scenario's restrictions are added
	nodes   map[string]nodeInfo
	sources []string
	cypher  string
}

// extraRestriction is a scenario's added restriction.
type extraRestriction struct {
	Country string
	Targets []string
}

// fetchNetwork reads the M-network of mineral under cond, plus extra restrictions.
func (a *Analyses) fetchNetwork(ctx context.Context, mineral string, cond Conditions, extra []extraRestriction) (*mnet, error) {
	params := cond.params()
	params["mineral"] = mineral
	ex := make([]any, 0, len(extra))
	for _, e := range extra {
		t := e.Targets
		if t == nil {
			t = []string{}
		}
		ex = append(ex, map[string]any{"country": e.Country, "targets": t})
	}
	params["extra"] = ex
	recs, err := a.collect(ctx, networkCypher, params)
	if err != nil {
		return nil, err
	}
	n := &mnet{mineral: mineral, nodes: map[string]nodeInfo{}, cypher: networkCypher}
	var producers []string
	for _, r := range recs {
		m := r.AsMap()
		from, to := m["from"].(string), m["to"].(string)
		e := FlowEdge{From: from, To: to, Capacity: num(m["volume_t"])}
		n.all = append(n.all, e)
		if !m["blocked"].(bool) {
			n.open = append(n.open, e)
		}
		if !m["blocked_after"].(bool) {
			n.after = append(n.after, e)
		}
		n.nodes[from] = nodeInfo{Name: str(m["from_name"]), Country: str(m["from_country"]), IsCountry: m["from_is_country"].(bool)}
		n.nodes[to] = nodeInfo{Name: str(m["to_name"]), Country: str(m["to_country"]), IsCountry: m["to_is_country"].(bool)}
		if m["from_produces"].(bool) {
			producers = append(producers, from)
		}
	}
	n.sources = DefaultSources(n.all, producers)
	return n, nil
}

// consumers are the nodes with an incoming M edge and no outgoing one (the scenario default).
func (n *mnet) consumers() []string {
	hasOut := map[string]bool{}
	for _, e := range n.all {
		hasOut[e.From] = true
	}
	var out []string
	for _, e := range n.all {
		if !hasOut[e.To] {
			out = append(out, e.To)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// countryMembers returns the nodes of the network that removing country c removes: the country
// node and every facility located in c.
func (n *mnet) countryMembers(c string) []string {
	var out []string
	for id, info := range n.nodes {
		if info.Country == c {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

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

// countryOf is the country of a node; for nodes outside the network it asks nothing and
// returns "".
func (n *mnet) countryOf(id string) string { return n.nodes[id].Country }
