package analysis

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/supply"
)

// Coverage is what the network analyses add where demand is known (contract section 7):
// the consumer's demand (the latest DEMANDS record ≤ the network's year of each of its
// countries, summed) and coverage = supply ÷ demand. Where no demand is known, both are null
// and CoverageReason says why (never a coverage of 0). The contract's "reason" is
// coverage_reason here: reason already says why a network is empty.
type Coverage struct {
	DemandT        *float64 `json:"demand_t"`
	Coverage       *float64 `json:"coverage"`
	DemandBasis    []string `json:"demand_basis,omitempty"`
	CoverageReason string   `json:"coverage_reason,omitempty"`
	// CoveredSupplyT: for a group whose members' demand is only partly known, the supply to
	// the members with a demand record, which coverage compares with their demand.
	CoveredSupplyT *float64 `json:"covered_supply_t,omitempty"`
}

// demands indexes a mineral's DEMANDS records by country, each country's oldest year first.
type demands struct {
	mineral string
	unit    string
	by      map[string][]DemandRecord
	// blocs: a group's blocs and their members; a bloc's own record is not added when one of
	// its members has a record (it would count their demand twice).
	blocs map[string][]string
	// yearly: an apparent record counts only in its own year (a year's balance, not a standing
	// figure), as the demand-by-country answer takes them.
	yearly bool
}

// of is the demands as a consumer's: with its group's blocs.
func (d demands) in(r refs, consumer string) demands {
	d.blocs = r.blocs[consumer]
	return d
}

// demandsOf reads the mineral's demand records.
func (a *Analyses) demandsOf(ctx context.Context, mineral string) (demands, error) {
	d, err := a.store.Demands(ctx, mineral)
	if err != nil {
		return demands{}, err
	}
	out := demands{mineral: mineral, unit: d.Unit, by: map[string][]DemandRecord{}}
	for _, r := range d.Records {
		out.by[r.Country] = append(out.by[r.Country], r)
	}
	for _, rs := range out.by {
		slices.SortFunc(rs, func(a, b DemandRecord) int { return cmp.Compare(a.Year, b.Year) })
	}
	return out, nil
}

// of is a country's demand record at year: its latest record of a year ≤ year (year nil: its
// latest), a record without a year when it has no other; false when none.
func (d demands) of(country string, year *int64) (DemandRecord, bool) {
	rs := d.by[country]
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Year != 0 && (year == nil || rs[i].Year <= *year) {
			if d.yearly && year != nil && rs[i].Basis == mineralmap.BasisApparent && rs[i].Year != *year {
				continue
			}
			return rs[i], true
		}
	}
	if len(rs) > 0 && rs[0].Year == 0 {
		return rs[0], true
	}
	return DemandRecord{}, false
}

// total is the demand of countries at year: the sum of their records, the bases counted, and
// the countries without one.
func (d demands) total(countries []string, year *int64) (sum float64, bases []string, missing []string, known int) {
	for _, c := range countries {
		r, ok := d.of(c, year)
		if ok && slices.ContainsFunc(d.blocs[c], func(m string) bool { _, has := d.of(m, year); return has }) {
			continue // a bloc whose members have their own records: theirs count
		}
		if !ok {
			missing = append(missing, c)
			continue
		}
		known++
		sum += r.VolumeT
		if !slices.Contains(bases, r.Basis) {
			bases = append(bases, r.Basis)
		}
	}
	slices.Sort(bases)
	return sum, bases, missing, known
}

// coverage is supply against the demand of the consumer's countries at year. A facility
// consumer (no countries) has no demand record. For a group whose members' demand is only
// partly known, supplyTo (when given) is the supply to the members with a record: coverage
// compares that with their demand, so that supply to members of unknown demand does not
// count against the others' demand.
func (d demands) coverage(supply float64, consumer string, countries []string, year *int64, supplyTo ...func(members []string) float64) Coverage {
	if len(countries) == 0 {
		return Coverage{CoverageReason: fmt.Sprintf("%s is a facility: demand is recorded for countries", consumer)}
	}
	at := "any year"
	if year != nil {
		at = fmt.Sprintf("%d or earlier", *year)
	}
	sum, bases, missing, known := d.total(countries, year)
	if known == 0 {
		return Coverage{CoverageReason: fmt.Sprintf("no %s demand record for %s of %s", d.mineral, consumer, at)}
	}
	c := Coverage{DemandT: &sum, DemandBasis: bases}
	if !(sum > 0) {
		c.CoverageReason = fmt.Sprintf("the recorded %s demand of %s is 0", d.mineral, consumer)
		return c
	}
	if len(missing) > 0 && len(supplyTo) > 0 && supplyTo[0] != nil {
		var withDemand []string
		for _, m := range countries {
			if !slices.Contains(missing, m) {
				withDemand = append(withDemand, m)
			}
		}
		s := math.Round(supplyTo[0](withDemand)*1e6) / 1e6
		c.CoveredSupplyT, supply = &s, s
	}
	cov := math.Round(supply/sum*1e9) / 1e9
	c.Coverage = &cov
	if len(missing) > 0 {
		shown := missing
		if len(shown) > 8 {
			shown = shown[:8]
		}
		more := ""
		if len(missing) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(missing)-len(shown))
		}
		how := "coverage counts the known demand only"
		if c.CoveredSupplyT != nil {
			how = "coverage is the supply to those with a record (covered_supply_t) over their demand"
		}
		c.CoverageReason = fmt.Sprintf("demand known for %d of the %d countries of %s (none of %s for %s%s): %s",
			known, len(countries), consumer, at, strings.Join(shown, ", "), more, how)
	}
	return c
}

// groupSupply is, for a group consumer, the supply under open's conditions to some of its
// members (coverage's supplyTo), with the countries and facilities removed taken out of that
// network (its split halves too); nil for any other consumer.
func groupSupply(r refs, consumer string, m *supply.Mineral, open func(*supply.Mineral) *supply.Network, countries, facilities []string) func([]string) float64 {
	if _, ok := r.members[consumer]; !ok {
		return nil
	}
	return func(members []string) float64 {
		id := consumer + "#with-demand"
		g := m.WithSink(id, members)
		return open(g).MaxFlow(id, g.Removal(countries, facilities))
	}
}

// consumerCountries are the countries whose demand is the consumer's: a group's members, a
// country itself, none for a facility.
func consumerCountries(r refs, consumer string) []string {
	switch r.labels[consumer] {
	case LabelGroup:
		return r.members[consumer]
	case mineralmap.LabelCountry:
		return []string{consumer}
	}
	return nil
}
