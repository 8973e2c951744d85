package analysis

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/supply"
)

// Bounds and defaults of the outlook (contract section 7).
const (
	MaxOutlookYears  = 30
	MaxDelayYears    = 20
	DefaultOutlookTo = 8 // years after from
)

// OutlookRequest is GET /v1/outlook.
type OutlookRequest struct {
	Mineral  string
	Consumer string   // a country, a facility or group:NAME
	Avoid    []string // countries, facilities and groups
	From, To int      // years; 0: the defaults (from: this year; to: from + 8)
	Delay    int      // years added to the online dates and planned records of pending facilities
	Target   float64  // coverage that suffices; 0: 1.0
	// Restrictions says which stored restrictions count (as of 1 July of each year); Bases and
	// Forms select edges as in the other analyses. Year and AsOf are not taken.
	mineralmap.Conditions
}

// OutlookOnline is a facility that takes part from that year: its capacity (its PRODUCES or
// REFINES record of the latest year ≤ that year, the larger of the two stages, planned or not;
// null when it has none) and what it can send into that year's network (the sum of its
// outgoing edges there).
type OutlookOnline struct {
	Facility   string   `json:"facility"`
	Name       string   `json:"name"`
	Country    string   `json:"country"`
	Status     string   `json:"status,omitempty"`
	VolumeT    *float64 `json:"volume_t"`
	DeliversT  float64  `json:"delivers_t"`
	Refines    bool     `json:"refines,omitempty"`
	OutputYear *int64   `json:"output_year,omitempty"`
}

// OutlookYear is one year of the outlook.
type OutlookYear struct {
	Year            int64   `json:"year"`
	SupplyT         float64 `json:"supply_t"`
	SupplyAvoidingT float64 `json:"supply_avoiding_t"`
	// DemandT, Coverage (supply avoiding ÷ demand) and CoverageReason as in Coverage.
	Coverage
	TradeYear  *int64          `json:"trade_year"`
	Online     []OutlookOnline `json:"online"`
	FinancedBy []Financing     `json:"financed_by"`
	Reason     string          `json:"reason,omitempty"`
}

// OutlookAnswer is GET /v1/outlook.
type OutlookAnswer struct {
	Mineral      string                     `json:"mineral"`
	Consumer     string                     `json:"consumer"`
	Members      []string                   `json:"members,omitempty"`
	Avoid        []string                   `json:"avoid"`
	From         int                        `json:"from"`
	To           int                        `json:"to"`
	DelayYears   int                        `json:"delay_years"`
	Target       float64                    `json:"target"`
	Restrictions mineralmap.RestrictionMode `json:"restrictions"`
	Unit         string                     `json:"unit,omitempty"`
	Bases        []string                   `json:"bases"`
	Forms        []string                   `json:"forms"`
	Years        []OutlookYear              `json:"years"`
	SufficesFrom *int64                     `json:"suffices_from"`
	Cypher       string                     `json:"cypher"`
	BrowserURL   string                     `json:"browser_url"`
}

