// Package neo4j is the Neo4j side of mineralmap and the only package that imports the Neo4j
// driver: the schema, loads, reads, the M-network read and the Cypher of every analysis (each
// .cypher file beside the Go that runs it). Driver values are converted to plain Go at its edge,
// and driver errors to *mineralmap.Error kinds.
package neo4j

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"

	"github.com/mineralmap/mineralmap"
)

// Config says how to reach Neo4j and how long work may take.
type Config struct {
	URI          string        // bolt://, neo4j:// (routing, clusters included), +s variants
	User         string        // empty with an empty Password: no auth
	Password     string        //
	Database     string        // empty: the server's default database
	ReadTimeout  time.Duration // per read transaction (default 5 s)
	ScanTimeout  time.Duration // per read of a whole M-network into the API's cache (default 60 s)
	WriteTimeout time.Duration // per load transaction (default 10 min)
	MaxPoolSize  int           // driver connection pool (default 100)
}

// Store is the Neo4j side of mineralmap: schema, loads and reads. It implements analysis.Store.
type Store struct {
	driver   driver.DriverWithContext
	cfg      Config
	observer Observer
}

// Observer is told about every transaction the store runs, for metrics. Operation is what
// mineralmap.WithOperation put in the context ("" when nothing did).
type Observer interface {
	TxStarted(operation string)
	TxDone(operation string, d time.Duration, err error)
}

// SetObserver installs o; call it before the store is used.
func (s *Store) SetObserver(o Observer) { s.observer = o }

// observe reports a transaction to the observer and returns a function to call when it ends.
func (s *Store) observe(ctx context.Context) func(error) {
	if s.observer == nil {
		return func(error) {}
	}
	op := mineralmap.OperationOf(ctx)
	start := time.Now()
	s.observer.TxStarted(op)
	return func(err error) { s.observer.TxDone(op, time.Since(start), err) }
}

// Open creates the driver. It does not contact Neo4j: the API starts while Neo4j is down, and
// Ping tells whether it answers. KindInvalid for a URI the driver refuses.
func Open(cfg Config) (*Store, error) {
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 5 * time.Second
	}
	if cfg.ScanTimeout <= 0 {
		cfg.ScanTimeout = time.Minute
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Minute
	}
	if cfg.MaxPoolSize <= 0 {
		cfg.MaxPoolSize = 100
	}
	auth := driver.NoAuth()
	if cfg.User != "" || cfg.Password != "" {
		auth = driver.BasicAuth(cfg.User, cfg.Password, "")
	}
	d, err := driver.NewDriverWithContext(cfg.URI, auth, func(c *config.Config) {
		c.MaxConnectionPoolSize = cfg.MaxPoolSize
		c.ConnectionAcquisitionTimeout = 5 * time.Second
		c.SocketConnectTimeout = 3 * time.Second
		c.MaxTransactionRetryTime = 15 * time.Second
	})
	if err != nil {
		return nil, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: "bad Neo4j URI " + cfg.URI, Err: err}
	}
	return &Store{driver: d, cfg: cfg}, nil
}

// Close closes the driver and its connections.
func (s *Store) Close(ctx context.Context) error { return s.driver.Close(ctx) }

// Config is the configuration the store runs with, defaults filled in.
func (s *Store) Config() Config { return s.cfg }

// Ping checks that Neo4j answers. KindUnavailable when it does not.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.driver.VerifyConnectivity(ctx); err != nil {
		return classify(err, "Neo4j is not reachable")
	}
	return nil
}

// schema is applied at every start; IF NOT EXISTS makes it idempotent.
var schema = []string{
	"CREATE CONSTRAINT country_id IF NOT EXISTS FOR (n:Country) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT mineral_id IF NOT EXISTS FOR (n:Mineral) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT facility_id IF NOT EXISTS FOR (n:Facility) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT agreement_id IF NOT EXISTS FOR (n:Agreement) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT load_lock_id IF NOT EXISTS FOR (n:MineralmapLoadLock) REQUIRE n.id IS UNIQUE",
	"CREATE INDEX facility_country IF NOT EXISTS FOR (n:Facility) ON (n.country)",
	"CREATE INDEX facility_kind IF NOT EXISTS FOR (n:Facility) ON (n.kind)",
	"CREATE INDEX agreement_kind IF NOT EXISTS FOR (n:Agreement) ON (n.kind)",
	"CREATE INDEX supplies_mineral IF NOT EXISTS FOR ()-[r:SUPPLIES]-() ON (r.mineral)",
}

