// Package store opens Sluice's database (embedded SQLite by default, PostgreSQL for
// scale-out), applies the versioned migrations checked into migrations/, and offers the
// one-transaction-per-state-change helpers the rest of the backend builds on.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"modernc.org/sqlite"

	"sluice/backend/ent"
)

// DefaultURL is the embedded database used when no --db is given.
const DefaultURL = "sqlite://./data/sluice.db"

// Store holds the database handles. On SQLite, writes go through one connection (WAL
// allows one writer; queueing in Go is cheaper than SQLite's busy-wait) while reads use
// a pool; on PostgreSQL both are the same pool.
type Store struct {
	Dialect string
	URL     string
	Client  *ent.Client // writer: use inside Tx
	Read    *ent.Client // readers
	DB      *sql.DB
	ReadDB  *sql.DB
	schema  string // PostgreSQL: the current schema (see Channel)
	commitHooks
}

// Open connects to url (sqlite://path or postgres://…). It does not migrate.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	if rawURL == "" {
		rawURL = DefaultURL
	}
	switch {
	case strings.HasPrefix(rawURL, "sqlite://"):
		return openSQLite(ctx, rawURL)
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL)
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

func openSQLite(ctx context.Context, rawURL string) (*Store, error) {
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
	w := sql.OpenDB(cachingConnector{base: wc, size: stmtCacheSize})
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	r := sql.OpenDB(cachingConnector{base: rc, size: stmtCacheSize})
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	s := &Store{Dialect: dialect.SQLite, URL: rawURL, DB: w, ReadDB: r}
	s.Client = ent.NewClient(ent.Driver(entsql.OpenDB(dialect.SQLite, w)))
	s.Read = ent.NewClient(ent.Driver(entsql.OpenDB(dialect.SQLite, r)))
	return s, nil
}

func openPostgres(ctx context.Context, rawURL string) (*Store, error) {
	db, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect %s: %w", redact(rawURL), err)
	}
	var schema string
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: current schema: %w", err)
	}
	s := &Store{Dialect: dialect.Postgres, URL: rawURL, DB: db, ReadDB: db, schema: schema}
	s.Client = ent.NewClient(ent.Driver(entsql.OpenDB(dialect.Postgres, db)))
	s.Read = s.Client
	return s, nil
}

// Close releases the handles.
func (s *Store) Close() error {
	err := s.DB.Close()
	if s.ReadDB != s.DB {
		if e := s.ReadDB.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Ping checks the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.ReadDB.PingContext(ctx) }

// Tx runs fn in one write transaction: committed if fn returns nil, rolled back otherwise.
func (s *Store) Tx(ctx context.Context, fn func(tx *ent.Tx) error) (err error) {
	tx, err := s.Client.Tx(ctx)
	if err != nil {
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
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	s.committed(st)
	return nil
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
