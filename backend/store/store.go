// Package store opens Sluice's database (embedded SQLite by default, PostgreSQL for
// scale-out), applies the versioned migrations checked into migrations/, and offers the
// one-transaction-per-state-change helpers the rest of the backend builds on.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"

	"sluice/backend/ent"
)

// DefaultURL is the embedded database used when no --db is given.
const DefaultURL = "sqlite://./data/sluice.db"

// Store holds the database handles: a writer pool that only Tx uses, and a reader pool
// for everything read outside a transaction. On SQLite the writer is one connection (WAL
// allows one writer; queueing in Go is cheaper than SQLite's busy-wait).
//
// On PostgreSQL the two are separate pools too, and that is what keeps a loaded server
// from freezing: code running inside a write transaction reads through Read (the
// catalog, the reminder cache, …) while it holds a writer connection and row locks (an
// order's, its audit chain's head). Were both one pool, N transactions waiting on a lock
// would hold all N connections and the lock holder would wait for an N+1st forever. With
// two pools no request ever waits for a second connection of a pool it holds one of: a
// writer may wait for a reader connection, but a reader connection is only ever held by
// plain reads (never a lock wait under MVCC, never a wait for a writer), so one always
// comes free. Using Client inside a Tx callback breaks this; SQLite's single writer
// connection makes any such use hang every test at once.
type Store struct {
	Dialect string
	URL     string
	Client  *ent.Client // writer: use only through Tx
	Read    *ent.Client // readers
	DB      *sql.DB
	ReadDB  *sql.DB
	pingDB  *sql.DB      // PostgreSQL: one connection of its own for readiness (see Ping)
	schema  string       // PostgreSQL: the current schema (see Channel)
	idle    atomic.Int32 // PostgreSQL: idle connections kept per pool (see dropIdle)
	fin     finality     // which event numbers are final (see FinalEvents)
	ann     announcer    // PostgreSQL: tells other instances of commits (see announcer)
	group   committer    // SQLite: runs the write transactions, committing them in groups (group.go)
	// StrictOrderLocks makes a transaction that appends to an order's audit chain
	// without the order's lock fail (tests set it; see LockOrders).
	StrictOrderLocks bool
	commitHooks
}

// Default PostgreSQL pool sizes. Writers on different orders lock nothing in common (see
// Journal), so each instance's writer pool bounds how many run side by side.
const (
	pgWriteConns = 8
	pgReadConns  = 16
)

// Open connects to url (sqlite://path or postgres://…). It does not migrate.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	return open(ctx, rawURL, nil)
}

// asIs leaves a connector as it is (no wrapping).
func asIs(c driver.Connector) driver.Connector { return c }

// open opens rawURL with the writer's and readers' connectors wrapped by wrap (nil: as
// they are); fault injection uses it.
func open(ctx context.Context, rawURL string, wrap func(driver.Connector) driver.Connector) (*Store, error) {
	if wrap == nil {
		wrap = asIs
	}
	if rawURL == "" {
		rawURL = DefaultURL
	}
	switch {
	case strings.HasPrefix(rawURL, "sqlite://"):
		return openSQLite(ctx, rawURL, wrap)
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL, wrap)
	}
	return nil, fmt.Errorf("store: unsupported database URL %q (want sqlite:///path or postgres://…)", redact(rawURL))
}

