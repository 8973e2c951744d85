package graph

import (
	"context"
	"fmt"
	"slices"
	"strings"

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
// parameters. Nodes MERGE on their unique id. Relationships are matched with OPTIONAL MATCH and
// created when missing instead of MERGEd: relationship MERGE grows quadratically with the
// relationships a transaction has created (measured: 1,000 rows 0.26 s, 3,000 rows 1.66 s),
// while this form stays linear. Without MERGE's locking, two loads could create the same
// relationship at once, so loads take the load lock first (see lockLoads) and run one at a time.
var upsertNode = map[string]string{
	LabelCountry: `UNWIND $rows AS row MERGE (n:Country {id: row.id})` + setChanged("n"),
	LabelMineral: `UNWIND $rows AS row MERGE (n:Mineral {id: row.id})` + setChanged("n"),
	LabelFacility: `UNWIND $rows AS row
MERGE (n:Facility {id: row.id})` + setChanged("n") + `
WITH n, row
MATCH (c:Country {id: row.props.country})
OPTIONAL MATCH (n)-[l:LOCATED_IN]->(:Country)
WITH n, c, collect(l) AS links
CALL (n, c, links) {
  WITH * WHERE none(l IN links WHERE endNode(l) = c)
  CREATE (n)-[:LOCATED_IN]->(c)
}
CALL (c, links) {
  UNWIND links AS l
  WITH l, c WHERE endNode(l) <> c
  DELETE l
}`,
	LabelAgreement: `UNWIND $rows AS row
MERGE (n:Agreement {id: row.id})` + setChanged("n") + `
WITH n, row
CALL (n, row) {
  UNWIND coalesce(row.props.parties, []) AS party
  MATCH (c:Country {id: party})
  MERGE (c)-[:PARTY_TO]->(n)
}`,
}

// upsertRelationship writes the Cypher that upserts relationships of type rel from a to b (node
// patterns with labels from code), identified by the key properties besides its ends.
func upsertRelationship(a, b, rel string, keys ...string) string {
	match, create := "true", ""
	for i, k := range keys {
		if i > 0 {
			create += ", "
		}
		match += fmt.Sprintf(" AND x.%[1]s = row.%[1]s", k)
		create += fmt.Sprintf("%[1]s: row.%[1]s", k)
	}
	// The key properties are compared after the expansion, not in the pattern: with them in
	// the pattern the planner may choose the SUPPLIES(mineral) index when its statistics are
	// stale, and scan every edge of the mineral for each row (seen: 40k rows in 144 s).
	return fmt.Sprintf(`UNWIND $rows AS row
MATCH %s
MATCH %s
OPTIONAL MATCH (a)-[x:%s]->(b)
WITH a, b, row, [x IN collect(x) WHERE %s][0] AS r
CALL (a, b, r, row) {
  WITH * WHERE r IS NULL
  CREATE (a)-[n:%s {%s}]->(b) SET n += row.props
}
WITH r, row WHERE r IS NOT NULL`, a, b, rel, match, rel, create) + setChanged("r")
}

// createRelationship writes the Cypher that creates relationships whose start or end node is
// new in this load, so none can exist yet: no lookup needed. Reading relationships inside a
// transaction that has created many was the slow part of loads (per-row cost grew with the
// relationships created so far), so the common case of a new graph never reads them.
func createRelationship(a, b, rel string, keys ...string) string {
	create := ""
	for i, k := range keys {
		if i > 0 {
			create += ", "
		}
		create += fmt.Sprintf("%[1]s: row.%[1]s", k)
	}
	return fmt.Sprintf(`UNWIND $rows AS row
MATCH %s
MATCH %s
CREATE (a)-[n:%s {%s}]->(b) SET n += row.props`, a, b, rel, create)
}

// relWriter holds the two Cypher forms for one relationship section and the fields naming its
// start and end node.
type relWriter struct {
	upsert, create string
	ends           [2]string
}

// relWriters is keyed by section name; SUPPLIES also by the labels at both ends, so that each
// MATCH uses a uniqueness index.
var relWriters = map[string]relWriter{}

func addRelWriter(key string, a, b, rel string, ends [2]string, keys ...string) {
	relWriters[key] = relWriter{upsert: upsertRelationship(a, b, rel, keys...), create: createRelationship(a, b, rel, keys...), ends: ends}
}

func suppliesKey(from, to string) string { return "supplies:" + from + ":" + to }

func init() {
	for _, a := range []string{LabelFacility, LabelCountry} {
		for _, b := range []string{LabelFacility, LabelCountry} {
			addRelWriter(suppliesKey(a, b), fmt.Sprintf("(a:%s {id: row.from})", a), fmt.Sprintf("(b:%s {id: row.to})", b),
				RelSupplies, [2]string{"from", "to"}, "mineral")
		}
	}
	addRelWriter("produces", "(a:Facility {id: row.facility})", "(b:Mineral {id: row.mineral})", RelProduces, [2]string{"facility", "mineral"})
	addRelWriter("refines", "(a:Facility {id: row.facility})", "(b:Mineral {id: row.mineral})", RelRefines, [2]string{"facility", "mineral"})
	addRelWriter("restricts", "(a:Country {id: row.country})", "(b:Mineral {id: row.mineral})", RelRestricts, [2]string{"country", "mineral"}, "measure", "from")
	addRelWriter("finances", "(a:Agreement {id: row.agreement})", "(b:Facility {id: row.facility})", RelFinances, [2]string{"agreement", "facility"})
}

// createNode is the Cypher for nodes new in this load (see createRelationship).
var createNode = map[string]string{
	LabelCountry: `UNWIND $rows AS row CREATE (n:Country {id: row.id}) SET n += row.props`,
	LabelMineral: `UNWIND $rows AS row CREATE (n:Mineral {id: row.id}) SET n += row.props`,
	LabelFacility: `UNWIND $rows AS row CREATE (n:Facility {id: row.id}) SET n += row.props
WITH n, row
MATCH (c:Country {id: row.props.country})
CREATE (n)-[:LOCATED_IN]->(c)`,
	LabelAgreement: `UNWIND $rows AS row CREATE (n:Agreement {id: row.id}) SET n += row.props
WITH n, row
CALL (n, row) {
  UNWIND coalesce(row.props.parties, []) AS party
  MATCH (c:Country {id: party})
  CREATE (c)-[:PARTY_TO]->(n)
}`,
}

// lookupCypher answers the label of each stored id among $ids.
const lookupCypher = `UNWIND $ids AS id
CALL (id) {
  MATCH (n:Country {id: id}) RETURN 'Country' AS label
  UNION MATCH (n:Mineral {id: id}) RETURN 'Mineral' AS label
  UNION MATCH (n:Facility {id: id}) RETURN 'Facility' AS label
  UNION MATCH (n:Agreement {id: id}) RETURN 'Agreement' AS label
}
RETURN id, label`

// The load lock: one node that every load transaction writes first, so a second load waits
// for the first to commit or roll back: loads run one at a time, across processes too. The
// node is created once, outside load transactions (see ensureLoadLock), because MERGEing it
// inside one made the relationship upserts after it 100× slower (measured on 5.26).
const (
	createLoadLock = `MERGE (l:MineralmapLoadLock {id: 'load'})`
	lockLoads      = `MATCH (l:MineralmapLoadLock {id: 'load'}) SET l.since = datetime()`
)

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
	if err := s.ensureLoadLock(ctx); err != nil {
		return LoadResult{}, err
	}
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(context.WithoutCancel(ctx))
	// Loads are idempotent upserts in one transaction, so a retry after a transient failure
	// (a deadlock with a concurrent load, a leader switch) is safe.
	done := s.observe(ctx)
	out, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		return writeDocument(ctx, tx, src, p, progress)
	}, neo4j.WithTxTimeout(s.cfg.WriteTimeout))
	done(err)
	if err != nil {
		return LoadResult{}, classify(err, "load")
	}
	return out.(LoadResult), nil
}

