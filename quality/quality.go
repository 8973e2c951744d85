// Package quality is the data-quality gate of contract section 6: per mineral, the totals and
// top shares of each stage, mass-balance findings, trade conflicts, records without a source,
// and the share of the M-network's volume by basis. It works on plain records (Input), which a
// store reads (GET /v1/quality) or load documents give (mineralmap check FILE…), so that both
// report the same.
package quality

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/supply"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Input is every record of one mineral: the mineral node, the nodes its records touch, its
// SUPPLIES edges, its PRODUCES and REFINES records, and the restrictions on it.
type Input struct {
	Mineral      string
	Unit         string
	HasSource    bool // the mineral node's
	Nodes        []Node
	Supplies     []Supply
	Outputs      []Output
	Restrictions []Restriction
	Demands      []Demand
}

// Demand is one DEMANDS record of the mineral (contract section 7).
type Demand struct {
	Country   string
	Year      int64 // 0: none
	VolumeT   float64
	Basis     string
	HasSource bool
}

// Node is a node of the mineral's records.
type Node struct {
	ID, Name, Country string // Country: its own id for a Country
	IsCountry         bool
	Online, Closed    time.Time
	HasSource         bool
}

// Supply is one SUPPLIES record between nodes named by index.
type Supply struct {
	From, To     int32
	Form, Basis  string
	Year         int64 // 0: none
	VolumeT      float64
	HasSource    bool
	Source, Note string
}

// Output is one PRODUCES (Refines false) or REFINES record of a node; Replaced, for a national
// total, what a later load replaced when the two differed by more than 5%.
type Output struct {
	Node      int32
	Refines   bool
	Basis     string
	Year      int64
	VolumeT   float64
	HasSource bool
	Replaced  *Replaced
	source    string // for a replaced national total (Records)
}

// Replaced is a national total that a later record of the same key replaced.
type Replaced struct {
	VolumeT       float64
	Basis, Source string
}

// Restriction is one RESTRICTS record on the mineral.
type Restriction struct {
	Country, Measure string
	From             time.Time
	HasSource        bool
}

// Report is the quality report of one mineral (section 6's shape).
type Report struct {
	Mineral     string             `json:"mineral"`
	Unit        string             `json:"unit"`
	Year        *int64             `json:"year"`
	Stages      []Stage            `json:"stages"`
	Findings    []Finding          `json:"findings"`
	BasisShares map[string]float64 `json:"basis_shares"`
}

// Stage is the totals of one stage.
type Stage struct {
	Stage     string     `json:"stage"`
	Year      *int64     `json:"year"`
	TotalT    float64    `json:"total_t"`
	Countries int        `json:"countries"`
	Top       []TopShare `json:"top"`
}

// TopShare is one of a stage's leading countries.
type TopShare struct {
	Country string  `json:"country"`
	Share   float64 `json:"share"`
}

// Finding is one thing the gate found.
type Finding struct {
	Severity string   `json:"severity"` // error, warning, info
	Kind     string   `json:"kind"`
	IDs      []string `json:"ids"`
	Message  string   `json:"message"`
}

// Severities, worst first.
const (
	Error   = "error"
	Warning = "warning"
	Info    = "info"
)

// The gate's tolerances (section 6): an outflow over inflow plus own output, parts over a
// national total, or curated flows over the customs figure, by more than 10%.
const tolerance = 0.10

// maxIDs bounds the ids one finding lists.
const maxIDs = 20

