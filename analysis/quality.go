package analysis

import (
	"context"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/quality"
)

// QualityAnswer is GET /v1/quality: one report per mineral (contract section 6).
type QualityAnswer struct {
	Reports []quality.Report
	Cypher  string
}

// Quality reports on mineral (empty: every stored mineral, sorted) at year (nil: each
// mineral's latest). KindNotFound for an unknown mineral.
func (a *Analyses) Quality(ctx context.Context, mineral string, year *int64) (QualityAnswer, error) {
	ids := []string{mineral}
	if mineral == "" {
		var err error
		if ids, err = a.store.MineralIDs(ctx); err != nil {
			return QualityAnswer{}, err
		}
	}
	ans := QualityAnswer{Reports: []quality.Report{}, Cypher: a.store.QualityCypher()}
	today := mineralmap.Today()
	for _, id := range ids {
		in, err := a.store.QualityInput(ctx, id)
		if err != nil {
			return QualityAnswer{}, err
		}
		ans.Reports = append(ans.Reports, quality.Check(in, year, today))
	}
	return ans, nil
}
