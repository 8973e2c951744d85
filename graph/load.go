package graph

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// LoadResult holds Neo4j's counters for one document.
type LoadResult struct {
	NodesCreated         int64 `json:"nodes_created"`
	RelationshipsCreated int64 `json:"relationships_created"`
	PropertiesSet        int64 `json:"properties_set"`
	Rows                 int64 `json:"rows"`
}

// Progress is told how many of a document's rows are written so far.
type Progress func(done, total int64)

// batchSize rows go to Neo4j in one UNWIND.
const batchSize = 5000

// setChanged sets an entity's properties from row.props only when one differs, so a reload of the
// same document reports no properties set. SET += keeps properties the document does not mention.
func setChanged(v string) string {
	return fmt.Sprintf(`
WITH *
CALL (%[1]s, row) {
  WITH %[1]s, row WHERE any(k IN keys(row.props) WHERE %[1]s[k] IS NULL OR %[1]s[k] <> row.props[k])
  SET %[1]s += row.props
}`, v)
}

// upsert holds the Cypher for each section. Labels and types are fixed here; values are
// parameters.
var upsertNode = map[string]string{
	LabelCountry: `UNWIND $rows AS row MERGE (n:Country {id: row.id})` + setChanged("n"),
	LabelMineral: `UNWIND $rows AS row MERGE (n:Mineral {id: row.id})` + setChanged("n"),
	LabelFacility: `UNWIND $rows AS row
MERGE (n:Facility {id: row.id})` + setChanged("n") + `
WITH n, row
MATCH (c:Country {id: row.props.country})
MERGE (n)-[:LOCATED_IN]->(c)
WITH n, c
OPTIONAL MATCH (n)-[old:LOCATED_IN]->(o:Country) WHERE o <> c
DELETE old`,
	LabelAgreement: `UNWIND $rows AS row
MERGE (n:Agreement {id: row.id})` + setChanged("n") + `
WITH n, row
CALL (n, row) {
  UNWIND coalesce(row.props.parties, []) AS party
  MATCH (c:Country {id: party})
  MERGE (c)-[:PARTY_TO]->(n)
}`,
}

// upsertSupplies is keyed by the labels at both ends, so each MATCH uses a uniqueness index.
var upsertSupplies = map[[2]string]string{}

func init() {
	for _, a := range []string{LabelFacility, LabelCountry} {
		for _, b := range []string{LabelFacility, LabelCountry} {
			upsertSupplies[[2]string{a, b}] = fmt.Sprintf(`UNWIND $rows AS row
MATCH (a:%s {id: row.from})
MATCH (b:%s {id: row.to})
MERGE (a)-[r:SUPPLIES {mineral: row.mineral}]->(b)`, a, b) + setChanged("r")
		}
	}
}

var upsertRel = map[string]string{
	RelProduces: `UNWIND $rows AS row
MATCH (f:Facility {id: row.facility}) MATCH (m:Mineral {id: row.mineral})
MERGE (f)-[r:PRODUCES]->(m)` + setChanged("r"),
	RelRefines: `UNWIND $rows AS row
MATCH (f:Facility {id: row.facility}) MATCH (m:Mineral {id: row.mineral})
MERGE (f)-[r:REFINES]->(m)` + setChanged("r"),
	RelRestricts: `UNWIND $rows AS row
MATCH (c:Country {id: row.country}) MATCH (m:Mineral {id: row.mineral})
MERGE (c)-[r:RESTRICTS {measure: row.measure, from: row.from}]->(m)` + setChanged("r"),
	RelFinances: `UNWIND $rows AS row
MATCH (a:Agreement {id: row.agreement}) MATCH (f:Facility {id: row.facility})
MERGE (a)-[r:FINANCES]->(f)` + setChanged("r"),
}

// Load validates the whole document, then writes it in one transaction: all of it or none.
// It returns KindMalformed or KindInvalid (with every problem) for a bad document and
// KindUnavailable or KindTimeout when Neo4j fails; on any error nothing is stored.
func (s *Store) Load(ctx context.Context, src Source, progress Progress) (LoadResult, error) {
	p, err := validate(ctx, src, s.LookupLabels)
	if err != nil {
		return LoadResult{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.WriteTimeout)
	defer cancel()
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(context.WithoutCancel(ctx))
	// Loads are idempotent upserts in one transaction, so a retry after a transient failure
	// (a deadlock with a concurrent load, a leader switch) is safe.
	out, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		return writeDocument(ctx, tx, src, p, progress)
	}, neo4j.WithTxTimeout(s.cfg.WriteTimeout))
	if err != nil {
		return LoadResult{}, classify(err, "load")
	}
	return out.(LoadResult), nil
}