// EnsureSchema creates the constraints and indexes the loads and queries rely on.
func (s *Store) EnsureSchema(ctx context.Context) error {
	sess := s.session(ctx, driver.AccessModeWrite, "")
	defer sess.Close(ctx)
	for _, q := range schema {
		if _, err := sess.Run(ctx, q, nil); err != nil {
			return classify(err, "apply schema")
		}
	}
	// Wait so that the first load and query use the new indexes.
	if _, err := sess.Run(ctx, "CALL db.awaitIndexes(60)", nil); err != nil {
		return classify(err, "await indexes")
	}
	// SUPPLIES stored before contract section 5 have no form: a load keys on it now, so it
	// is written once with the contract's default (from the supplying node), in batches.
	// The form migration scans every SUPPLIES edge, so it runs once per database: a marker
	// node says it ran (a bulk import makes a database without one, and runs it at its first
	// start). Cold, on the world layer's half a million edges, it took seconds at every start.
	migrated := false
	if r, err := sess.Run(ctx, `MATCH (m:MineralmapSchema {id: 'schema'}) RETURN coalesce(m.forms_migrated, false) AS done`, nil); err == nil {
		if rec, err := r.Single(ctx); err == nil {
			migrated, _ = rec.Values[0].(bool)
		}
	}
	forms := migrateForms
	if migrated {
		forms = ""
	}
	for _, m := range []struct{ cypher, what string }{
		{forms, "give stored SUPPLIES their form"},
		{markMigrated, "mark the migration done"},
		{emptyListsCountry, "give imported countries their empty lists"},
		{emptyListsAgreement, "give imported agreements their empty lists"},
		{emptyListsRestricts, "give imported restrictions their empty lists"},
	} {
		if m.cypher == "" {
			continue
		}
		r, err := sess.Run(ctx, m.cypher, nil)
		if err == nil {
			_, err = r.Consume(ctx)
		}
		if err != nil {
			return classify(err, m.what)
		}
	}
	return nil
}

// markMigrated records that the stored SUPPLIES have their forms (migrateForms ran).
const markMigrated = `MERGE (m:MineralmapSchema {id: 'schema'}) SET m.forms_migrated = true`

// The empty lists of a bulk import: neo4j-admin's CSV files cannot hold an empty list, so the
// bulk path (WriteBulkCSV) names the properties that are empty lists in mineralmap_empty_lists,
// and the first start after the import writes them as the online load does.
const (
	emptyListsCountry = `MATCH (n:Country) WHERE n.mineralmap_empty_lists IS NOT NULL
SET n.groups = CASE WHEN 'groups' IN n.mineralmap_empty_lists THEN [] ELSE n.groups END
REMOVE n.mineralmap_empty_lists`
	emptyListsAgreement = `MATCH (n:Agreement) WHERE n.mineralmap_empty_lists IS NOT NULL
SET n.parties = CASE WHEN 'parties' IN n.mineralmap_empty_lists THEN [] ELSE n.parties END
REMOVE n.mineralmap_empty_lists`
	emptyListsRestricts = `MATCH ()-[r:RESTRICTS]->() WHERE r.mineralmap_empty_lists IS NOT NULL
SET r.targets = CASE WHEN 'targets' IN r.mineralmap_empty_lists THEN [] ELSE r.targets END,
    r.forms = CASE WHEN 'forms' IN r.mineralmap_empty_lists THEN [] ELSE r.forms END,
    r.suspended_from = CASE WHEN 'suspended_from' IN r.mineralmap_empty_lists THEN [] ELSE r.suspended_from END,
    r.suspended_until = CASE WHEN 'suspended_until' IN r.mineralmap_empty_lists THEN [] ELSE r.suspended_until END
REMOVE r.mineralmap_empty_lists`
)

// migrateForms sets the default form (mineralmap.DefaultForm) on SUPPLIES that have none (a
// basis left out reads as estimated and needs nothing stored). It scans every SUPPLIES edge
// once per start (about a second on the bench's million edges).
const migrateForms = `MATCH (a)-[s:SUPPLIES]->() WHERE s.form IS NULL
CALL (a, s) {
  SET s.form = CASE WHEN a:Country THEN 'refined' WHEN a.kind = 'mine' THEN 'ore' WHEN a.kind = 'magnet' THEN 'product' ELSE 'refined' END
} IN TRANSACTIONS OF 10000 ROWS`

// session opens a session on the configured database; after a Version, its first transaction
// runs on a server that has applied it (its bookmarks).
func (s *Store) session(ctx context.Context, mode driver.AccessMode, after mineralmap.Version) driver.SessionWithContext {
	var bookmarks []string
	if after != "" {
		bookmarks = strings.Split(string(after), "\x00")
	}
	return s.driver.NewSession(ctx, driver.SessionConfig{AccessMode: mode, DatabaseName: s.cfg.Database, Bookmarks: bookmarks})
}

