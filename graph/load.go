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

// batchSize rows go to Neo4j in one UNWIND (measured on 5.26: 10,000-row batches write
// relationships about 15% faster than 5,000-row ones; the Go side holds three batches at most).
const batchSize = 10000

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

// relWriter holds the Cypher forms for one relationship section and the fields naming its
// start and end node. create[m] matches the start node by its internal id when m&1 is set and
// the end node when m&2 is: nodes this load created are found by id (row.ref_a, row.ref_b),
// which writes relationships about 1.5× faster than unique-index lookups (measured on 5.26).
type relWriter struct {
	upsert string
	create [4]string
	ends   [2]string
}

// relWriters is keyed by section name; SUPPLIES also by the labels at both ends, so that each
// MATCH uses a uniqueness index.
var relWriters = map[string]relWriter{}

func addRelWriter(key string, a, b, rel string, ends [2]string, keys ...string) {
	w := relWriter{upsert: upsertRelationship(a, b, rel, keys...), ends: ends}
	for m := range w.create {
		pa, pb := a, b
		if m&1 != 0 {
			pa = "(a) WHERE id(a) = row.ref_a"
		}
		if m&2 != 0 {
			pb = "(b) WHERE id(b) = row.ref_b"
		}
		w.create[m] = createRelationship(pa, pb, rel, keys...)
	}
	relWriters[key] = w
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

// createNode is the Cypher for nodes new in this load (see createRelationship). Each answers
// the internal ids of the nodes it created, in one record.
var createNode = map[string]string{
	LabelCountry: `UNWIND $rows AS row CREATE (n:Country {id: row.id}) SET n += row.props` + createdRefs,
	LabelMineral: `UNWIND $rows AS row CREATE (n:Mineral {id: row.id}) SET n += row.props` + createdRefs,
	LabelFacility: `UNWIND $rows AS row CREATE (n:Facility {id: row.id}) SET n += row.props
WITH n, row
MATCH (c:Country {id: row.props.country})
CREATE (n)-[:LOCATED_IN]->(c)` + createdRefs,
	LabelAgreement: `UNWIND $rows AS row CREATE (n:Agreement {id: row.id}) SET n += row.props
WITH n, row
CALL (n, row) {
  UNWIND coalesce(row.props.parties, []) AS party
  MATCH (c:Country {id: party})
  CREATE (c)-[:PARTY_TO]->(n)
}` + createdRefs,
}

const createdRefs = `
RETURN collect(n.id) AS ids, collect(id(n)) AS refs`

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
		return writeDocument(ctx, inTx{tx}, src, p, progress, batchSize)
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

// statements runs a load's Cypher: in the load's one transaction (inTx), or each statement in
// a transaction of its own (eachInTx, the row-by-row baseline).
type statements interface {
	run(ctx context.Context, cypher string, params map[string]any) ([]*neo4j.Record, neo4j.Counters, error)
}

type inTx struct{ tx neo4j.ManagedTransaction }

func (t inTx) run(ctx context.Context, cypher string, params map[string]any) ([]*neo4j.Record, neo4j.Counters, error) {
	r, err := t.tx.Run(ctx, cypher, params)
	if err != nil {
		return nil, nil, err
	}
	recs, err := r.Collect(ctx)
	if err != nil {
		return nil, nil, err
	}
	sum, err := r.Consume(ctx)
	if err != nil {
		return nil, nil, err
	}
	return recs, sum.Counters(), nil
}

type eachInTx struct{ s *Store }

func (e eachInTx) run(ctx context.Context, cypher string, params map[string]any) ([]*neo4j.Record, neo4j.Counters, error) {
	sess := e.s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(context.WithoutCancel(ctx))
	type out struct {
		recs []*neo4j.Record
		c    neo4j.Counters
	}
	v, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		recs, c, err := inTx{tx}.run(ctx, cypher, params)
		return out{recs, c}, err
	})
	if err != nil {
		return nil, nil, err
	}
	return v.(out).recs, v.(out).c, nil
}

// LoadRowByRow writes a document with Load's validation and Cypher, but each entry in a
// transaction of its own, as a loader without batching would: the baseline that make bench
// measures Load against. It stops when ctx ends and returns the rows written by then (they stay
// written: it is not atomic, and not for use outside benchmarks).
func (s *Store) LoadRowByRow(ctx context.Context, src Source, progress Progress) (LoadResult, error) {
	p, err := validate(ctx, src, s.LookupLabels)
	if err != nil {
		return LoadResult{}, err
	}
	if err := s.ensureLoadLock(ctx); err != nil {
		return LoadResult{}, err
	}
	return writeDocument(ctx, eachInTx{s}, src, p, progress, 1)
}

// loadJob is one batch of rows for one statement.
type loadJob struct {
	cypher string
	rows   []any
}