// writeDocument streams the document twice inside tx: nodes first, then relationships.
func writeDocument(ctx context.Context, tx neo4j.ManagedTransaction, src Source, p *plan, progress Progress) (LoadResult, error) {
	res := LoadResult{Rows: p.rows}
	var done int64
	run := func(cypher string, rows []any) error {
		if len(rows) == 0 {
			return nil
		}
		r, err := tx.Run(ctx, cypher, map[string]any{"rows": rows})
		if err != nil {
			return err
		}
		sum, err := r.Consume(ctx)
		if err != nil {
			return err
		}
		c := sum.Counters()
		res.NodesCreated += int64(c.NodesCreated())
		res.RelationshipsCreated += int64(c.RelationshipsCreated())
		res.PropertiesSet += int64(c.PropertiesSet())
		done += int64(len(rows))
		if progress != nil {
			progress(done, p.rows)
		}
		return nil
	}
	// Batches keyed by the Cypher that writes them; a batch is flushed when full and at the end.
	batches := map[string][]any{}
	var order []string
	add := func(cypher string, row Row) error {
		if _, ok := batches[cypher]; !ok {
			order = append(order, cypher)
		}
		batches[cypher] = append(batches[cypher], map[string]any(row))
		if len(batches[cypher]) >= batchSize {
			err := run(cypher, batches[cypher])
			batches[cypher] = batches[cypher][:0]
			return err
		}
		return nil
	}
	flush := func() error {
		for _, c := range order {
			if err := run(c, batches[c]); err != nil {
				return err
			}
			batches[c] = batches[c][:0]
		}
		return nil
	}
	pass := func(want map[string]bool, cypherFor func(Entry) string) error {
		r, err := src()
		if err != nil {
			return err
		}
		defer r.Close()
		var probs problems // validated already; a problem here means the source changed
		if err := scanDocument(r, want, &probs, func(e Entry) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return add(cypherFor(e), e.Row)
		}); err != nil {
			return err
		}
		if err := probs.err(); err != nil {
			return fmt.Errorf("the document changed while it was loaded: %w", err)
		}
		return flush()
	}
	nodeSections := map[string]bool{"countries": true, "minerals": true, "facilities": true, "agreements": true}
	if err := pass(nodeSections, func(e Entry) string { return upsertNode[e.Section.label] }); err != nil {
		return res, err
	}
	relSections := map[string]bool{"supplies": true, "produces": true, "refines": true, "restricts": true, "finances": true}
	err := pass(relSections, func(e Entry) string {
		if e.Section.rel == RelSupplies {
			from, to := p.labels[e.Row["from"].(string)], p.labels[e.Row["to"].(string)]
			return upsertSupplies[[2]string{from, to}]
		}
		return upsertRel[e.Section.rel]
	})
	return res, err
}

// LookupLabels answers the label of each stored id among ids.
func (s *Store) LookupLabels(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	const chunk = 10000
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		res, err := s.Read(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			r, err := tx.Run(ctx, `UNWIND $ids AS id
CALL (id) {
  MATCH (n:Country {id: id}) RETURN 'Country' AS label
  UNION MATCH (n:Mineral {id: id}) RETURN 'Mineral' AS label
  UNION MATCH (n:Facility {id: id}) RETURN 'Facility' AS label
  UNION MATCH (n:Agreement {id: id}) RETURN 'Agreement' AS label
}
RETURN id, label`, map[string]any{"ids": part})
			if err != nil {
				return nil, err
			}
			return r.Collect(ctx)
		})
		if err != nil {
			return nil, err
		}
		for _, rec := range res.([]*neo4j.Record) {
			out[rec.Values[0].(string)] = rec.Values[1].(string)
		}
	}
	return out, nil
}

// DeleteAll removes every node this service manages (and so their relationships), in batches
// so that a large graph does not need one huge transaction. It returns the nodes deleted.
func (s *Store) DeleteAll(ctx context.Context) (int64, error) {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(context.WithoutCancel(ctx))
	var total int64
	for _, label := range NodeLabels {
		// CALL … IN TRANSACTIONS needs an auto-commit transaction, hence Run.
		r, err := sess.Run(ctx, fmt.Sprintf(`MATCH (n:%s) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`, label), nil)
		if err != nil {
			return total, classify(err, "delete graph")
		}
		sum, err := r.Consume(ctx)
		if err != nil {
			return total, classify(err, "delete graph")
		}
		total += int64(sum.Counters().NodesDeleted())
	}
	return total, nil
}
