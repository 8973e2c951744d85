package queries

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/mineralmap/mineralmap/graph"
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
	Conditions
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
	Mineral      string       `json:"mineral"`
	To           string       `json:"to"`
	From         *string      `json:"from"`
	Avoid        []string     `json:"avoid"`
	K            int          `json:"k"`
	MaxHops      int          `json:"max_hops"`
	Restrictions Restrictions `json:"restrictions"`
	AsOf         string       `json:"as_of"`
	Paths        []Path       `json:"paths"`
	Cypher       string       `json:"cypher"`
	BrowserURL   string       `json:"browser_url"`
}

// AlternativePaths finds up to K simple paths of unblocked M edges from From (default: any
// source) to To that touch no avoided node, of at most MaxHops hops, fewest hops first (ties by
// the node ids along the path). KindNotFound for unknown ids.
func (a *Analyses) AlternativePaths(ctx context.Context, req PathsRequest) (PathsAnswer, error) {
	req.Conditions = req.Conditions.normalized()
	if req.K == 0 {
		req.K = DefaultK
	}
	if req.MaxHops == 0 {
		req.MaxHops = DefaultHops
	}
	if req.K < 1 || req.K > MaxK || req.MaxHops < 1 || req.MaxHops > MaxHops {
		return PathsAnswer{}, graph.Errorf(graph.KindInvalid, "k must be 1–%d and max_hops 1–%d", MaxK, MaxHops)
	}
	ans := PathsAnswer{Mineral: req.Mineral, To: req.To, Avoid: req.Avoid, K: req.K, MaxHops: req.MaxHops,
		Restrictions: req.Restrictions, AsOf: req.AsOf.Format("2006-01-02"), Paths: []Path{}}
	if ans.Avoid == nil {
		ans.Avoid = []string{}
	}
	if req.From != "" {
		ans.From = &req.From
	}
	checks := []idCheck{{"mineral", req.Mineral, []string{graph.LabelMineral}},
		{"to", req.To, []string{graph.LabelFacility, graph.LabelCountry}}}
	if req.From != "" {
		checks = append(checks, idCheck{"from", req.From, []string{graph.LabelFacility, graph.LabelCountry}})
	}
	for _, id := range req.Avoid {
		checks = append(checks, idCheck{"avoid", id, []string{graph.LabelFacility, graph.LabelCountry}})
	}
	labels, err := a.resolve(ctx, checks...)
	if err != nil {
		return ans, err
	}

	params := req.Conditions.params()
	params["mineral"], params["to"], params["from"], params["avoid"] = req.Mineral, req.To, req.From, ans.Avoid
	source := `(src WHERE (EXISTS { (src)-[:PRODUCES]->(m) }
      OR (EXISTS { (src)-[o:SUPPLIES]->() WHERE o.mineral = $mineral }
          AND NOT EXISTS { ()-[i:SUPPLIES]->(src) WHERE i.mineral = $mineral }))
    AND NOT src.id IN $avoid AND NOT coalesce(src.country, src.id) IN $avoid)`
	if req.From != "" {
		source = fmt.Sprintf(`(src:%s WHERE src.id = $from AND NOT src.id IN $avoid AND NOT coalesce(src.country, src.id) IN $avoid)`, labels[req.From])
	}
	target := fmt.Sprintf(`(dst:%s {id: $to})`, labels[req.To])

	walks := []Path{}
	var active []restriction
	for groups := min(2, req.MaxHops); ; groups = min(groups*2, req.MaxHops) {
		cypher := strings.NewReplacer("{{GROUPS}}", fmt.Sprint(groups), "{{MAX_HOPS}}", fmt.Sprint(req.MaxHops),
			"{{FROM}}", source, "{{TO}}", target).Replace(pathsCypher)
		ans.Cypher = cypher
		recs, err := a.collect(ctx, cypher, params)
		if err != nil {
			return ans, err
		}
		walks = walks[:0]
		lengths := map[string]map[int]bool{} // source → distinct walk lengths returned
		for _, r := range recs {
			p := toPath(r.AsMap(), req.Mineral)
			src := p.Nodes[0].ID
			if lengths[src] == nil {
				lengths[src] = map[int]bool{}
			}
			lengths[src][p.Hops] = true
			if active == nil {
				active = toRestrictions(r.AsMap()["active"])
			}
			if simple(p) {
				walks = append(walks, p)
			}
		}
		sortPaths(walks)
		if groups >= req.MaxHops || complete(lengths, groups, walks, req.K) {
			break
		}
	}
	if len(walks) > req.K {
		walks = walks[:req.K]
	}
	blocking := req.Restrictions.measures()
	for i := range walks {
		walks[i].RestrictedHops = restrictedHops(walks[i], active, blocking)
	}
	ans.Paths = walks
	ans.BrowserURL = a.browserURL(pathsView(walks, req.Mineral, ans.Cypher, params))
	return ans, nil
}

