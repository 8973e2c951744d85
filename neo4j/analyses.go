package neo4j

import (
	"context"
	_ "embed"
	"slices"
	"strings"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
)

// The reads of the analyses besides the M-network (network.go); Store implements analysis.Store.
var _ analysis.Store = (*Store)(nil)

var (
	//go:embed concentration_mining.cypher
	concentrationMiningCypher string
	//go:embed concentration_refining.cypher
	concentrationRefiningCypher string
	//go:embed exposure_minerals.cypher
	exposureMineralsTemplate string

	// exposureMinerals is exposure_minerals.cypher per consumer label.
	exposureMinerals = map[string]string{
		mineralmap.LabelCountry:  labelled(exposureMineralsTemplate, mineralmap.LabelCountry),
		mineralmap.LabelFacility: labelled(exposureMineralsTemplate, mineralmap.LabelFacility),
	}
)

// labelled puts label (from code) where the template says (c:LABEL …); a template without
// that pattern is a bug caught at start.
func labelled(template, label string) string {
	if !strings.Contains(template, "(c:LABEL ") {
		panic("exposure_minerals.cypher: no (c:LABEL …) pattern to put the consumer's label in")
	}
	return strings.Replace(template, "(c:LABEL ", "(c:"+label+" ", 1)
}

// StageOutput reads the output of mineral at stage by the facilities' country (see
// analysis.Store).
func (s *Store) StageOutput(ctx context.Context, mineral, stage string, year *int64, bases []string) (analysis.Outputs, error) {
	cypher := concentrationMiningCypher
	if stage == "refining" {
		cypher = concentrationRefiningCypher
	}
	params := map[string]any{"mineral": mineral, "year": nil, "bases": nil}
	if year != nil {
		params["year"] = *year
	}
	if len(bases) > 0 {
		params["bases"] = slices.Clone(bases)
	}
	out := analysis.Outputs{Cypher: cypher, ByCountry: []analysis.CountryVolume{}}
	rows, err := collect(ctx, s, cypher, params, func(r *driver.Record) (analysis.CountryVolume, error) {
		if y, isNil, err := driver.GetRecordValue[int64](r, "year"); err == nil && !isNil {
			out.Year = &y
		}
		country, err := value[string](r, "country")
		if err != nil {
			return analysis.CountryVolume{}, err
		}
		if u, isNil, err := driver.GetRecordValue[string](r, "unit"); err == nil && !isNil {
			out.Unit = u
		}
		v, _ := r.Get("volume_t")
		cv := analysis.CountryVolume{Country: country, VolumeT: num(v)}
		cv.National, _, _ = driver.GetRecordValue[bool](r, "national")
		if bs, _, err := driver.GetRecordValue[[]any](r, "bases"); err == nil {
			for _, b := range bs {
				cv.Bases = append(cv.Bases, str(b))
			}
		}
		return cv, nil
	})
	if err != nil {
		return out, err
	}
	out.ByCountry = append(out.ByCountry, rows...)
	return out, nil
}

// MineralsReceived lists the minerals of the SUPPLIES edges into consumer (see analysis.Store).
func (s *Store) MineralsReceived(ctx context.Context, consumer, label string) ([]string, error) {
	cypher, ok := exposureMinerals[label]
	if !ok {
		return nil, mineralmap.Errorf(mineralmap.KindInternal, "no consumer of label %q", label)
	}
	minerals, err := collect(ctx, s, cypher, map[string]any{"consumer": consumer}, func(r *driver.Record) (string, error) {
		return value[string](r, "mineral")
	})
	if minerals == nil {
		minerals = []string{}
	}
	return minerals, err
}

// CountryNames names the stored countries among ids (see analysis.Store).
func (s *Store) CountryNames(ctx context.Context, ids []string) (map[string]string, error) {
	type named struct{ id, name string }
	rows, err := collect(ctx, s, `UNWIND $ids AS id MATCH (c:Country {id: id}) RETURN c.id AS id, c.name AS name`,
		map[string]any{"ids": slices.Clone(ids)}, func(r *driver.Record) (named, error) {
			id, err := value[string](r, "id")
			if err != nil {
				return named{}, err
			}
			name, err := value[string](r, "name")
			return named{id, name}, err
		})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.id] = r.name
	}
	return out, nil
}