// Check reports on one mineral's records at year (nil: as the analyses take it by default, the
// latest year of its SUPPLIES records other than planned ones), on the M-network the analyses
// run on at that year as of today (section 5).
func Check(in Input, year *int64, today time.Time) Report {
	r := Report{Mineral: in.Mineral, Unit: in.Unit, Stages: []Stage{}, Findings: []Finding{}, BasisShares: map[string]float64{}}
	for _, b := range append(slices.Clone(mineralmap.Bases), mineralmap.BasisStatistics) {
		r.BasisShares[b] = 0
	}
	if in.Unit == "" {
		r.add(Error, "no_unit", []string{in.Mineral}, "the mineral %s has no unit: its volumes cannot be read or compared", in.Mineral)
	}
	for _, refines := range []bool{false, true} {
		r.Stages = append(r.Stages, stage(in, refines, year))
		r.partsWithinTotals(in, refines)
	}
	if len(in.Demands) > 0 {
		r.Stages = append(r.Stages, demandStage(in, year))
	}
	net := r.network(in, year, today)
	var y int64
	if net != nil {
		if sel := net.Selected(); sel.Year != nil {
			y = *sel.Year
		}
	} else if year != nil {
		y = *year
	}
	if y != 0 {
		r.Year = &y
	}
	plannedUntil := int64(today.Year()) // planned edges count up to it (section 5)
	if year != nil {
		plannedUntil = *year
	}
	r.massBalance(in, net, y, plannedUntil)
	r.tradeConflicts(in)
	r.replacedTotals(in)
	r.sources(in)
	// Findings in severity order, then kind, then first id: a stable report.
	rank := map[string]int{Error: 0, Warning: 1, Info: 2}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(rank[a.Severity], rank[b.Severity]), cmp.Compare(a.Kind, b.Kind))
	})
	return r
}

func (r *Report) add(severity, kind string, ids []string, format string, args ...any) {
	if len(ids) > maxIDs {
		extra := len(ids) - maxIDs
		ids = ids[:maxIDs:maxIDs]
		format += fmt.Sprintf(" (%d more not listed)", extra)
	}
	r.Findings = append(r.Findings, Finding{Severity: severity, Kind: kind, IDs: ids, Message: fmt.Sprintf(format, args...)})
}

// Errors counts the error findings.
func (r Report) Errors() int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == Error {
			n++
		}
	}
	return n
}

func stageName(refines bool) string {
	if refines {
		return "refining"
	}
	return "mining"
}

// stage is the concentration rule (section 5) for one stage: per country its national record
// of the year where one exists, else the sum of its facilities'.
func stage(in Input, refines bool, year *int64) Stage {
	st := Stage{Stage: stageName(refines), Top: []TopShare{}}
	var y int64
	if year != nil {
		y = *year
	} else {
		// The latest year of the records other than planned ones (as concentration's default),
		// of the planned ones when there is no other.
		var planned int64
		for _, o := range in.Outputs {
			switch {
			case o.Refines != refines:
			case o.Basis == mineralmap.BasisPlanned:
				planned = max(planned, o.Year)
			default:
				y = max(y, o.Year)
			}
		}
		if y == 0 {
			y = planned
		}
	}
	if y != 0 {
		st.Year = &y
	}
	national, parts := map[string]float64{}, map[string]float64{}
	hasNational := map[string]bool{}
	for _, o := range in.Outputs {
		if o.Refines != refines || y != 0 && o.Year != y {
			continue
		}
		n := in.Nodes[o.Node]
		if n.IsCountry {
			national[n.Country] += o.VolumeT
			hasNational[n.Country] = true
		} else {
			parts[n.Country] += o.VolumeT
		}
	}
	volume := maps.Clone(parts)
	for c := range hasNational {
		volume[c] = national[c]
	}
	st.total(volume)
	return st
}

// total sets the stage's total, its number of countries and its three leading shares from each
// country's volume (XX, other countries, is counted in the total but is not one country).
func (st *Stage) total(volume map[string]float64) {
	countries := slices.Collect(maps.Keys(volume))
	slices.SortFunc(countries, func(a, b string) int { return cmp.Or(cmp.Compare(volume[b], volume[a]), cmp.Compare(a, b)) })
	for _, c := range countries {
		st.TotalT += volume[c]
		if volume[c] > 0 {
			st.Countries++
		}
	}
	for _, c := range countries {
		if len(st.Top) == 3 || st.TotalT == 0 {
			break
		}
		if c != mineralmap.OtherCountries { // other countries, not one country
			st.Top = append(st.Top, TopShare{Country: c, Share: round(volume[c] / st.TotalT)})
		}
	}
	st.TotalT = round(st.TotalT)
}