// SQLitePath returns the file path of a sqlite:// URL.
func SQLitePath(rawURL string) string {
	p := strings.TrimPrefix(rawURL, "sqlite://")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

func sqliteDSN(path string, write bool) string {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(FULL)")
	if write {
		// BEGIN IMMEDIATE takes the write lock up front, so a transaction that reads
		// then writes never meets SQLITE_BUSY half-way.
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

func openSQLite(ctx context.Context, rawURL string, wrap func(driver.Connector) driver.Connector) (*Store, error) {
	path := SQLitePath(rawURL)
	if path == "" {
		return nil, errors.New("store: sqlite URL has no path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create %s: %w", dir, err)
		}
	}
	wc, err := sqlite.NewConnector(sqliteDSN(path, true))
	if err != nil {
		return nil, err
	}
	rc, err := sqlite.NewConnector(sqliteDSN(path, false))
	if err != nil {
		return nil, err
	}
	w := sql.OpenDB(wrap(cachingConnector{base: wc, size: stmtCacheSize}))
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	r := sql.OpenDB(wrap(cachingConnector{base: rc, size: stmtCacheSize}))
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	s := &Store{Dialect: dialect.SQLite, URL: rawURL, DB: w, ReadDB: r}
	s.Client = ent.NewClient(ent.Driver(entsql.OpenDB(dialect.SQLite, w)))
	s.Read = ent.NewClient(ent.Driver(entsql.OpenDB(dialect.SQLite, r)))
	return s, nil
}

func openPostgres(ctx context.Context, rawURL string, wrap func(driver.Connector) driver.Connector) (*Store, error) {
	var dbs []*sql.DB
	pool := func(n int, wrap func(driver.Connector) driver.Connector) (*sql.DB, error) {
		c, err := stdlib.GetDefaultDriver().(driver.DriverContext).OpenConnector(rawURL)
		if err != nil {
			return nil, err
		}
		db := sql.OpenDB(wrap(c))
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
		db.SetConnMaxIdleTime(5 * time.Minute)
		dbs = append(dbs, db)
		return db, nil
	}
	fail := func(err error) (*Store, error) {
		for _, db := range dbs {
			db.Close()
		}
		return nil, err
	}
	w, err := pool(pgWriteConns, wrap)
	if err != nil {
		return fail(err)
	}
	r, err := pool(pgReadConns, func(c driver.Connector) driver.Connector { return wrap(readConnector{c}) })
	if err != nil {
		return fail(err)
	}
	p, err := pool(1, asIs)
	if err != nil {
		return fail(err)
	}
	if err := w.PingContext(ctx); err != nil {
		return fail(fmt.Errorf("store: connect %s: %w", redact(rawURL), err))
	}
	var schema string
	if err := w.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fail(fmt.Errorf("store: current schema: %w", err))
	}
	s := &Store{Dialect: dialect.Postgres, URL: rawURL, DB: w, ReadDB: r, pingDB: p, schema: schema}
	s.Client = ent.NewClient(ent.Driver(entsql.OpenDB(dialect.Postgres, w)))
	s.Read = ent.NewClient(ent.Driver(entsql.OpenDB(dialect.Postgres, r)))
	s.idle.Store(pgReadConns)
	return s, nil
}

// SetPoolSize caps PostgreSQL's writer and reader pools at write and read connections
// (tests run a whole service on a few). SQLite keeps its single writer.
func (s *Store) SetPoolSize(write, read int) {
	if s.Dialect != dialect.Postgres {
		return
	}
	s.DB.SetMaxOpenConns(write)
	s.DB.SetMaxIdleConns(write)
	s.ReadDB.SetMaxOpenConns(read)
	s.ReadDB.SetMaxIdleConns(read)
	s.idle.Store(int32(max(write, read)))
}

// Close releases the handles.
func (s *Store) Close() error {
	s.group.close()
	s.ann.close()
	err := s.DB.Close()
	for _, db := range []*sql.DB{s.ReadDB, s.pingDB} {
		if db == nil || db == s.DB {
			continue
		}
		if e := db.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Ping checks the database answers (readiness). On PostgreSQL it has a connection of
// its own, so a busy server (every pooled connection in use) still reports ready, and a
// readiness failure means the database does not answer, not that we are busy.
func (s *Store) Ping(ctx context.Context) error {
	if s.pingDB != nil {
		return s.pingDB.PingContext(ctx)
	}
	return s.ReadDB.PingContext(ctx)
}

// Tx runs fn in one write transaction: committed if fn returns nil, rolled back otherwise.
// On SQLite fn may share the database transaction, and its commit, with others waiting
// at the same time, each in a savepoint of its own (group.go); it is answered only once
// that commit is durable, and may then be run again like on PostgreSQL below.
//
// On PostgreSQL a connection lost before COMMIT was sent (a restarted server, an
// administrator's pg_terminate_backend, a broken network) rolls the transaction back on
// the server, so nothing was written and fn is run once more on a fresh connection; fn
// must therefore keep its effects inside tx (or reset what it collects outside at its
// start). A connection lost while COMMIT was in flight is not retried: the server may
// have committed before the connection died, and running fn again would apply the
// change twice. Tx then returns ErrCommitUnknown; clients that sent an Idempotency-Key
// can repeat the request safely (the key is stored in the same transaction). Losing the
// connection again on the second try returns ErrUnavailable.
//
// On PostgreSQL a transaction the server rolled back as a deadlock victim (40P01) or a
// serialization failure (40001) is run again too, up to txRetries times after a short
// random pause: nothing of it was written, and the same rule for fn makes it safe.
func (s *Store) Tx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	if s.Dialect == dialect.SQLite {
		return s.groupTx(ctx, fn)
	}
	err := s.tx(ctx, fn)
	for try := 0; try < txRetries && s.Dialect == dialect.Postgres && retryable(err) && ctx.Err() == nil; try++ {
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(1+rand.IntN(10<<try)) * time.Millisecond):
		}
		err = s.tx(ctx, fn)
	}
	if !errors.Is(err, errLost) || s.Dialect != dialect.Postgres || ctx.Err() != nil {
		return err
	}
	// A lost connection seldom comes alone (a restart or a terminate of every backend):
	// drop the idle ones rather than find each dead one by failing a request on it.
	s.dropIdle()
	if err = s.tx(ctx, fn); errors.Is(err, errLost) {
		return fmt.Errorf("%w (%w)", ErrUnavailable, err)
	}
	return err
}

