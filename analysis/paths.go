package analysis

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/supply"
)

//go:embed paths.cypher
var pathsCypher string

// PathsRequest is GET /v1/paths.
type PathsRequest struct {
	Mineral string
	To      string
	From    string   // empty: any source of the mineral
	Avoid   []string // country and facility ids
	K       int
	MaxHops int
	mineralmap.Conditions
}

// PathNode is one node of a path.
type PathNode struct {
	ID      string `json:"id"`
	Label   string `json:"label"`
	Name    string `json:"name"`
	Country string `json:"country"`
}

// PathEdge is one SUPPLIES hop of a path.
type PathEdge struct {
	From    string  `json:"from"`
	To      string  `json:"to"`
	Mineral string  `json:"mineral"`
	VolumeT float64 `json:"volume_t"`
	Form    string  `json:"form"`
	Basis   string  `json:"basis"`
	Year    *int64  `json:"year"`
}

// Financing names an agreement that finances a facility on a path.
type Financing struct {
	Agreement string `json:"agreement"`
	Facility  string `json:"facility"`
}

// RestrictedHop is a hop under an active restriction that does not block it.
type RestrictedHop struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Measure string `json:"measure"`
}

// Path is one supply path, source first.
type Path struct {
	Hops           int             `json:"hops"`
	Nodes          []PathNode      `json:"nodes"`
	Edges          []PathEdge      `json:"edges"`
	BottleneckT    float64         `json:"bottleneck_t"`
	FinancedBy     []Financing     `json:"financed_by"`
	RestrictedHops []RestrictedHop `json:"restricted_hops"`
}

// PathsAnswer is the answer of GET /v1/paths.
type PathsAnswer struct {
	Mineral      string                     `json:"mineral"`
	To           string                     `json:"to"`
	From         *string                    `json:"from"`
	Avoid        []string                   `json:"avoid"`
	K            int                        `json:"k"`
	MaxHops      int                        `json:"max_hops"`
	Restrictions mineralmap.RestrictionMode `json:"restrictions"`
	AsOf         string                     `json:"as_of"`
	NetworkEcho
	Paths      []Path `json:"paths"`
	Cypher     string `json:"cypher"`
	BrowserURL string `json:"browser_url"`
}

// Why the search runs in Go and not as a quantified path pattern: the first version matched
// `SHORTEST k GROUPS` with the avoid and restriction predicates inside the pattern. SHORTEST
// partitions by (source, target), so "from any source" returns the shortest walks of every
// source, and the contract's order (fewest hops, then ids) needs them all before the first k
// are known, which on the 1M-edge benchmark graph took seconds to minutes (bench/RESULTS.md,
// "Queries"); the search (supply.Mineral.Paths), over the cached M-network,
// answers in milliseconds and equals the brute force of the property test. paths.cypher keeps
// the pattern for Neo4j Browser.
//
// AlternativePaths finds up to K simple paths of unblocked M edges from From (default: any
// source) to To that touch no avoided node, of at most MaxHops hops, fewest hops first (ties by
// the node ids along the path). KindNotFound for unknown ids.
func (a *Analyses) AlternativePaths(ctx context.Context, req PathsRequest) (PathsAnswer, error) {
	req.Conditions = req.Conditions.Normalized()
	if req.K == 0 {
		req.K = DefaultK
	}
	if req.MaxHops == 0 {
		req.MaxHops = DefaultHops
	}
	if req.K < 1 || req.K > MaxK || req.MaxHops < 1 || req.MaxHops > MaxHops {
		return PathsAnswer{}, mineralmap.Errorf(mineralmap.KindInvalid, "k must be 1–%d and max_hops 1–%d", MaxK, MaxHops)
	}
	ans := PathsAnswer{Mineral: req.Mineral, To: req.To, Avoid: req.Avoid, K: req.K, MaxHops: req.MaxHops,
		Restrictions: req.Restrictions, AsOf: req.AsOf.Format(mineralmap.DateLayout), Paths: []Path{}}
	if ans.Avoid == nil {
		ans.Avoid = []string{}
	}
	if req.From != "" {
		ans.From = &req.From
	}
	checks := []idCheck{{"mineral", req.Mineral, []string{mineralmap.LabelMineral}, false},
		{"to", req.To, []string{mineralmap.LabelFacility, mineralmap.LabelCountry}, false}}
	if req.From != "" {
		checks = append(checks, idCheck{"from", req.From, []string{mineralmap.LabelFacility, mineralmap.LabelCountry}, false})
	}
	for _, id := range req.Avoid {
		checks = append(checks, idCheck{"avoid", id, []string{mineralmap.LabelFacility, mineralmap.LabelCountry}, true})
	}
	r, version, err := a.resolve(ctx, checks...)
	if err != nil {
		return ans, err
	}
	labels := r.labels
	// A group in avoid removes its members (contract section 7); the answer echoes avoid as given.
	avoid := r.countries(req.Avoid...)

	m, err := a.network(ctx, version, req.Mineral, req.Conditions)
	if err != nil {
		return ans, err
	}
	ans.NetworkEcho = echo(m)
	found, err := m.Paths(supply.PathQuery{To: req.To, From: req.From, Avoid: avoid, K: req.K, MaxHops: req.MaxHops, Conditions: req.Conditions})
	if err != nil {
		return ans, err
	}
	for _, route := range found {
		ans.Paths = append(ans.Paths, path(m, route))
	}
	active, blocking := m.Active(req.AsOf), req.Restrictions.Blocking()
	for i := range ans.Paths {
		p := &ans.Paths[i]
		p.FinancedBy = []Financing{}
		for _, nd := range p.Nodes {
			for _, g := range m.FinancedBy(nd.ID) {
				if f := (Financing{Agreement: g, Facility: nd.ID}); !slices.Contains(p.FinancedBy, f) {
					p.FinancedBy = append(p.FinancedBy, f)
				}
			}
		}
		slices.SortFunc(p.FinancedBy, func(a, b Financing) int {
			return cmp.Or(cmp.Compare(a.Facility, b.Facility), cmp.Compare(a.Agreement, b.Agreement))
		})
		p.RestrictedHops = restrictedHops(*p, active, blocking)
	}
	ans.Cypher = a.store.NetworkCypher()

	// Browser draws the paths, or, when there is none, runs the equivalent search in Cypher.
	plannedUntil := req.AsOf.Year() // section 5: planned edges up to the year asked, or as_of's
	if req.Year != nil {
		plannedUntil = int(*req.Year)
	}
	params := map[string]any{"as_of": req.AsOf, "measures": req.Restrictions.Blocking(), "planned_until": plannedUntil}
	params["mineral"], params["to"], params["from"], params["avoid"] = req.Mineral, req.To, req.From, avoid
	source := `(src WHERE (EXISTS { (src)-[:PRODUCES]->(m) }
      OR (EXISTS { (src)-[o:SUPPLIES]->() WHERE o.mineral = $mineral }
          AND NOT EXISTS { ()-[i:SUPPLIES]->(src) WHERE i.mineral = $mineral }))
    AND NOT src.id IN $avoid AND NOT coalesce(src.country, src.id) IN $avoid)`
	if req.From != "" {
		source = fmt.Sprintf(`(src:%s WHERE src.id = $from AND NOT src.id IN $avoid AND NOT coalesce(src.country, src.id) IN $avoid)`, labels[req.From])
	}
	search := strings.NewReplacer("{{MAX_HOPS}}", fmt.Sprint(req.MaxHops), "{{FROM}}", source,
		"{{TO}}", fmt.Sprintf(`(dst:%s {id: $to})`, labels[req.To])).Replace(pathsCypher)
	ans.BrowserURL = a.browserURL(pathsView(ans.Paths, req.Mineral, search, params))
	return ans, nil
}

