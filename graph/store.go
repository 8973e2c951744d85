package graph

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
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

// Store is the Neo4j side of mineralmap: schema, loads and reads.
type Store struct {
	driver   neo4j.DriverWithContext
	cfg      Config
	observer Observer
}

// Observer is told about every transaction the store runs, for metrics. Operation is what
// WithOperation put in the context ("" when nothing did).
type Observer interface {
	TxStarted(operation string)
	TxDone(operation string, d time.Duration, err error)
}

type operationKey struct{}

// WithOperation names the work done under ctx (an HTTP route, "load"), for the observer.
func WithOperation(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, operationKey{}, name)
}

// SetObserver installs o; call it before the store is used.
func (s *Store) SetObserver(o Observer) { s.observer = o }

// observe reports a transaction to the observer and returns a function to call when it ends.
func (s *Store) observe(ctx context.Context) func(error) {
	if s.observer == nil {
		return func(error) {}
	}
	op, _ := ctx.Value(operationKey{}).(string)
	start := time.Now()
	s.observer.TxStarted(op)
	return func(err error) { s.observer.TxDone(op, time.Since(start), err) }
}

// Open creates the driver. It does not need Neo4j to be up: the driver connects lazily and
// recovers by itself when the server comes back.
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
	auth := neo4j.NoAuth()
	if cfg.User != "" || cfg.Password != "" {
		auth = neo4j.BasicAuth(cfg.User, cfg.Password, "")
	}
	d, err := neo4j.NewDriverWithContext(cfg.URI, auth, func(c *config.Config) {
		c.MaxConnectionPoolSize = cfg.MaxPoolSize
		c.ConnectionAcquisitionTimeout = 5 * time.Second
		c.SocketConnectTimeout = 3 * time.Second
		c.MaxTransactionRetryTime = 15 * time.Second
	})
	if err != nil {
		return nil, &Error{Kind: KindInvalid, Message: "bad Neo4j URI " + cfg.URI, Err: err}
	}
	return &Store{driver: d, cfg: cfg}, nil
}

// Close closes the driver and its connections.
func (s *Store) Close(ctx context.Context) error { return s.driver.Close(ctx) }

// Driver gives the analyses package the driver; it runs its reads through Read.
func (s *Store) Config() Config { return s.cfg }

// Ping checks that Neo4j answers. It returns KindUnavailable when it does not.
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
	sess := s.session(ctx, neo4j.AccessModeWrite)
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
	return nil
}

// session opens a session on the configured database; with bookmarks (after), its first
// transaction runs on a server that has applied them.
func (s *Store) session(ctx context.Context, mode neo4j.AccessMode, after ...string) neo4j.SessionWithContext {
	return s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: mode, DatabaseName: s.cfg.Database, Bookmarks: after})
}

// Read runs work in a READ transaction bounded by the read timeout. Reads are idempotent, so
// the driver may retry them on transient failures.
func (s *Store) Read(ctx context.Context, work func(tx neo4j.ManagedTransaction) (any, error)) (any, error) {
	out, _, err := s.readWithin(ctx, s.cfg.ReadTimeout, Version{}, work)
	return out, err
}

// Version names the state of the database a read saw: the bookmarks Neo4j returned after it,
// which carry the last transaction committed before it. Two reads with the same Version saw
// the same database: nothing was committed in between (queries caches M-networks on it). The
// zero Version (no bookmark returned) names no state.
type Version struct {
	key       string
	bookmarks neo4j.Bookmarks
}

// Same reports whether v and w name the same known state.
func (v Version) Same(w Version) bool { return v.key != "" && v.key == w.key }

// Scan is Read for the reads that fetch a whole M-network: it runs with the scan timeout
// (they are shared by every request that needs the network, are cached, and take seconds on a
// large graph, so they must not fail every time against the budget of one request), and on a
// server at least as recent as after (a cluster member that has caught up with it).
func (s *Store) Scan(ctx context.Context, after Version, work func(tx neo4j.ManagedTransaction) (any, error)) (any, error) {
	out, _, err := s.readWithin(ctx, s.cfg.ScanTimeout, after, work)
	return out, err
}

func (s *Store) readWithin(ctx context.Context, budget time.Duration, after Version, work func(tx neo4j.ManagedTransaction) (any, error)) (any, Version, error) {
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	sess := s.session(ctx, neo4j.AccessModeRead, after.bookmarks...)
	defer sess.Close(context.WithoutCancel(ctx))
	done := s.observe(ctx)
	out, err := sess.ExecuteRead(ctx, work, neo4j.WithTxTimeout(budget))
	done(err)
	if err != nil {
		// The budget ran out: a timeout, unless what kept failing was reaching Neo4j at all.
		if errors.Is(ctx.Err(), context.DeadlineExceeded) && !unreachable(err) {
			return nil, Version{}, &Error{Kind: KindTimeout, Message: fmt.Sprintf("the query ran over its time budget of %s", budget), Err: err}
		}
		return nil, Version{}, classify(err, "read")
	}
	bm := sess.LastBookmarks()
	return out, Version{key: strings.Join(bm, "\x00"), bookmarks: bm}, nil
}

// unreachable reports whether err says that no connection to Neo4j could be made.
func unreachable(err error) bool {
	msg := err.Error()
	for _, s := range []string{"connection refused", "no such host", "unable to retrieve routing table", "i/o timeout", "connection reset"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// classify turns a driver error into the service's error kinds.
func classify(err error, what string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var nerr *neo4j.Neo4jError
	var connErr *neo4j.ConnectivityError
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Kind: KindTimeout, Message: what + ": ran over its time budget", Err: err}
	case errors.As(err, &nerr) && strings.Contains(nerr.Code, "TransactionTimedOut"),
		errors.As(err, &nerr) && strings.Contains(nerr.Code, "Transaction.TransactionTimedOut"):
		return &Error{Kind: KindTimeout, Message: what + ": ran over its time budget", Err: err}
	case errors.As(err, &nerr) && strings.HasPrefix(nerr.Code, "Neo.ClientError.Security"):
		return &Error{Kind: KindUnavailable, Message: what + ": Neo4j refused the credentials (check NEO4J_USER / NEO4J_PASSWORD)", Err: err}
	case errors.As(err, &nerr) && strings.HasPrefix(nerr.Code, "Neo.TransientError"):
		return &Error{Kind: KindUnavailable, Message: what + ": Neo4j is busy, try again", Err: err}
	case errors.As(err, &connErr), errors.As(err, &netErr), neo4j.IsUsageError(err) && strings.Contains(err.Error(), "connect"),
		strings.Contains(err.Error(), "ConnectivityError"), strings.Contains(err.Error(), "connection refused"),
		strings.Contains(err.Error(), "unable to retrieve routing table"):
		return &Error{Kind: KindUnavailable, Message: what + ": Neo4j is not reachable", Err: err}
	}
	return &Error{Kind: KindInternal, Message: what, Err: err}
}
