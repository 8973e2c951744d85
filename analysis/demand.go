package analysis

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/mineralmap/mineralmap"
)

// DemandShare is one country's demand in GET /v1/minerals/{id}/demand.
type DemandShare struct {
	Country string  `json:"country"`
	VolumeT float64 `json:"volume_t"`
	Share   float64 `json:"share"`
	Basis   string  `json:"basis"`
	Year    int64   `json:"year"` // the record's year: the latest ≤ the year asked
	Source  string  `json:"source,omitempty"`
}

// GroupDemand is a group's part of the total.
type GroupDemand struct {
	Name string `json:"name"`
	// VolumeT and Share are null when no member has a demand record (not 0: unknown).
	VolumeT *float64 `json:"volume_t"`
	Share   *float64 `json:"share"`
	Members []string `json:"members"`
	// Known: the members with a demand record; Missing: those without (their demand is not
	// in volume_t).
	Known   int      `json:"known"`
	Missing []string `json:"missing"`
}

// DemandAnswer is GET /v1/minerals/{id}/demand (contract section 7).
type DemandAnswer struct {
	Mineral   string        `json:"mineral"`
	Year      *int64        `json:"year"`
	Unit      string        `json:"unit,omitempty"`
	TotalT    float64       `json:"total_t"`
	Bases     []string      `json:"bases"`
	Countries []DemandShare `json:"countries"`
	// WorldTotal: total_t is a world total (the records include the rest of the world, XX, or
	// apparent consumption of every country the world layer covers); false: it is the sum of
	// the countries with a record, and their shares are not shares of world demand.
	WorldTotal bool         `json:"world_total"`
	Group      *GroupDemand `json:"group"`
	Note       string       `json:"note,omitempty"`
	Cypher     string       `json:"cypher"`
	BrowserURL string       `json:"browser_url"`
}

// Demand is the demand for mineral by country at year (nil: the latest year of its records):
// each country's latest DEMANDS record ≤ the year, its share of their sum, largest first
// (ties by country); with group, the group's members' sum and share. total_t is the sum of
// the countries that have a record, not a world total from elsewhere. KindNotFound for an
// unknown mineral or a group without members.
func (a *Analyses) Demand(ctx context.Context, mineral string, year *int64, group string) (DemandAnswer, error) {
	ans := DemandAnswer{Mineral: mineral, Countries: []DemandShare{}, Bases: []string{}}
	checks := []idCheck{{"mineral", mineral, []string{mineralmap.LabelMineral}, false}}
	if group != "" {
		checks = append(checks, idCheck{"group", mineralmap.GroupPrefix + group, nil, true})
	}
	r, _, err := a.resolve(ctx, checks...)
	if err != nil {
		return ans, err
	}
	d, err := a.demandsOf(ctx, mineral)
	if err != nil {
		return ans, err
	}
	d.yearly = true // apparent consumption is a year's balance: only its own year's counts
	ans.Unit = d.unit
	if year == nil {
		var latest int64
		for _, rs := range d.by {
			latest = max(latest, rs[len(rs)-1].Year)
		}
		if latest > 0 {
			ans.Year = &latest
		}
	} else {
		ans.Year = year
	}
	for c := range d.by {
		rec, ok := d.of(c, ans.Year)
		if !ok {
			continue
		}
		ans.Countries = append(ans.Countries, DemandShare{Country: c, VolumeT: rec.VolumeT, Basis: rec.Basis, Year: rec.Year, Source: rec.Source})
		ans.TotalT += rec.VolumeT
		if !slices.Contains(ans.Bases, rec.Basis) {
			ans.Bases = append(ans.Bases, rec.Basis)
		}
	}
	slices.Sort(ans.Bases)
	// A world total: the rest of the world on XX, or the world layer's apparent consumption, of
	// that very year.
	for _, c := range ans.Countries {
		sameYear := ans.Year != nil && c.Year == *ans.Year
		ans.WorldTotal = ans.WorldTotal || sameYear && (c.Country == mineralmap.OtherCountries || c.Basis == mineralmap.BasisApparent)
	}
	if len(ans.Countries) > 0 && !ans.WorldTotal {
		ans.Note = fmt.Sprintf("total_t is the sum of the %d countries with a %s demand record; no world total is recorded (no rest-of-world record on XX, no apparent consumption): the shares are not shares of world demand",
			len(ans.Countries), mineral)
	}
	slices.SortFunc(ans.Countries, func(a, b DemandShare) int {
		return cmp.Or(cmp.Compare(b.VolumeT, a.VolumeT), cmp.Compare(a.Country, b.Country))
	})
	for i := range ans.Countries {
		if ans.TotalT > 0 {
			ans.Countries[i].Share = ans.Countries[i].VolumeT / ans.TotalT
		}
	}
	if len(ans.Countries) == 0 {
		ans.Note = fmt.Sprintf("no %s demand record", mineral)
		if ans.Year != nil {
			ans.Note += fmt.Sprintf(" of %d or earlier", *ans.Year)
		}
	}
	if group != "" {
		ref := mineralmap.GroupPrefix + group
		members := r.members[ref]
		sum, _, missing, known := d.in(r, ref).total(members, ans.Year)
		g := &GroupDemand{Name: group, Members: members, Known: known, Missing: missing}
		if g.Missing == nil {
			g.Missing = []string{}
		}
		if known > 0 {
			g.VolumeT = &sum
			if ans.TotalT > 0 {
				share := sum / ans.TotalT
				g.Share = &share
			}
		}
		ans.Group = g
	}
	ans.Cypher = a.store.DemandCypher()
	ans.BrowserURL = a.browserURL(inline(`MATCH (c:Country)-[d:DEMANDS]->(m:Mineral {id: $mineral})
WHERE $year IS NULL OR d.year <= $year
RETURN c, d, m`, map[string]any{"mineral": mineral, "year": yearOrNil(ans.Year)}))
	return ans, nil
}

func yearOrNil(y *int64) any {
	if y == nil {
		return nil
	}
	return *y
}
