package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"entgo.io/ent/dialect"
	"github.com/pressly/goose/v3"
)

// Migrations are forward-only SQL files, one folder per dialect, generated from the ent
// schema by `go run ./backend/store/migrations/gen` and reviewed before commit.
//
//go:embed all:migrations/sqlite all:migrations/postgres
var migrations embed.FS

// versionTable is goose's bookkeeping table.
const versionTable = "goose_db_version"

// NewerError is returned when the database was migrated by a newer Sluice than this
// binary: running against it could corrupt data the old code does not understand.
type NewerError struct {
	Database, Binary int64
}

func (e *NewerError) Error() string {
	return fmt.Sprintf("store: the database is at schema version %d but this binary knows versions up to %d: "+
		"it was upgraded by a newer Sluice. Run that version (or newer), or restore a backup taken before the upgrade; "+
		"migrations are forward-only and are never undone", e.Database, e.Binary)
}

func (s *Store) provider() (*goose.Provider, error) {
	dir, gd := "migrations/sqlite", goose.DialectSQLite3
	if s.Dialect == dialect.Postgres {
		dir, gd = "migrations/postgres", goose.DialectPostgres
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(gd, s.DB, sub)
}

// LatestVersion is the newest schema version this binary has a migration for.
func LatestVersion() int64 {
	ents, _ := fs.ReadDir(migrations, "migrations/sqlite")
	var v int64
	for _, e := range ents {
		var n int64
		if _, err := fmt.Sscanf(e.Name(), "%d_", &n); err == nil && n > v {
			v = n
		}
	}
	return v
}

// Migrate applies every pending migration, under a lock so that several instances
// starting together migrate once (the others wait, then find nothing to do). It refuses
// a database newer than this binary with a *NewerError.
func (s *Store) Migrate(ctx context.Context) error {
	return s.MigrateTo(ctx, 0)
}

// MigrateThen migrates like Migrate and then runs then while still holding the
// migration lock, so that the first-start writes that follow a migration (the first
// admin, the demo seed) happen once when several instances start together on an empty
// database: the others wait, then find everything there. then is not run when the
// migration fails.
func (s *Store) MigrateThen(ctx context.Context, then func(context.Context) error) error {
	unlock, err := s.migrationLock(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: lock: %w", err)
	}
	defer unlock()
	if err := s.migrateLocked(ctx, 0); err != nil {
		return err
	}
	return then(ctx)
}

// MigrateTo is Migrate stopping at version (0: the latest). Tests use it to build a
// database at an earlier schema version.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	unlock, err := s.migrationLock(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: lock: %w", err)
	}
	defer unlock()
	return s.migrateLocked(ctx, version)
}

// migrateLocked is MigrateTo for a caller holding the migration lock.
func (s *Store) migrateLocked(ctx context.Context, version int64) error {
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	cur, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	latest := LatestVersion()
	if cur > latest {
		return &NewerError{Database: cur, Binary: latest}
	}
	if version > 0 {
		_, err = p.UpTo(ctx, version)
	} else {
		_, err = p.Up(ctx)
	}
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// SchemaVersion reads the database's schema version without changing anything: 0 for a
// database never migrated.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	err := s.ReadDB.QueryRowContext(ctx, "SELECT MAX(version_id) FROM "+versionTable).Scan(&v)
	if err != nil {
		if isMissingTable(err) {
			return 0, nil
		}
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v.Int64, nil
}

// CheckVersion is for commands that use a database without migrating it: it fails
// when the database is newer than this binary or not migrated to its latest version.
func (s *Store) CheckVersion(ctx context.Context) error {
	cur, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	latest := LatestVersion()
	switch {
	case cur > latest:
		return &NewerError{Database: cur, Binary: latest}
	case cur < latest:
		return fmt.Errorf("store: the database is at schema version %d, this binary expects %d: run `sluice migrate` first", cur, latest)
	}
	return nil
}

func isMissingTable(err error) bool {
	m := err.Error()
	return strings.Contains(m, "no such table") || strings.Contains(m, "does not exist")
}

// MigrationStatus reports the database's schema version and the newest this binary knows.
func (s *Store) MigrationStatus(ctx context.Context) (current, latest int64, err error) {
	current, err = s.SchemaVersion(ctx)
	return current, LatestVersion(), err
}

// migrationLock serialises migrations across processes: a PostgreSQL session advisory
// lock keyed by the schema (so separate schemas on one server do not wait for each
// other), or an exclusive lock on a file next to the SQLite database.
func (s *Store) migrationLock(ctx context.Context) (func(), error) {
	if s.Dialect == dialect.Postgres {
		conn, err := s.DB.Conn(ctx)
		if err != nil {
			return nil, err
		}
		// pg_advisory_lock blocks until granted; the context cancels the wait.
		const q = "SELECT pg_advisory_lock(%d, hashtext(current_schema()))"
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(q, migrationLockKey)); err != nil {
			conn.Close()
			return nil, err
		}
		return func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("SELECT pg_advisory_unlock(%d, hashtext(current_schema()))", migrationLockKey))
			conn.Close()
		}, nil
	}
	path := SQLitePath(s.URL) + "-migrate.lock"
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, err
	}
	if err := lockFile(ctx, f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = unlockFile(f)
		f.Close()
	}, nil
}

// migrationLockKey is the first half of the advisory lock key ("sluc" in ASCII, an
// int4).
const migrationLockKey = 0x736c7563