// demandStage is the demand's totals (contract section 7): each country's latest DEMANDS record
// ≤ the year (year nil: the latest year of the records), summed, with the leading shares. Its
// stage is "demand".
func demandStage(in Input, year *int64) Stage {
	st := Stage{Stage: "demand", Top: []TopShare{}}
	var y int64
	if year != nil {
		y = *year
	} else {
		for _, d := range in.Demands {
			y = max(y, d.Year)
		}
	}
	if y != 0 {
		st.Year = &y
	}
	// Each country's latest record ≤ y (an apparent one only of y itself: a year's balance),
	// as GET /v1/minerals/{id}/demand takes them.
	volume, at := map[string]float64{}, map[string]int64{}
	for _, d := range in.Demands {
		if y != 0 && (d.Year > y || d.Basis == mineralmap.BasisApparent && d.Year != y) {
			continue
		}
		if prev, ok := at[d.Country]; !ok || d.Year > prev {
			at[d.Country], volume[d.Country] = d.Year, d.VolumeT
		}
	}
	st.total(volume)
	return st
}

// partsWithinTotals: a country's facilities may not add up to more than its national total.
func (r *Report) partsWithinTotals(in Input, refines bool) {
	byYear := map[string]map[int64]float64{}
	national := map[string]map[int64]float64{}
	for _, o := range in.Outputs {
		if o.Refines != refines {
			continue
		}
		n := in.Nodes[o.Node]
		m := byYear
		if n.IsCountry {
			m = national
		}
		if m[n.Country] == nil {
			m[n.Country] = map[int64]float64{}
		}
		m[n.Country][o.Year] += o.VolumeT
	}
	for _, c := range slices.Sorted(maps.Keys(national)) {
		for _, y := range slices.Sorted(maps.Keys(national[c])) {
			total, parts := national[c][y], byYear[c][y]
			if parts > total*(1+tolerance) {
				r.add(Error, "parts_exceed_total", []string{c}, "%s's facilities %s %s in %d, more than its national total of %s",
					c, verb(refines), tonnes(parts, in.Unit), y, tonnes(total, in.Unit))
			}
		}
	}
}

func verb(refines bool) string {
	if refines {
		return "refine"
	}
	return "produce"
}

// network is the M-network at year y as of asOf (section 5's selection), with its basis
// shares recorded.
func (r *Report) network(in Input, year *int64, asOf time.Time) *supply.Mineral {
	s := supply.Stored{Mineral: in.Mineral}
	for _, n := range in.Nodes {
		s.Nodes = append(s.Nodes, supply.Node{ID: n.ID, Name: n.Name, Country: n.Country, IsCountry: n.IsCountry, Online: n.Online, Closed: n.Closed})
	}
	for _, e := range in.Supplies {
		s.Edges = append(s.Edges, supply.Edge{From: e.From, To: e.To, Capacity: e.VolumeT, Year: int32(e.Year),
			Form: uint8(max(0, slices.Index(mineralmap.Forms, e.Form))), Basis: uint8(max(0, slices.Index(mineralmap.Bases, e.Basis)))})
	}
	l, err := supply.NewLayers(s, supply.NewSlots(1))
	if err != nil {
		r.add(Error, "broken_records", []string{in.Mineral}, "the %s records do not make a network: %v", in.Mineral, err)
		return nil
	}
	cond := mineralmap.Conditions{AsOf: asOf, Year: year}.Normalized()
	m, _, err := l.At(cond)
	if err != nil {
		r.add(Error, "broken_records", []string{in.Mineral}, "%v", err)
		return nil
	}
	var total float64
	for _, e := range m.Edges {
		total += e.Capacity
	}
	if total > 0 {
		for _, e := range m.Edges {
			r.BasisShares[e.BasisName()] += e.Capacity / total
		}
		for b, v := range r.BasisShares {
			r.BasisShares[b] = round(v)
		}
		if est := r.BasisShares[mineralmap.BasisEstimated]; est > 0.5 {
			r.add(Info, "mostly_estimated", []string{in.Mineral}, "%.0f%% of the %s network's volume (%s) is analysts' estimates, not published or customs figures: read its flows as orders of magnitude",
				100*est, in.Mineral, tonnes(total, in.Unit))
		}
	}
	return m
}