// txRetries bounds the re-runs of a transaction PostgreSQL rolled back as a deadlock
// victim or a serialization failure.
const txRetries = 4

// tx is one attempt of Tx. A connection loss before COMMIT is wrapped in errLost; one
// during COMMIT in ErrCommitUnknown.
func (s *Store) tx(ctx context.Context, fn func(tx *ent.Tx) error) (err error) {
	lost := func(err error) bool { return s.Dialect == dialect.Postgres && ctx.Err() == nil && ConnLost(err) }
	tx, err := s.Client.Tx(ctx)
	if err != nil {
		if lost(err) {
			return fmt.Errorf("store: begin: %w: %w", errLost, err)
		}
		return fmt.Errorf("store: begin: %w", err)
	}
	st := &txState{store: s}
	running.Store(tx, st)
	defer func() {
		running.Delete(tx)
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err = fn(tx); err != nil {
		_ = tx.Rollback()
		if lost(err) {
			return fmt.Errorf("%w: %w", errLost, err)
		}
		return err
	}
	if err = tx.Commit(); err != nil {
		switch {
		case lost(err) && pgconn.SafeToRetry(err):
			// the driver knew the connection was gone and sent nothing
			return fmt.Errorf("store: commit: %w: %w", errLost, err)
		case lost(err):
			return fmt.Errorf("%w (%w)", ErrCommitUnknown, err)
		}
		return fmt.Errorf("store: commit: %w", err)
	}
	s.committed(st)
	return nil
}

// dropIdle closes the idle connections of both pools (new ones are opened as needed).
func (s *Store) dropIdle() {
	for _, db := range []*sql.DB{s.DB, s.ReadDB} {
		db.SetMaxIdleConns(0)
		db.SetMaxIdleConns(int(s.idle.Load()))
	}
}

// redact hides a password in a database URL for messages and logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Redact is redact for callers that log database URLs.
func Redact(raw string) string { return redact(raw) }