// ensureLoadLock creates the load lock node if it is missing, in its own transaction.
func (s *Store) ensureLoadLock(ctx context.Context) error {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(context.WithoutCancel(ctx))
	_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, createLoadLock, nil)
		if err != nil {
			return nil, err
		}
		return r.Consume(ctx)
	})
	return classify(err, "load lock")
}

// writeDocument streams the document twice inside tx: nodes first, then relationships.
func writeDocument(ctx context.Context, tx neo4j.ManagedTransaction, src Source, p *plan, progress Progress) (LoadResult, error) {
	res := LoadResult{Rows: p.rows}
	if r, err := tx.Run(ctx, lockLoads, nil); err != nil {
		return res, err
	} else if _, err := r.Consume(ctx); err != nil {
		return res, err
	}
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
	// Which of the document's nodes exist, asked after taking the lock so no other load can
	// change the answer before this one commits.
	existing := map[string]bool{}
	for start := 0; start < len(p.docIDs); start += 10000 {
		r, err := tx.Run(ctx, lookupCypher, map[string]any{"ids": p.docIDs[start:min(start+10000, len(p.docIDs))]})
		if err != nil {
			return res, err
		}
		recs, err := r.Collect(ctx)
		if err != nil {
			return res, err
		}
		for _, rec := range recs {
			existing[rec.Values[0].(string)] = true
		}
	}
	isNew := func(id string) bool { return p.inDoc(id) && !existing[id] }

	// Batches keyed by the Cypher that writes them; a batch is flushed when full and at the end
	// of a pass.
	batches := map[string][]any{}
	var order []string
	add := func(cypher string, row Row) error {
		b, ok := batches[cypher]
		if !ok {
			order = append(order, cypher)
		}
		b = append(b, map[string]any(row))
		batches[cypher] = b
		if len(b) >= batchSize {
			err := run(cypher, b)
			batches[cypher] = b[:0]
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
	// Three passes over the document, each needing only what earlier passes wrote: countries
	// and minerals; facilities (LOCATED_IN a country) and agreements (PARTY_TO countries);
	// then every relationship.
	nodeFor := func(e Entry) string {
		if isNew(e.Row["id"].(string)) {
			return createNode[e.Section.label]
		}
		return upsertNode[e.Section.label]
	}
	if err := pass(map[string]bool{"countries": true, "minerals": true}, nodeFor); err != nil {
		return res, err
	}
	if err := pass(map[string]bool{"facilities": true, "agreements": true}, nodeFor); err != nil {
		return res, err
	}
	relSections := map[string]bool{"supplies": true, "produces": true, "refines": true, "restricts": true, "finances": true}
	err := pass(relSections, func(e Entry) string {
		key := e.Section.name
		if e.Section.rel == RelSupplies {
			key = suppliesKey(p.labels[e.Row["from"].(string)], p.labels[e.Row["to"].(string)])
		}
		w := relWriters[key]
		if isNew(e.Row[w.ends[0]].(string)) || isNew(e.Row[w.ends[1]].(string)) {
			return w.create
		}
		return w.upsert
	})
	return res, err
}

// identity is a row's identity within its section: its key fields (everything but props).
func identity(row Row) string {
	keys := make([]string, 0, len(row))
	for k := range row {
		if k != "props" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%v\x00", k, row[k])
	}
	return b.String()
}

// LookupLabels answers the label of each stored id among ids.
func (s *Store) LookupLabels(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	const chunk = 10000
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		res, err := s.Read(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			r, err := tx.Run(ctx, lookupCypher, map[string]any{"ids": part})
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