// massBalance: no node sends out more of the mineral than it produces or refines plus what it
// receives.
func (r *Report) massBalance(in Input, net *supply.Mineral, y, plannedUntil int64) {
	if net == nil {
		return
	}
	out, inflow, outTrade := map[int32]float64{}, map[int32]float64{}, map[int32]float64{}
	for _, e := range net.Edges {
		out[e.From] += e.Capacity
		inflow[e.To] += e.Capacity
		if e.BasisName() == mineralmap.BasisTrade {
			outTrade[e.From] += e.Capacity
		}
	}
	// A node's own output: its records of the latest year ≤ y, per stage.
	type at struct {
		node    int32
		refines bool
	}
	// Planned capacity counts as the network's planned edges do: up to plannedUntil, its
	// latest record standing beside the records of what is produced now.
	latest, own := map[at]int64{}, map[at]float64{}
	latestPlanned := map[at]int64{}
	for _, o := range in.Outputs {
		k := at{o.Node, o.Refines}
		switch {
		case o.Basis == mineralmap.BasisPlanned:
			if o.Year == 0 || o.Year <= plannedUntil {
				latestPlanned[k] = max(latestPlanned[k], o.Year)
			}
		case y == 0 || o.Year <= y:
			latest[k] = max(latest[k], o.Year)
		}
	}
	for _, o := range in.Outputs {
		k := at{o.Node, o.Refines}
		switch {
		case o.Basis == mineralmap.BasisPlanned:
			if _, ok := latestPlanned[k]; ok && o.Year == latestPlanned[k] {
				own[k] += o.VolumeT
			}
		case (y == 0 || o.Year <= y) && o.Year == latest[k]:
			own[k] += o.VolumeT
		}
	}
	for _, i := range slices.Sorted(maps.Keys(out)) {
		made := own[at{i, false}] + own[at{i, true}]
		if out[i] > (made+inflow[i])*(1+tolerance) {
			n := net.Nodes[i]
			// Customs statistics see only some forms of a mineral (no spodumene, mattes or
			// refined copper in the BACI file, DATA.md): a country re-exporting what it
			// imported in a form they miss looks out of balance. Only an imbalance the other
			// records make is an error.
			if out[i]-outTrade[i] <= (made+inflow[i])*(1+tolerance) {
				r.add(Warning, "mass_balance", []string{n.ID}, "%s sends out %s of %s (%s of it in customs statistics) but produces or refines %s and receives %s: the customs figures see only some forms of the mineral, so the inflow they miss is likely a form outside them",
					n.ID, tonnes(out[i], in.Unit), in.Mineral, tonnes(outTrade[i], in.Unit), tonnes(made, in.Unit), tonnes(inflow[i], in.Unit))
				continue
			}
			r.add(Error, "mass_balance", []string{n.ID}, "%s sends out %s of %s but produces or refines %s and receives %s",
				n.ID, tonnes(out[i], in.Unit), in.Mineral, tonnes(made, in.Unit), tonnes(inflow[i], in.Unit))
		}
	}
}

// tradeConflicts: flows between two countries' nodes beyond the customs figure for that pair,
// form and year. They are compared before the no-double-counting rule takes them off. A record
// without a year counts in every year, so it is compared with every year's figure. Pairs with
// no customs record are not compared: a curated layer's few trade records are not a census.
func (r *Report) tradeConflicts(in Input) {
	type pair struct {
		from, to, form string
		year           int64
	}
	trade, other := map[pair]float64{}, map[pair]float64{}
	var ids = map[pair][]string{}
	years := map[int64]bool{}
	for _, e := range in.Supplies {
		if e.Basis == mineralmap.BasisTrade && e.Year != 0 {
			years[e.Year] = true
		}
	}
	for _, e := range in.Supplies {
		a, b := in.Nodes[e.From], in.Nodes[e.To]
		if a.Country == b.Country {
			continue
		}
		p := pair{a.Country, b.Country, e.Form, e.Year}
		switch {
		case e.Basis == mineralmap.BasisTrade:
			trade[p] += e.VolumeT
		case e.Basis == mineralmap.BasisPlanned:
		case e.Year == 0:
			for y := range years {
				q := pair{a.Country, b.Country, e.Form, y}
				other[q] += e.VolumeT
				ids[q] = append(ids[q], a.ID+"→"+b.ID)
			}
		default:
			other[p] += e.VolumeT
			ids[p] = append(ids[p], a.ID+"→"+b.ID)
		}
	}
	keys := slices.Collect(maps.Keys(trade))
	slices.SortFunc(keys, func(a, b pair) int {
		return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to), cmp.Compare(a.form, b.form), cmp.Compare(a.year, b.year))
	})
	for _, p := range keys {
		if other[p] > trade[p]*(1+tolerance) {
			r.add(Warning, "trade_conflict", ids[p], "curated %s flows %s → %s of %s in %d (%s) exceed the customs figure (%s) by %.0f%%",
				p.form, p.from, p.to, tonnes(other[p], in.Unit), p.year, in.Mineral, tonnes(trade[p], in.Unit), 100*(other[p]/trade[p]-1))
		}
	}
}