// read runs work in a READ transaction bounded by budget, after the Version after (none when
// empty), and returns what it gave and the Version of the database it read. Reads are
// idempotent, so the driver may retry them on transient failures.
func read[T any](ctx context.Context, s *Store, budget time.Duration, after mineralmap.Version, work driver.ManagedTransactionWorkT[T]) (T, mineralmap.Version, error) {
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	sess := s.session(ctx, driver.AccessModeRead, after)
	defer sess.Close(context.WithoutCancel(ctx))
	done := s.observe(ctx)
	out, err := driver.ExecuteRead(ctx, sess, work, driver.WithTxTimeout(budget))
	done(err)
	if err != nil {
		var zero T
		// The budget ran out: a timeout, unless what kept failing was reaching Neo4j at all.
		if errors.Is(ctx.Err(), context.DeadlineExceeded) && !unreachable(err) {
			return zero, "", &mineralmap.Error{Kind: mineralmap.KindTimeout, Message: fmt.Sprintf("the query ran over its time budget of %s", budget), Err: err}
		}
		return zero, "", classify(err, "read")
	}
	return out, mineralmap.Version(strings.Join(sess.LastBookmarks(), "\x00")), nil
}

// collect runs one read statement under the read budget and maps its records.
func collect[T any](ctx context.Context, s *Store, cypher string, params map[string]any, mapper func(*driver.Record) (T, error)) ([]T, error) {
	out, _, err := read(ctx, s, s.cfg.ReadTimeout, "", func(tx driver.ManagedTransaction) ([]T, error) {
		r, err := tx.Run(ctx, cypher, params)
		if err != nil {
			return nil, err
		}
		return driver.CollectTWithContext(ctx, r, mapper)
	})
	return out, err
}

// value is a record's value under key, converted to T; a missing key or another type is an
// error (a bug in the query), null gives T's zero value.
func value[T driver.RecordValue](r *driver.Record, key string) (T, error) {
	v, _, err := driver.GetRecordValue[T](r, key)
	return v, err
}

// unreachable reports whether err says that no connection to Neo4j could be made.
func unreachable(err error) bool {
	var limit *driver.TransactionExecutionLimit
	if errors.As(err, &limit) {
		for _, e := range limit.Errors {
			if unreachable(e) {
				return true
			}
		}
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false // context.DeadlineExceeded is a net.Error too
	}
	var conn *driver.ConnectivityError
	if errors.As(err, &conn) {
		// The driver reports a read cut short by the context as a connectivity error too.
		return !errors.Is(conn.Inner, context.DeadlineExceeded) && !errors.Is(conn.Inner, context.Canceled)
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}

// classify turns a driver error into the service's error kinds.
func classify(err error, what string) error {
	if err == nil {
		return nil
	}
	var e *mineralmap.Error
	if errors.As(err, &e) {
		return err
	}
	var nerr *driver.Neo4jError
	var usage *driver.UsageError
	isNeo4j := errors.As(err, &nerr)
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		isNeo4j && strings.HasSuffix(nerr.Code, ".TransactionTimedOut"),
		isNeo4j && strings.HasSuffix(nerr.Code, ".TransactionTimedOutClientConfiguration"):
		return &mineralmap.Error{Kind: mineralmap.KindTimeout, Message: what + ": ran over its time budget", Err: err}
	case isNeo4j && nerr.Classification() == "ClientError" && nerr.Category() == "Security":
		return &mineralmap.Error{Kind: mineralmap.KindUnavailable, Message: what + ": Neo4j refused the credentials (check NEO4J_USER / NEO4J_PASSWORD)", Err: err}
	case isNeo4j && nerr.Classification() == "TransientError":
		return &mineralmap.Error{Kind: mineralmap.KindUnavailable, Message: what + ": Neo4j is busy, try again", Err: err}
	case unreachable(err), !isNeo4j && driver.IsRetryable(err):
		return &mineralmap.Error{Kind: mineralmap.KindUnavailable, Message: what + ": Neo4j is not reachable", Err: err}
	case errors.As(err, &usage):
		// The driver refuses what it reached: NEO4J_URI names the HTTP port, or a scheme the
		// server does not speak. An operator's problem, said in the driver's words.
		return &mineralmap.Error{Kind: mineralmap.KindUnavailable, Message: what + ": Neo4j refused the connection: " + usage.Message, Err: err}
	}
	return &mineralmap.Error{Kind: mineralmap.KindInternal, Message: what, Err: err}
}