// Outlook answers, for each year from From to To, the deliverable supply of the mineral to the
// consumer on that year's network with planned capacity (supply.Layers.Outlook; restrictions as
// of 1 July), the same with Avoid removed, the consumer's demand (its latest record ≤ the year)
// and coverage = supply avoiding ÷ demand; the facilities that came online that year and the
// agreements that finance them; and SufficesFrom, the first year whose coverage ≥ Target.
func (a *Analyses) Outlook(ctx context.Context, req OutlookRequest) (OutlookAnswer, error) {
	req.Conditions = req.Conditions.Normalized()
	if req.From == 0 {
		req.From = mineralmap.Today().Year()
	}
	if req.To == 0 {
		req.To = req.From + DefaultOutlookTo
	}
	if req.Target == 0 {
		req.Target = 1
	}
	ans := OutlookAnswer{Mineral: req.Mineral, Consumer: req.Consumer, Avoid: req.Avoid, From: req.From, To: req.To,
		DelayYears: req.Delay, Target: req.Target, Restrictions: req.Restrictions, Years: []OutlookYear{},
		Bases: selectedOr(req.Bases, mineralmap.Bases), Forms: selectedOr(req.Forms, mineralmap.Forms)}
	if ans.Avoid == nil {
		ans.Avoid = []string{}
	}
	var details []mineralmap.Detail
	if req.To < req.From || req.To-req.From+1 > MaxOutlookYears {
		details = append(details, mineralmap.Detail{Path: "to", Message: fmt.Sprintf("must be from %d to %d (at most %d years)", req.From, req.From+MaxOutlookYears-1, MaxOutlookYears)})
	}
	if req.Delay < 0 || req.Delay > MaxDelayYears {
		details = append(details, mineralmap.Detail{Path: "delay_years", Message: fmt.Sprintf("must be 0–%d", MaxDelayYears)})
	}
	if !(req.Target > 0) || req.Target > 100 || math.IsInf(req.Target, 0) {
		details = append(details, mineralmap.Detail{Path: "target", Message: "must be a coverage above 0 and at most 100"})
	}
	if len(details) > 0 {
		return ans, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: details[0].Path + " " + details[0].Message, Details: details}
	}
	checks := []idCheck{{"mineral", req.Mineral, []string{mineralmap.LabelMineral}, false},
		{"consumer", req.Consumer, []string{mineralmap.LabelCountry, mineralmap.LabelFacility}, true}}
	for _, id := range req.Avoid {
		checks = append(checks, idCheck{"avoid", id, []string{mineralmap.LabelCountry, mineralmap.LabelFacility}, true})
	}
	r, version, err := a.resolve(ctx, checks...)
	if err != nil {
		return ans, err
	}
	ans.Members = r.members[req.Consumer]
	avoid := r.countries(req.Avoid...)
	for _, c := range consumerCountries(r, req.Consumer) {
		if slices.Contains(avoid, c) {
			return ans, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: fmt.Sprintf("avoid removes %s, a country of the consumer", c),
				Details: []mineralmap.Detail{{Path: "avoid", Message: "leave the consumer's own countries out"}}}
		}
	}
	layers, err := a.networks.get(ctx, version, req.Mineral)
	if err != nil {
		return ans, err
	}
	d, err := a.demandsOf(ctx, req.Mineral)
	if err != nil {
		return ans, err
	}
	ans.Unit = d.unit
	outputs, err := a.store.FacilityOutputs(ctx, req.Mineral)
	if err != nil {
		return ans, err
	}
	byFacility := map[string][]FacilityOutput{}
	for _, o := range outputs {
		byFacility[o.Facility] = append(byFacility[o.Facility], o)
	}
	shift := func(n supply.Node) int {
		if n.Pending {
			return req.Delay
		}
		return 0
	}
	// capacity is a facility's output record of the latest year ≤ y (planned records from
	// their year shifted as the facility is), the larger stage where it has both.
	capacity := func(n supply.Node, y int) (v *float64, refines bool, year *int64) {
		var best FacilityOutput
		found := false
		for _, o := range byFacility[n.ID] {
			oy := o.Year
			if o.Basis == mineralmap.BasisPlanned && oy != 0 {
				oy += int64(shift(n))
			}
			if oy > int64(y) {
				continue
			}
			if !found || oy > best.Year || oy == best.Year && o.VolumeT > best.VolumeT {
				best, found = o, true
				best.Year = oy
			}
		}
		if !found {
			return nil, false, nil
		}
		vol := best.VolumeT
		if best.Year != 0 {
			year = &best.Year
		}
		return &vol, best.Refines, year
	}
	stored := layers.Stored()
	var view []string
	for y := req.From; y <= req.To; y++ {
		if err := ctx.Err(); err != nil {
			return ans, mineralmap.Errorf(mineralmap.KindTimeout, "the outlook ran out of time at %d: %v", y, err)
		}
		m, err := layers.Outlook(int32(y), int32(req.Delay), req.Bases, req.Forms)
		if err != nil {
			return ans, err
		}
		cond := req.Conditions
		cond.AsOf = time.Date(y, time.July, 1, 0, 0, 0, 0, time.UTC)
		g := m
		if members, ok := r.members[req.Consumer]; ok {
			g = m.WithSink(req.Consumer, members)
		}
		net := g.Open(cond)
		removed := g.Removal(avoid, nil) // on the consumer's network: a group's split halves go too
		year := int64(y)
		row := OutlookYear{Year: year, SupplyT: net.MaxFlow(req.Consumer, nil), SupplyAvoidingT: net.MaxFlow(req.Consumer, removed),
			Online: []OutlookOnline{}, FinancedBy: []Financing{}, Reason: m.Selected().Reason, TradeYear: m.Selected().TradeYear}
		row.Coverage = d.in(r, req.Consumer).coverage(row.SupplyAvoidingT, req.Consumer, consumerCountries(r, req.Consumer), &year,
			groupSupply(r, req.Consumer, m, func(g *supply.Mineral) *supply.Network { return g.Open(cond) }, avoid, nil))
		// The facilities whose (shifted) online year is this one, with what they can send.
		out := map[string]float64{}
		for _, e := range m.Edges {
			out[m.Nodes[e.From].ID] += e.Capacity
		}
		for _, n := range stored.Nodes {
			if n.IsCountry || n.Online.IsZero() || n.Online.Year()+shift(n) != y {
				continue
			}
			if _, in := m.Node(n.ID); !in {
				continue
			}
			o := OutlookOnline{Facility: n.ID, Name: n.Name, Country: n.Country, DeliversT: out[n.ID]}
			o.VolumeT, o.Refines, o.OutputYear = capacity(n, y)
			if n.Pending {
				o.Status = "pending"
			}
			row.Online = append(row.Online, o)
			for _, g := range m.FinancedBy(n.ID) {
				row.FinancedBy = append(row.FinancedBy, Financing{Agreement: g, Facility: n.ID})
			}
			view = append(view, n.ID)
		}
		slices.SortFunc(row.Online, func(a, b OutlookOnline) int { return cmp.Compare(a.Facility, b.Facility) })
		slices.SortFunc(row.FinancedBy, func(a, b Financing) int {
			return cmp.Or(cmp.Compare(a.Facility, b.Facility), cmp.Compare(a.Agreement, b.Agreement))
		})
		if ans.SufficesFrom == nil && row.Coverage.Coverage != nil && *row.Coverage.Coverage >= req.Target {
			ans.SufficesFrom = &year
		}
		ans.Years = append(ans.Years, row)
	}
	ans.Cypher = a.store.NetworkCypher() + ";\n\n" + a.store.DemandCypher()
	ans.BrowserURL = a.browserURL(pipelineView(req.Mineral, r.countries(req.Consumer), view))
	return ans, nil
}