// complete reports whether the walks fetched with n groups per source hold every simple path
// that can be among the first k: a source that returned n distinct lengths may have longer
// walks, which matter only if its longest returned walk is shorter than the k-th path.
func complete(lengths map[string]map[int]bool, n int, paths []Path, k int) bool {
	kth := int(^uint(0) >> 1)
	if len(paths) >= k {
		kth = paths[k-1].Hops
	}
	for _, ls := range lengths {
		if len(ls) < n {
			continue
		}
		longest := 0
		for l := range ls {
			longest = max(longest, l)
		}
		if longest < kth {
			return false
		}
	}
	return true
}

func toPath(m map[string]any, mineral string) Path {
	var p Path
	for _, x := range m["nodes"].([]any) {
		n := x.(map[string]any)
		p.Nodes = append(p.Nodes, PathNode{ID: str(n["id"]), Label: str(n["label"]), Name: str(n["name"]), Country: str(n["country"])})
	}
	for i, v := range m["volumes"].([]any) {
		e := PathEdge{From: p.Nodes[i].ID, To: p.Nodes[i+1].ID, Mineral: mineral, VolumeT: num(v)}
		p.Edges = append(p.Edges, e)
		if i == 0 || e.VolumeT < p.BottleneckT {
			p.BottleneckT = e.VolumeT
		}
	}
	p.Hops = len(p.Edges)
	p.FinancedBy = []Financing{}
	for _, x := range asList(m["financed_by"]) {
		f := x.(map[string]any)
		fin := Financing{Agreement: str(f["agreement"]), Facility: str(f["facility"])}
		if !slices.Contains(p.FinancedBy, fin) {
			p.FinancedBy = append(p.FinancedBy, fin)
		}
	}
	slices.SortFunc(p.FinancedBy, func(a, b Financing) int {
		return cmp.Or(cmp.Compare(a.Facility, b.Facility), cmp.Compare(a.Agreement, b.Agreement))
	})
	return p
}

// simple reports whether no node appears twice: Neo4j's default match mode only keeps
// relationships distinct, so a walk around a cycle can come back.
func simple(p Path) bool {
	seen := make(map[string]bool, len(p.Nodes))
	for _, n := range p.Nodes {
		if seen[n.ID] {
			return false
		}
		seen[n.ID] = true
	}
	return true
}

// sortPaths orders paths by hops, then by the ids along them, so ties are stable.
func sortPaths(ps []Path) {
	slices.SortFunc(ps, func(a, b Path) int {
		if c := cmp.Compare(a.Hops, b.Hops); c != 0 {
			return c
		}
		for i := range a.Nodes {
			if c := cmp.Compare(a.Nodes[i].ID, b.Nodes[i].ID); c != 0 {
				return c
			}
		}
		return 0
	})
}

// restrictedHops lists the hops of p under an active restriction whose measure does not block.
func restrictedHops(p Path, active []restriction, blocking []string) []RestrictedHop {
	out := []RestrictedHop{}
	for i, e := range p.Edges {
		ca, cb := p.Nodes[i].Country, p.Nodes[i+1].Country
		for _, r := range active {
			if r.appliesTo(ca, cb) && !slices.Contains(blocking, r.Measure) {
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
			"avoid": params["avoid"], "measures": params["measures"], "as_of": params["as_of"]})
	}
	var parts []string
	for _, p := range paths {
		var b strings.Builder
		b.WriteString("MATCH p = ")
		for i, n := range p.Nodes {
			if i > 0 {
				b.WriteString("-[:SUPPLIES {mineral: " + cypherLiteral(mineral) + "}]->")
			}
			label := n.Label
			if !slices.Contains(graph.NodeLabels, label) {
				label = graph.LabelFacility
			}
			fmt.Fprintf(&b, "(:%s {id: %s})", label, cypherLiteral(n.ID))
		}
		b.WriteString("\nRETURN p")
		parts = append(parts, b.String())
	}
	return strings.Join(parts, "\nUNION\n")
}
