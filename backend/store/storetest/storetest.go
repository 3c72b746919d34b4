// Package storetest gives tests a fresh, migrated database of each kind: always SQLite,
// and PostgreSQL too when SLUICE_TEST_PG holds a server URL (a run then fails, never
// skips, if that server cannot be reached). Each PostgreSQL database is its own schema,
// dropped at the end, so concurrent runs never see each other's rows.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sluice/backend/store"
)

// PGEnv names the variable that points the suites at a PostgreSQL server.
const PGEnv = "SLUICE_TEST_PG"

// Backend is one database to run a test against.
type Backend struct {
	Name string // "sqlite" or "postgres"
	Open func(t testing.TB) *store.Store
}

// Backends lists SQLite and, when configured, PostgreSQL.
func Backends() []Backend {
	b := []Backend{{Name: "sqlite", Open: SQLite}}
	if os.Getenv(PGEnv) != "" {
		b = append(b, Backend{Name: "postgres", Open: Postgres})
	}
	return b
}

// ForEach runs fn as a subtest against a fresh migrated database of every backend.
func ForEach(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.Open(t)) })
	}
}

// SQLite opens a migrated database in a temporary directory.
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	return open(t, "sqlite://"+filepath.Join(t.TempDir(), "sluice.db"))
}

// SQLiteURL returns a URL for a fresh, not yet created SQLite database.
func SQLiteURL(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "sluice.db")
}

// PostgresURL creates a fresh schema on the SLUICE_TEST_PG server and returns a URL
// whose search_path points at it; the schema is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PGEnv)
	if base == "" {
		t.Fatalf("%s is not set", PGEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres %s: %v", store.Redact(base), err)
	}
	ctx := context.Background()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("%s is set but PostgreSQL is unreachable: %v", PGEnv, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// Postgres opens a migrated database in a fresh schema.
func Postgres(t testing.TB) *store.Store {
	t.Helper()
	return open(t, PostgresURL(t))
}

func open(t testing.TB, url string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatalf("open %s: %v", store.Redact(url), err)
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		t.Fatalf("migrate: %v", err)
	}
	// a path that changes an order without its lock fails the test (store.LockOrders)
	s.StrictOrderLocks = true
	t.Cleanup(func() { s.Close() })
	return s
}

// ForEachURL runs fn as a subtest with the URL of a fresh, empty (not migrated)
// database of every backend.
func ForEachURL(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			if b.Name == "postgres" {
				fn(t, PostgresURL(t))
			} else {
				fn(t, SQLiteURL(t))
			}
		})
	}
}

// OpenURL opens url without migrating; the store is closed when the test ends.
func OpenURL(t testing.TB, url string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("open %s: %v", store.Redact(url), err)
	}
	s.StrictOrderLocks = true
	t.Cleanup(func() { s.Close() })
	return s
}

// ForEachFaulty runs fn as a subtest against a fresh migrated database of every backend
// whose statements f can fail (see store.OpenFaulty); f starts disarmed.
func ForEachFaulty(t *testing.T, fn func(t *testing.T, s *store.Store, f *store.Faults)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			url := SQLiteURL(t)
			if b.Name == "postgres" {
				url = PostgresURL(t)
			}
			f := &store.Faults{}
			s, err := store.OpenFaulty(context.Background(), url, f)
			if err != nil {
				t.Fatalf("open %s: %v", store.Redact(url), err)
			}
			s.StrictOrderLocks = true
			t.Cleanup(func() { s.Close() })
			if err := s.Migrate(context.Background()); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			fn(t, s, f)
		})
	}
}