// pipelineView draws the pipeline of a mineral in Neo4j Browser: the facilities coming online
// (or planned, or under construction) with their planned supply edges, the agreements that
// finance them, and the consumer's countries they deliver to.
func pipelineView(mineral string, consumers, online []string) string {
	slices.Sort(online)
	online = slices.Compact(online)
	return inline(PipelineCypher, map[string]any{"mineral": mineral, "consumers": consumers, "facilities": online})
}

// PipelineCypher is the Browser query that draws a mineral's pipeline: the facilities that
// are pending (status planned or construction) or have planned records or come online in the
// outlook, their planned SUPPLIES edges, and the agreements that finance them.
const PipelineCypher = `MATCH (f:Facility)
WHERE (f.id IN $facilities OR f.status IN ['planned', 'construction'])
  AND (EXISTS { (f)-[s:SUPPLIES]-() WHERE s.mineral = $mineral }
       OR EXISTS { (f)-[:PRODUCES|REFINES]->(:Mineral {id: $mineral}) })
OPTIONAL MATCH (f)-[s:SUPPLIES]->(b) WHERE s.mineral = $mineral AND (s.basis = 'planned' OR b.id IN $consumers)
OPTIONAL MATCH (g:Agreement)-[fin:FINANCES]->(f)
RETURN f, s, b, g, fin`
