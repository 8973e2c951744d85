package analysis

import (
	"context"
	"math"
	"slices"

	"github.com/mineralmap/mineralmap"
)

// Share is one country's part of a stage's world total.
type Share struct {
	Country  string   `json:"country"`
	VolumeT  float64  `json:"volume_t"`
	Share    float64  `json:"share"`
	National bool     `json:"national"` // a national total; else the sum of the country's facilities
	Bases    []string `json:"bases"`
}

// ConcentrationAnswer is GET /v1/minerals/{id}/concentration.
type ConcentrationAnswer struct {
	Mineral    string   `json:"mineral"`
	Stage      string   `json:"stage"`
	Year       *int64   `json:"year"`
	Unit       string   `json:"unit"`
	Bases      []string `json:"bases"` // the bases of the records counted
	TotalT     float64  `json:"total_t"`
	Shares     []Share  `json:"shares"`
	Top1       float64  `json:"top1"`
	Top3       float64  `json:"top3"`
	HHI        float64  `json:"hhi"`
	Cypher     string   `json:"cypher"`
	BrowserURL string   `json:"browser_url"`
}

// Concentration is the contract's concentration of mineral at stage ("mining": PRODUCES,
// "refining": REFINES) for year (nil: the latest year present): volume by the facility's
// country, shares of the total sorted by volume then country, top1, top3 and HHI (0–10 000).
// KindNotFound for an unknown mineral.
func (a *Analyses) Concentration(ctx context.Context, mineral, stage string, year *int64, bases []string) (ConcentrationAnswer, error) {
	if _, err := a.requireLabel(ctx, "mineral", mineral, mineralmap.LabelMineral); err != nil {
		return ConcentrationAnswer{}, err
	}
	rel := mineralmap.RelProduces
	if stage == "refining" {
		rel = mineralmap.RelRefines
	}
	out, err := a.store.StageOutput(ctx, mineral, stage, year, bases)
	if err != nil {
		return ConcentrationAnswer{}, err
	}
	ans := ConcentrationAnswer{Mineral: mineral, Stage: stage, Year: year, Unit: out.Unit, Bases: []string{}, Shares: []Share{}, Cypher: out.Cypher}
	if out.Year != nil {
		ans.Year = out.Year
	}
	for _, v := range out.ByCountry {
		ans.Shares = append(ans.Shares, Share{Country: v.Country, VolumeT: v.VolumeT, National: v.National, Bases: slices.Clip(v.Bases)})
		if ans.Shares[len(ans.Shares)-1].Bases == nil {
			ans.Shares[len(ans.Shares)-1].Bases = []string{}
		}
		ans.TotalT += v.VolumeT
		for _, b := range v.Bases {
			if !slices.Contains(ans.Bases, b) {
				ans.Bases = append(ans.Bases, b)
			}
		}
	}
	ranked := 0 // countries ranked so far: XX, other countries, is not one country
	for i := range ans.Shares {
		if ans.TotalT > 0 {
			ans.Shares[i].Share = ans.Shares[i].VolumeT / ans.TotalT
		}
		if ans.Shares[i].Country == mineralmap.OtherCountries {
			continue
		}
		s := ans.Shares[i].Share
		ans.HHI += (s * 100) * (s * 100)
		if ranked == 0 {
			ans.Top1 = s
		}
		if ranked < 3 {
			ans.Top3 += s
		}
		ranked++
	}
	ans.HHI = math.Round(ans.HHI*100) / 100
	slices.Sort(ans.Bases)
	// Browser draws the national totals and the facilities' records of the year.
	view := `MATCH (n:Facility|Country)-[r:` + rel + `]->(m:Mineral {id: $mineral})`
	if ans.Year != nil {
		view += "\nWHERE r.year = " + cypherLiteral(int(*ans.Year))
	}
	view += "\nOPTIONAL MATCH (n)-[l:LOCATED_IN]->(c:Country)\nRETURN m, r, n, l, c"
	ans.BrowserURL = a.browserURL(inline(view, map[string]any{"mineral": mineral}))
	return ans, nil
}
