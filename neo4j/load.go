package neo4j

import (
	"context"
	"fmt"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/document"
)

// Load validates the whole document, then writes it in one transaction: all of it or none.
// It returns KindMalformed or KindInvalid (with every problem) for a bad document and
// KindUnavailable or KindTimeout when Neo4j fails; on any error nothing is stored.
func (s *Store) Load(ctx context.Context, src document.Source, progress mineralmap.Progress) (mineralmap.LoadResult, error) {
	p, err := document.Validate(ctx, src, s.LookupLabels)
	if err != nil {
		return mineralmap.LoadResult{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.WriteTimeout)
	defer cancel()
	if err := s.ensureLoadLock(ctx); err != nil {
		return mineralmap.LoadResult{}, err
	}
	sess := s.session(ctx, driver.AccessModeWrite, "")
	defer sess.Close(context.WithoutCancel(ctx))
	// Loads are idempotent upserts in one transaction, so a retry after a transient failure
	// (a deadlock with a concurrent load, a leader switch) is safe.
	done := s.observe(ctx)
	res, err := driver.ExecuteWrite(ctx, sess, func(tx driver.ManagedTransaction) (mineralmap.LoadResult, error) {
		return writeDocument(ctx, inTx{tx}, src, p, progress, batchSize)
	}, driver.WithTxTimeout(s.cfg.WriteTimeout))
	done(err)
	if err != nil {
		return mineralmap.LoadResult{}, classify(err, "load")
	}
	return res, nil
}

// ensureLoadLock creates the load lock node if it is missing, in its own transaction.
func (s *Store) ensureLoadLock(ctx context.Context) error {
	sess := s.session(ctx, driver.AccessModeWrite, "")
	defer sess.Close(context.WithoutCancel(ctx))
	_, err := driver.ExecuteWrite(ctx, sess, func(tx driver.ManagedTransaction) (struct{}, error) {
		r, err := tx.Run(ctx, createLoadLock, nil)
		if err != nil {
			return struct{}{}, err
		}
		_, err = r.Consume(ctx)
		return struct{}{}, err
	})
	return classify(err, "load lock")
}

// statements runs a load's Cypher: in the load's one transaction (inTx), or each statement in
// a transaction of its own (eachInTx, the row-by-row baseline of LoadRowByRow).
type statements interface {
	run(ctx context.Context, cypher string, params map[string]any) ([]*driver.Record, driver.Counters, error)
}

type inTx struct{ tx driver.ManagedTransaction }

func (t inTx) run(ctx context.Context, cypher string, params map[string]any) ([]*driver.Record, driver.Counters, error) {
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

// loadJob is one batch of rows for one statement.
type loadJob struct {
	cypher string
	rows   []any
	n      int // document rows in rows (a grouped statement's row holds several)
}

// writeDocument reads the document three times and writes it through st, batch rows per
// statement: countries and minerals, then facilities (LOCATED_IN a country) and agreements
// (PARTY_TO countries), then every relationship, each pass needing only what earlier ones
// wrote. A pass parses in a goroutine of its own and hands over full batches, so parsing the
// next batch overlaps with Neo4j writing this one.
func writeDocument(ctx context.Context, st statements, src document.Source, p *document.Plan, progress mineralmap.Progress, batch int) (mineralmap.LoadResult, error) {
	res := mineralmap.LoadResult{Rows: p.Rows}
	if _, _, err := st.run(ctx, lockLoads, nil); err != nil {
		return res, err
	}
	// Which of the document's nodes exist, asked after taking the lock so no other load can
	// change the answer before this one commits. Validation has checked that no stored node has
	// one of these ids under another label, so one index lookup per id, under its own label,
	// answers.
	existing := map[string]bool{}
	byLabel := map[string][]string{}
	for _, id := range p.DocIDs {
		byLabel[p.Labels[id]] = append(byLabel[p.Labels[id]], id)
	}
	for _, label := range mineralmap.NodeLabels {
		ids := byLabel[label]
		for start := 0; start < len(ids); start += 10000 {
			recs, _, err := st.run(ctx, fmt.Sprintf("UNWIND $ids AS id MATCH (n:%s {id: id}) RETURN collect(id) AS ids", label),
				map[string]any{"ids": ids[start:min(start+10000, len(ids))]})
			if err != nil {
				return res, err
			}
			for _, rec := range recs {
				l, err := lists(rec, "ids")
				if err != nil {
					return res, err
				}
				for _, id := range l[0] {
					existing[id.(string)] = true
				}
			}
		}
	}
	isNew := func(id string) bool { return p.InDoc(id) && !existing[id] }
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
			l, err := lists(r, "ids", "refs")
			if err != nil {
				return err
			}
			ids, nodes := l[0], l[1]
			for i, id := range ids {
				refs[id.(string)] = nodes[i].(int64)
			}
		}
		done += int64(j.n)
		if progress != nil {
			progress(done, p.Rows)
		}
		return nil
	}
	pass := func(want map[string]bool, prepare func(mineralmap.Entry) (string, map[string]any)) error {
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

	nodeFor := func(e mineralmap.Entry) (string, map[string]any) {
		label, row := nodeRow(e)
		if isNew(row["id"].(string)) {
			return createNode[label], row
		}
		return upsertNode[label], row
	}
	if err := pass(map[string]bool{"countries": true, "minerals": true}, nodeFor); err != nil {
		return res, err
	}
	if err := pass(map[string]bool{"facilities": true, "agreements": true}, nodeFor); err != nil {
		return res, err
	}
	relSections := map[string]bool{}
	for _, s := range document.RelationshipSections {
		relSections[s] = true
	}
	err := pass(relSections, func(e mineralmap.Entry) (string, map[string]any) {
		key, row := relationshipRow(e)
		if sup, ok := e.(*mineralmap.Supply); ok {
			key = suppliesKey(p.Labels[sup.From], p.Labels[sup.To])
		}
		w := relWriters[key]
		a, b := row[w.ends[0]].(string), row[w.ends[1]].(string)
		if !isNew(a) && !isNew(b) {
			if w.grouped != "" {
				return w.grouped, row
			}
			return w.upsert, row
		}
		m := 0
		if ref, ok := refs[a]; ok {
			row["ref_a"], m = ref, m|1
		}
		if ref, ok := refs[b]; ok {
			row["ref_b"], m = ref, m|2
		}
		return w.create[m], row
	})
	return res, err
}

// batchDocument reads the wanted sections of the document and sends their rows to jobs in
// batches keyed by the Cypher prepare picks for each. A batch leaves when full; the rest leave
// at the end, in the order their statements first appeared.
func batchDocument(ctx context.Context, src document.Source, want map[string]bool, size int, prepare func(mineralmap.Entry) (string, map[string]any), jobs chan<- loadJob) error {
	r, err := src()
	if err != nil {
		return err
	}
	defer r.Close()
	batches := map[string][]any{}
	var order []string
	send := func(cypher string, rows []any) error {
		select {
		case jobs <- loadJob{cypher, groupRows(cypher, rows), len(rows)}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	err = document.Scan(r, want, func(_ string, e mineralmap.Entry) error {
		cypher, row := prepare(e)
		b, ok := batches[cypher]
		if !ok {
			order = append(order, cypher)
		}
		b = append(b, row)
		if len(b) < size {
			batches[cypher] = b
			return nil
		}
		batches[cypher] = make([]any, 0, size)
		return send(cypher, b)
	})
	if mineralmap.KindOf(err) == mineralmap.KindInvalid {
		// Validated already: a problem now means the source changed.
		return fmt.Errorf("the document changed while it was loaded: %w", err)
	}
	if err != nil {
		return err
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
