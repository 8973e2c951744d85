package neo4j

import (
	"context"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/document"
)

// LoadRowByRow writes a document with Load's validation and Cypher, but each entry in a
// transaction of its own, as a loader without batching would: the baseline that make bench
// (bench/naive) measures Load against. It stops when ctx ends and returns the rows written by
// then (they stay written: it is not atomic, and not for use outside benchmarks).
func (s *Store) LoadRowByRow(ctx context.Context, src document.Source, progress mineralmap.Progress) (mineralmap.LoadResult, error) {
	p, err := document.Validate(ctx, src, s.LookupLabels)
	if err != nil {
		return mineralmap.LoadResult{}, err
	}
	if err := s.ensureLoadLock(ctx); err != nil {
		return mineralmap.LoadResult{}, err
	}
	return writeDocument(ctx, eachInTx{s}, src, p, progress, 1)
}

// eachInTx runs every statement in a transaction of its own.
type eachInTx struct{ s *Store }

func (e eachInTx) run(ctx context.Context, cypher string, params map[string]any) ([]*driver.Record, driver.Counters, error) {
	sess := e.s.session(ctx, driver.AccessModeWrite, "")
	defer sess.Close(context.WithoutCancel(ctx))
	type out struct {
		recs []*driver.Record
		c    driver.Counters
	}
	v, err := driver.ExecuteWrite(ctx, sess, func(tx driver.ManagedTransaction) (out, error) {
		recs, c, err := inTx{tx}.run(ctx, cypher, params)
		return out{recs, c}, err
	})
	if err != nil {
		return nil, nil, err
	}
	return v.recs, v.c, nil
}