// writeDocument reads the document three times and writes it through st, batch rows per
// statement: countries and minerals, then facilities (LOCATED_IN a country) and agreements
// (PARTY_TO countries), then every relationship, each pass needing only what earlier ones
// wrote. A pass parses in a goroutine of its own and hands over full batches, so parsing the
// next batch overlaps with Neo4j writing this one.
func writeDocument(ctx context.Context, st statements, src Source, p *plan, progress Progress, batch int) (LoadResult, error) {
	res := LoadResult{Rows: p.rows}
	if _, _, err := st.run(ctx, lockLoads, nil); err != nil {
		return res, err
	}
	// Which of the document's nodes exist, asked after taking the lock so no other load can
	// change the answer before this one commits.
	// Validation has checked that no stored node has one of these ids under another label, so
	// one index lookup per id, under its own label, answers.
	existing := map[string]bool{}
	byLabel := map[string][]string{}
	for _, id := range p.docIDs {
		byLabel[p.labels[id]] = append(byLabel[p.labels[id]], id)
	}
	for _, label := range NodeLabels {
		ids := byLabel[label]
		for start := 0; start < len(ids); start += 10000 {
			recs, _, err := st.run(ctx, fmt.Sprintf("UNWIND $ids AS id MATCH (n:%s {id: id}) RETURN collect(id)", label),
				map[string]any{"ids": ids[start:min(start+10000, len(ids))]})
			if err != nil {
				return res, err
			}
			for _, rec := range recs {
				for _, id := range rec.Values[0].([]any) {
					existing[id.(string)] = true
				}
			}
		}
	}
	isNew := func(id string) bool { return p.inDoc(id) && !existing[id] }
	refs := map[string]int64{} // internal ids of the nodes this load created

	var done int64
	run := func(j loadJob) error {
		recs, c, err := st.run(ctx, j.cypher, map[string]any{"rows": j.rows})
		if err != nil {
			return err
		}
		res.NodesCreated += int64(c.NodesCreated())
		res.RelationshipsCreated += int64(c.RelationshipsCreated())
		res.PropertiesSet += int64(c.PropertiesSet())
		for _, r := range recs { // createNode's answer
			ids, nodes := r.Values[0].([]any), r.Values[1].([]any)
			for i, id := range ids {
				refs[id.(string)] = nodes[i].(int64)
			}
		}
		done += int64(len(j.rows))
		if progress != nil {
			progress(done, p.rows)
		}
		return nil
	}
	pass := func(want map[string]bool, prepare func(Entry) string) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		jobs := make(chan loadJob, 1)
		errc := make(chan error, 1)
		go func() {
			defer close(jobs)
			errc <- batchDocument(ctx, src, want, batch, prepare, jobs)
		}()
		for j := range jobs {
			if err := run(j); err != nil {
				cancel()
				for range jobs { // let the reader stop
				}
				return err
			}
		}
		return <-errc
	}

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
		a, b := e.Row[w.ends[0]].(string), e.Row[w.ends[1]].(string)
		if !isNew(a) && !isNew(b) {
			return w.upsert
		}
		m := 0
		if ref, ok := refs[a]; ok {
			e.Row["ref_a"], m = ref, m|1
		}
		if ref, ok := refs[b]; ok {
			e.Row["ref_b"], m = ref, m|2
		}
		return w.create[m]
	})
	return res, err
}

// batchDocument reads the wanted sections of the document and sends their rows to jobs in
// batches keyed by the Cypher prepare picks for each (prepare may add to the row). A batch
// leaves when full; the rest leave at the end, in the order their statements first appeared.
func batchDocument(ctx context.Context, src Source, want map[string]bool, size int, prepare func(Entry) string, jobs chan<- loadJob) error {
	r, err := src()
	if err != nil {
		return err
	}
	defer r.Close()
	batches := map[string][]any{}
	var order []string
	send := func(cypher string, rows []any) error {
		select {
		case jobs <- loadJob{cypher, rows}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var probs problems // validated already; a problem here means the source changed
	err = scanDocument(r, want, &probs, func(e Entry) error {
		cypher := prepare(e)
		b, ok := batches[cypher]
		if !ok {
			order = append(order, cypher)
		}
		b = append(b, map[string]any(e.Row))
		if len(b) < size {
			batches[cypher] = b
			return nil
		}
		batches[cypher] = make([]any, 0, size)
		return send(cypher, b)
	})
	if err != nil {
		return err
	}
	if err := probs.err(); err != nil {
		return fmt.Errorf("the document changed while it was loaded: %w", err)
	}
	for _, c := range order {
		if len(batches[c]) > 0 {
			if err := send(c, batches[c]); err != nil {
				return err
			}
		}
	}
	return nil
}

// LookupLabels answers the label of each stored id among ids.
func (s *Store) LookupLabels(ctx context.Context, ids []string) (map[string]string, error) {
	out, _, err := s.LookupLabelsVersion(ctx, ids)
	return out, err
}

// LookupLabelsVersion is LookupLabels, and the Version of the database it read (of its last
// transaction when the ids take more than one).
func (s *Store) LookupLabelsVersion(ctx context.Context, ids []string) (map[string]string, Version, error) {
	out := map[string]string{}
	var version Version
	const chunk = 10000
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		var res any
		var err error
		res, version, err = s.readWithin(ctx, s.cfg.ReadTimeout, Version{}, func(tx neo4j.ManagedTransaction) (any, error) {
			r, err := tx.Run(ctx, lookupCypher, map[string]any{"ids": part})
			if err != nil {
				return nil, err
			}
			return r.Collect(ctx)
		})
		if err != nil {
			return nil, Version{}, err
		}
		for _, rec := range res.([]*neo4j.Record) {
			out[rec.Values[0].(string)] = rec.Values[1].(string)
		}
	}
	return out, version, nil
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