// replacedTotals: where two national totals of one country, stage and year differed by more
// than 5%, the one loaded last stands (section 5) and the report says so.
func (r *Report) replacedTotals(in Input) {
	for _, o := range in.Outputs {
		if o.Replaced == nil {
			continue
		}
		n := in.Nodes[o.Node]
		src := o.Replaced.Source
		if src == "" {
			src = "no source"
		}
		r.add(Warning, "national_total_replaced", []string{n.ID}, "%s's %d %s total is %s (%s); it replaced %s (%s; %s), %.0f%% apart",
			n.ID, o.Year, stageName(o.Refines), tonnes(o.VolumeT, in.Unit), o.Basis, tonnes(o.Replaced.VolumeT, in.Unit), o.Replaced.Basis, src,
			100*math.Abs(o.VolumeT-o.Replaced.VolumeT)/o.Replaced.VolumeT)
	}
}

// sources: every record names its source.
func (r *Report) sources(in Input) {
	if !in.HasSource {
		r.add(Error, "no_source", []string{in.Mineral}, "the mineral %s has no source", in.Mineral)
	}
	var nodes, supplies, outputs, restrictions []string
	for _, n := range in.Nodes {
		if !n.HasSource {
			nodes = append(nodes, n.ID)
		}
	}
	for _, s := range in.Supplies {
		if !s.HasSource {
			supplies = append(supplies, in.Nodes[s.From].ID+"→"+in.Nodes[s.To].ID)
		}
	}
	for _, o := range in.Outputs {
		if !o.HasSource {
			outputs = append(outputs, in.Nodes[o.Node].ID)
		}
	}
	for _, x := range in.Restrictions {
		if !x.HasSource {
			restrictions = append(restrictions, x.Country+":"+x.Measure+":"+x.From.Format(mineralmap.DateLayout))
		}
	}
	var demands []string
	for _, d := range in.Demands {
		if !d.HasSource {
			demands = append(demands, fmt.Sprintf("%s:%d", d.Country, d.Year))
		}
	}
	for _, g := range []struct {
		what string
		ids  []string
	}{{"nodes", nodes}, {"SUPPLIES records", supplies}, {"PRODUCES/REFINES records", outputs}, {"RESTRICTS records", restrictions}, {"DEMANDS records", demands}} {
		if len(g.ids) > 0 {
			r.add(Error, "no_source", g.ids, "%d %s of %s have no source", len(g.ids), g.what, in.Mineral)
		}
	}
	var undated []string
	for _, s := range in.Supplies {
		if s.Year == 0 {
			undated = append(undated, in.Nodes[s.From].ID+"→"+in.Nodes[s.To].ID)
		}
	}
	if len(undated) > 0 {
		r.add(Warning, "no_year", undated, "%d SUPPLIES records of %s have no year: they count in every year's network", len(undated), in.Mineral)
	}
}

func round(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// tonnes writes a volume with its unit, digits grouped as analysts read them: "12,000 t REO".
func tonnes(v float64, unit string) string {
	if unit == "" {
		unit = "t"
	}
	format := "%.0f %s"
	if v < 10 && v != math.Trunc(v) {
		format = "%.2f %s"
	}
	return english.Sprintf(format, v, unit)
}

var english = message.NewPrinter(language.English)
