package neo4j

import (
	"context"
	"slices"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/mineralmap/mineralmap/analysis"
)

// demandCypher reads every DEMANDS record of a mineral (contract section 7): one per country
// and year, a few thousand at most on the world layer.
const demandCypher = `MATCH (c:Country)-[d:DEMANDS]->(m:Mineral {id: $mineral})
RETURN c.id AS country, d.volume_t AS volume_t, d.year AS year,
       coalesce(d.basis, 'estimated') AS basis, d.source AS source, m.unit AS unit
ORDER BY country, year`

// groupCypher lists the countries of a group (contract section 7): those whose groups name it,
// and, for a member that is itself a bloc named as a group (the EU), that bloc's members.
const groupCypher = `MATCH (c:Country) WHERE $group IN c.groups
OPTIONAL MATCH (m:Country) WHERE c.id IN m.groups
WITH c, collect(m.id) AS states
RETURN collect(c.id) AS direct, collect(CASE WHEN size(states) > 0 THEN {bloc: c.id, states: states} END) AS blocs`

// DemandCypher is the Cypher Demands runs, shown in answers.
func (s *Store) DemandCypher() string { return demandCypher }

// Demands reads the DEMANDS records of mineral (see analysis.Store).
func (s *Store) Demands(ctx context.Context, mineral string) (analysis.Demands, error) {
	out := analysis.Demands{Records: []analysis.DemandRecord{}}
	rows, err := collect(ctx, s, demandCypher, map[string]any{"mineral": mineral}, func(r *driver.Record) (analysis.DemandRecord, error) {
		country, err := value[string](r, "country")
		if err != nil {
			return analysis.DemandRecord{}, err
		}
		d := analysis.DemandRecord{Country: country}
		v, _ := r.Get("volume_t")
		d.VolumeT = num(v)
		if y, isNil, err := driver.GetRecordValue[int64](r, "year"); err == nil && !isNil {
			d.Year = y
		}
		d.Basis, _ = value[string](r, "basis")
		d.Source, _ = value[string](r, "source")
		if u, isNil, err := driver.GetRecordValue[string](r, "unit"); err == nil && !isNil {
			out.Unit = u
		}
		return d, nil
	})
	out.Records = append(out.Records, rows...)
	return out, err
}

// GroupMembers reads the countries of group (see analysis.Store); none: no such group.
func (s *Store) GroupMembers(ctx context.Context, group string) (analysis.Group, error) {
	rows, err := collect(ctx, s, groupCypher, map[string]any{"group": group}, func(r *driver.Record) (analysis.Group, error) {
		g := analysis.Group{Blocs: map[string][]string{}}
		direct, _, err := driver.GetRecordValue[[]any](r, "direct")
		if err != nil {
			return g, err
		}
		for _, x := range direct {
			g.Members = append(g.Members, str(x))
		}
		blocs, _, err := driver.GetRecordValue[[]any](r, "blocs")
		if err != nil {
			return g, err
		}
		for _, b := range blocs {
			m, _ := b.(map[string]any)
			states, _ := m["states"].([]any)
			for _, st := range states {
				g.Blocs[str(m["bloc"])] = append(g.Blocs[str(m["bloc"])], str(st))
				g.Members = append(g.Members, str(st))
			}
		}
		slices.Sort(g.Members)
		g.Members = slices.Compact(g.Members)
		return g, nil
	})
	if err != nil || len(rows) == 0 {
		return analysis.Group{}, err
	}
	return rows[0], nil
}

// facilityOutputsCypher reads the PRODUCES and REFINES records of a mineral's facilities.
const facilityOutputsCypher = `MATCH (f:Facility)-[r:PRODUCES|REFINES]->(:Mineral {id: $mineral})
RETURN f.id AS facility, type(r) = 'REFINES' AS refines, r.volume_t AS volume_t, coalesce(r.year, 0) AS year,
       coalesce(r.basis, 'estimated') AS basis
ORDER BY facility, year`

// FacilityOutputs reads the facilities' PRODUCES and REFINES records of mineral (see analysis.Store).
func (s *Store) FacilityOutputs(ctx context.Context, mineral string) ([]analysis.FacilityOutput, error) {
	return collect(ctx, s, facilityOutputsCypher, map[string]any{"mineral": mineral}, func(r *driver.Record) (analysis.FacilityOutput, error) {
		f, err := value[string](r, "facility")
		if err != nil {
			return analysis.FacilityOutput{}, err
		}
		o := analysis.FacilityOutput{Facility: f}
		o.Refines, _ = value[bool](r, "refines")
		v, _ := r.Get("volume_t")
		o.VolumeT = num(v)
		o.Year, _ = value[int64](r, "year")
		o.Basis, _ = value[string](r, "basis")
		return o, nil
	})
}
