package neo4j

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/supply"
)

//go:embed network.cypher
var networkCypher string

// networkStatements are network.cypher's five statements.
var networkStatements = strings.Split(strings.TrimSpace(networkCypher), ";\n")

// networkChunks is how many records each list of the M-network is cut into: enough to keep the
// driver's decoded records small, few enough that the per-record cost stays negligible.
const networkChunks = 32

// NetworkCypher is the Cypher that Network runs, shown in the analyses' answers.
func (s *Store) NetworkCypher() string { return networkCypher }

// NetworkStatements are the statements of NetworkCypher and their parameters for mineral, for
// PROFILE (bench/profile).
func NetworkStatements(mineral string) ([]string, map[string]any) {
	return networkStatements, map[string]any{"mineral": mineral, "chunks": networkChunks}
}

// Network reads the M-network of mineral with network.cypher, in one read transaction on a
// server at least as recent as after. It runs under the scan budget, not a request's: it is
// shared by every request that needs the network, is cached, and takes seconds on a large graph.
func (s *Store) Network(ctx context.Context, after mineralmap.Version, mineral string) (supply.Stored, error) {
	stmts, params := NetworkStatements(mineral)
	out, _, err := read(ctx, s, s.cfg.ScanTimeout, after, func(tx driver.ManagedTransaction) (supply.Stored, error) {
		// From scratch on every attempt: the driver retries transient failures.
		m := supply.Stored{Mineral: mineral}
		ref := map[int64]int32{} // internal id → node index
		err := stream(ctx, tx, stmts[0], params, func(r *driver.Record) error {
			l, err := lists(r, "ref", "id", "name", "country", "is_country", "dates", "pending")
			if err != nil {
				return err
			}
			refs, ids, names, countries, isCountry, dates, pending := l[0], l[1], l[2], l[3], l[4], l[5], l[6]
			for i := range refs {
				ref[refs[i].(int64)] = int32(len(m.Nodes))
				n := supply.Node{ID: ids[i].(string), Name: str(names[i]), Country: str(countries[i]), IsCountry: isCountry[i].(bool)}
				n.Pending, _ = pending[i].(bool)
				if d, ok := dates[i].([]any); ok && len(d) == 2 {
					n.Online, n.Closed = dateOf(d[0]), dateOf(d[1])
				}
				m.Nodes = append(m.Nodes, n)
			}
			return nil
		})
		if err != nil {
			return m, err
		}
		err = stream(ctx, tx, stmts[1], params, func(r *driver.Record) error {
			l, err := lists(r, "from", "to", "volume_t", "code")
			if err != nil {
				return err
			}
			from, to, vol, code := l[0], l[1], l[2], l[3]
			for i := range from {
				a, okA := ref[from[i].(int64)]
				b, okB := ref[to[i].(int64)]
				if !okA || !okB {
					// Committed between the two statements; the next version reads it whole.
					continue
				}
				c, _ := code[i].(int64)
				m.Edges = append(m.Edges, supply.Edge{From: a, To: b, Capacity: num(vol[i]), Year: int32(c / 16), Form: uint8(c / 4 % 4), Basis: uint8(c % 4)})
			}
			return nil
		})
		if err != nil {
			return m, err
		}
		err = stream(ctx, tx, stmts[2], params, func(r *driver.Record) error {
			v := r.AsMap()
			x := supply.Restriction{Measure: mineralmap.Measure{Country: str(v["country"]), Measure: str(v["measure"])}}
			if ts, ok := v["targets"].([]any); ok {
				for _, t := range ts {
					x.Targets = append(x.Targets, t.(string))
				}
			}
			x.From, x.Until = dateOf(v["from"]), dateOf(v["until"])
			if fs, ok := v["forms"].([]any); ok {
				for _, f := range fs {
					x.Forms = append(x.Forms, str(f))
				}
			}
			sf, _ := v["suspended_from"].([]any)
			su, _ := v["suspended_until"].([]any)
			for i := range min(len(sf), len(su)) {
				x.Suspended = append(x.Suspended, mineralmap.Interval{From: dateOf(sf[i]), Until: dateOf(su[i])})
			}
			m.Restrictions = append(m.Restrictions, x)
			return nil
		})
		if err != nil {
			return m, err
		}
		// Producers and financing of nodes outside the network (no M edge) do not matter.
		err = stream(ctx, tx, stmts[3], params, func(r *driver.Record) error {
			l, err := lists(r, "ref", "planned_from")
			if err != nil {
				return err
			}
			for i, p := range l[0] {
				if at, ok := ref[p.(int64)]; ok {
					from, _ := l[1][i].(int64)
					m.Producers = append(m.Producers, at)
					m.ProducerFrom = append(m.ProducerFrom, int32(from))
				}
			}
			return nil
		})
		if err != nil {
			return m, err
		}
		err = stream(ctx, tx, stmts[4], params, func(r *driver.Record) error {
			l, err := lists(r, "ref", "agreement")
			if err != nil {
				return err
			}
			facilities, agreements := l[0], l[1]
			for i, f := range facilities {
				if at, ok := ref[f.(int64)]; ok {
					if m.Financed == nil {
						m.Financed = map[int32][]string{}
					}
					m.Financed[at] = append(m.Financed[at], agreements[i].(string))
				}
			}
			return nil
		})
		return m, err
	})
	if err != nil {
		return supply.Stored{}, err
	}
	return out, nil
}

// lists are the list values of a record under keys, in that order.
func lists(r *driver.Record, keys ...string) ([][]any, error) {
	out := make([][]any, len(keys))
	for i, k := range keys {
		l, err := value[[]any](r, k)
		if err != nil {
			return nil, err
		}
		out[i] = l
	}
	return out, nil
}

// stream runs one statement and hands its records to each as they arrive.
func stream(ctx context.Context, tx driver.ManagedTransaction, cypher string, params map[string]any, each func(*driver.Record) error) error {
	r, err := tx.Run(ctx, cypher, params)
	if err != nil {
		return err
	}
	for r.Next(ctx) {
		if err := each(r.Record()); err != nil {
			return err
		}
	}
	return r.Err()
}

func dateOf(v any) time.Time {
	if d, ok := v.(dbtype.Date); ok {
		return time.Time(d)
	}
	return time.Time{}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return 0
}

// Profile runs one read statement under PROFILE and returns how many records it gave and
// Neo4j's plan (bench/profile).
func (s *Store) Profile(ctx context.Context, cypher string, params map[string]any) (int, PlanStep, error) {
	sess := s.session(ctx, driver.AccessModeRead, "")
	defer sess.Close(ctx)
	r, err := sess.Run(ctx, "PROFILE "+cypher, params)
	if err != nil {
		return 0, PlanStep{}, classify(err, "profile")
	}
	records := 0
	for r.Next(ctx) {
		records++
	}
	if err := r.Err(); err != nil {
		return records, PlanStep{}, classify(err, "profile")
	}
	sum, err := r.Consume(ctx)
	if err != nil {
		return records, PlanStep{}, classify(err, "profile")
	}
	p := sum.Profile()
	if p == nil {
		return records, PlanStep{}, fmt.Errorf("profile: Neo4j returned no plan")
	}
	return records, planOf(p), nil
}

// PlanStep is one operator of a profiled plan.
type PlanStep struct {
	Operator      string
	Records, Hits int64
	Children      []PlanStep
}

func planOf(p driver.ProfiledPlan) PlanStep {
	step := PlanStep{Operator: p.Operator(), Records: p.Records(), Hits: p.DbHits()}
	for _, c := range p.Children() {
		step.Children = append(step.Children, planOf(c))
	}
	return step
}
