package analysis

import (
	"context"
	"math"

	"github.com/mineralmap/mineralmap"
)

// Share is one country's part of a stage's world total.
type Share struct {
	Country string  `json:"country"`
	VolumeT float64 `json:"volume_t"`
	Share   float64 `json:"share"`
}

// ConcentrationAnswer is GET /v1/minerals/{id}/concentration.
type ConcentrationAnswer struct {
	Mineral    string  `json:"mineral"`
	Stage      string  `json:"stage"`
	Year       *int64  `json:"year"`
	TotalT     float64 `json:"total_t"`
	Shares     []Share `json:"shares"`
	Top1       float64 `json:"top1"`
	Top3       float64 `json:"top3"`
	HHI        float64 `json:"hhi"`
	Cypher     string  `json:"cypher"`
	BrowserURL string  `json:"browser_url"`
}

// Concentration is the contract's concentration of mineral at stage ("mining": PRODUCES,
// "refining": REFINES) for year (nil: the latest year present): volume by the facility's
// country, shares of the total sorted by volume then country, top1, top3 and HHI (0–10 000).
// KindNotFound for an unknown mineral.
func (a *Analyses) Concentration(ctx context.Context, mineral, stage string, year *int64) (ConcentrationAnswer, error) {
	if _, err := a.requireLabel(ctx, "mineral", mineral, mineralmap.LabelMineral); err != nil {
		return ConcentrationAnswer{}, err
	}
	rel := mineralmap.RelProduces
	if stage == "refining" {
		rel = mineralmap.RelRefines
	}
	out, err := a.store.StageOutput(ctx, mineral, stage, year)
	if err != nil {
		return ConcentrationAnswer{}, err
	}
	ans := ConcentrationAnswer{Mineral: mineral, Stage: stage, Year: year, Shares: []Share{}, Cypher: out.Cypher}
	if out.Year != nil {
		ans.Year = out.Year
	}
	for _, v := range out.ByCountry {
		ans.Shares = append(ans.Shares, Share{Country: v.Country, VolumeT: v.VolumeT})
		ans.TotalT += v.VolumeT
	}
	for i := range ans.Shares {
		if ans.TotalT > 0 {
			ans.Shares[i].Share = ans.Shares[i].VolumeT / ans.TotalT
		}
		s := ans.Shares[i].Share
		ans.HHI += (s * 100) * (s * 100)
		if i == 0 {
			ans.Top1 = s
		}
		if i < 3 {
			ans.Top3 += s
		}
	}
	ans.HHI = math.Round(ans.HHI*100) / 100
	view := `MATCH (f:Facility)-[r:` + rel + `]->(m:Mineral {id: $mineral})`
	if ans.Year != nil {
		view += "\nWHERE r.year = " + cypherLiteral(int(*ans.Year))
	}
	view += "\nMATCH (f)-[l:LOCATED_IN]->(c:Country)\nRETURN m, r, f, l, c"
	ans.BrowserURL = a.browserURL(inline(view, map[string]any{"mineral": mineral}))
	return ans, nil
}
