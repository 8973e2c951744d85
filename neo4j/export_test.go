package neo4j

import (
	"context"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Write runs one write statement, for tests that must store what no load document can (a
// graph written before an extension of the contract).
func (s *Store) Write(ctx context.Context, cypher string, params map[string]any) error {
	sess := s.session(ctx, driver.AccessModeWrite, "")
	defer sess.Close(ctx)
	_, err := sess.ExecuteWrite(ctx, func(tx driver.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, cypher, params)
		if err != nil {
			return nil, err
		}
		return r.Consume(ctx)
	})
	return err
}
