package neo4j

import (
	"context"
	_ "embed"
	"strings"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/quality"
)

//go:embed quality.cypher
var qualityCypher string

var qualityStatements = strings.Split(strings.TrimSpace(qualityCypher), ";\n")

// QualityCypher is the Cypher QualityInput runs.
func (s *Store) QualityCypher() string { return qualityCypher }

// QualityInput reads every record of mineral for the quality report, in one read transaction
// under the scan budget. A mineral that is not stored is KindNotFound.
func (s *Store) QualityInput(ctx context.Context, mineral string) (quality.Input, error) {
	params := map[string]any{"mineral": mineral}
	in, _, err := read(ctx, s, s.cfg.ScanTimeout, "", func(tx driver.ManagedTransaction) (quality.Input, error) {
		in := quality.Input{Mineral: mineral}
		found := false
		err := stream(ctx, tx, qualityStatements[0], params, func(r *driver.Record) error {
			found = true
			in.Unit, _, _ = driver.GetRecordValue[string](r, "unit")
			in.HasSource, _, _ = driver.GetRecordValue[bool](r, "has_source")
			return nil
		})
		if err != nil {
			return in, err
		}
		if !found {
			return in, mineralmap.Errorf(mineralmap.KindNotFound, "no mineral has the id %q", mineral)
		}
		index := map[string]int32{}
		err = stream(ctx, tx, qualityStatements[1], params, func(r *driver.Record) error {
			v := r.AsMap()
			n := quality.Node{ID: str(v["id"]), Name: str(v["name"]), Country: str(v["country"])}
			n.IsCountry, _ = v["is_country"].(bool)
			n.HasSource, _ = v["has_source"].(bool)
			if d, ok := v["dates"].([]any); ok && len(d) == 2 {
				n.Online, n.Closed = dateOf(d[0]), dateOf(d[1])
			}
			if _, dup := index[n.ID]; !dup {
				index[n.ID] = int32(len(in.Nodes))
				in.Nodes = append(in.Nodes, n)
			}
			return nil
		})
		if err != nil {
			return in, err
		}
		err = stream(ctx, tx, qualityStatements[2], params, func(r *driver.Record) error {
			v := r.AsMap()
			a, okA := index[str(v["from"])]
			b, okB := index[str(v["to"])]
			if !okA || !okB {
				return nil
			}
			hs, _ := v["has_source"].(bool)
			in.Supplies = append(in.Supplies, quality.Supply{From: a, To: b, Form: str(v["form"]), Basis: str(v["basis"]),
				Year: int64(num(v["year"])), VolumeT: num(v["volume_t"]), HasSource: hs})
			return nil
		})
		if err != nil {
			return in, err
		}
		err = stream(ctx, tx, qualityStatements[3], params, func(r *driver.Record) error {
			v := r.AsMap()
			n, ok := index[str(v["node"])]
			if !ok {
				return nil
			}
			refines, _ := v["refines"].(bool)
			hs, _ := v["has_source"].(bool)
			o := quality.Output{Node: n, Refines: refines, Basis: str(v["basis"]),
				Year: int64(num(v["year"])), VolumeT: num(v["volume_t"]), HasSource: hs}
			if rep, ok := v["replaced"].([]any); ok && len(rep) == 3 && rep[0] != nil {
				o.Replaced = &quality.Replaced{VolumeT: num(rep[0]), Basis: str(rep[1]), Source: str(rep[2])}
			}
			in.Outputs = append(in.Outputs, o)
			return nil
		})
		if err != nil {
			return in, err
		}
		err = stream(ctx, tx, qualityStatements[4], params, func(r *driver.Record) error {
			v := r.AsMap()
			hs, _ := v["has_source"].(bool)
			in.Restrictions = append(in.Restrictions, quality.Restriction{Country: str(v["country"]), Measure: str(v["measure"]),
				From: dateOf(v["from"]), HasSource: hs})
			return nil
		})
		if err != nil {
			return in, err
		}
		err = stream(ctx, tx, qualityStatements[5], params, func(r *driver.Record) error {
			v := r.AsMap()
			hs, _ := v["has_source"].(bool)
			in.Demands = append(in.Demands, quality.Demand{Country: str(v["country"]), Year: int64(num(v["year"])),
				VolumeT: num(v["volume_t"]), Basis: str(v["basis"]), HasSource: hs})
			return nil
		})
		return in, err
	})
	return in, err
}

// MineralIDs lists the stored minerals' ids, sorted.
func (s *Store) MineralIDs(ctx context.Context) ([]string, error) {
	ids, err := collect(ctx, s, `MATCH (m:Mineral) RETURN m.id AS id ORDER BY id`, nil, func(r *driver.Record) (string, error) {
		return value[string](r, "id")
	})
	if ids == nil {
		ids = []string{}
	}
	return ids, err
}