// path describes the path along route.
func path(m *supply.Mineral, route supply.Route) Path {
	node := func(i int32) PathNode {
		info := m.Nodes[i]
		label := mineralmap.LabelFacility
		if info.IsCountry {
			label = mineralmap.LabelCountry
		}
		return PathNode{ID: info.ID, Label: label, Name: info.Name, Country: info.Country}
	}
	p := Path{Hops: len(route), Nodes: []PathNode{node(m.Edges[route[0]].From)}}
	for i, e := range route {
		x := m.Edges[e]
		p.Nodes = append(p.Nodes, node(x.To))
		pe := PathEdge{From: m.Nodes[x.From].ID, To: m.Nodes[x.To].ID, Mineral: m.Mineral, VolumeT: x.Capacity,
			Form: x.FormName(), Basis: x.BasisName()}
		if x.Year != 0 {
			y := int64(x.Year)
			pe.Year = &y
		}
		p.Edges = append(p.Edges, pe)
		if i == 0 || x.Capacity < p.BottleneckT {
			p.BottleneckT = x.Capacity
		}
	}
	return p
}

// restrictedHops lists the hops of p under an active restriction whose measure does not block.
func restrictedHops(p Path, active []mineralmap.Measure, blocking []string) []RestrictedHop {
	out := []RestrictedHop{}
	for i, e := range p.Edges {
		ca, cb := p.Nodes[i].Country, p.Nodes[i+1].Country
		for _, r := range active {
			if r.AppliesTo(ca, cb) && r.Covers(e.Form) && !slices.Contains(blocking, r.Measure) {
				h := RestrictedHop{From: e.From, To: e.To, Measure: r.Measure}
				if !slices.Contains(out, h) {
					out = append(out, h)
				}
			}
		}
	}
	return out
}

// pathsView is the Browser query that draws the answer's paths; with no path it is the search
// itself with its values inlined.
func pathsView(paths []Path, mineral, cypher string, params map[string]any) string {
	if len(paths) == 0 {
		return inline(cypher, map[string]any{"mineral": params["mineral"], "to": params["to"], "from": params["from"],
			"avoid": params["avoid"], "measures": params["measures"], "as_of": params["as_of"], "planned_until": params["planned_until"]})
	}
	var parts []string
	for _, p := range paths {
		var b strings.Builder
		b.WriteString("MATCH p = ")
		for i, n := range p.Nodes {
			if i > 0 {
				// The edge's own record: its form and year (section 5's key).
				e := p.Edges[i-1]
				b.WriteString("-[:SUPPLIES {mineral: " + cypherLiteral(mineral) + ", form: " + cypherLiteral(e.Form))
				if e.Year != nil {
					b.WriteString(", year: " + cypherLiteral(int(*e.Year)))
				}
				b.WriteString("}]->")
			}
			label := n.Label
			if !slices.Contains(mineralmap.NodeLabels, label) {
				label = mineralmap.LabelFacility
			}
			fmt.Fprintf(&b, "(:%s {id: %s})", label, cypherLiteral(n.ID))
		}
		b.WriteString("\nRETURN p")
		parts = append(parts, b.String())
	}
	return strings.Join(parts, "\nUNION\n")
}
