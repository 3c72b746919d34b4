package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"entgo.io/ent/dialect"

	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
)

// BackupAction is the audit action that records a backup in the database it copies.
const BackupAction = "backup.created"

// BackupInfo describes a backup file.
type BackupInfo struct {
	Path          string    `json:"path"`
	Bytes         int64     `json:"bytes"`
	At            time.Time `json:"at"`
	SchemaVersion int64     `json:"schema_version"`
	AuditSeq      int64     `json:"audit_seq"` // the last audit entry the copy holds
	Orders        int       `json:"orders"`
}

// ErrPostgresBackup explains where PostgreSQL backups come from.
var ErrPostgresBackup = errors.New("store: backups of a PostgreSQL database are taken with pg_dump and restored with pg_restore " +
	"(see docs/operations.md, Backups and restore); sluice backup and restore handle the embedded SQLite database")

// Backup writes a consistent copy of the SQLite database to path while it is in use:
// VACUUM INTO reads one snapshot (a read transaction, so writers carry on in WAL mode),
// and the copy holds every transaction committed before it started. The copy is written
// beside path, checked (integrity_check), synced, then renamed into place, so path only
// ever holds a complete backup. path must not exist. The backup is recorded as an audit
// entry of the live database (LastBackup reads it).
func (s *Store) Backup(ctx context.Context, path string) (*BackupInfo, error) {
	if s.Dialect != dialect.SQLite {
		return nil, ErrPostgresBackup
	}
	if path == "" {
		return nil, errors.New("store: backup: no target file")
	}
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("store: backup: %s exists; choose a new file", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: backup: %w", err)
	}
	tmp := tempName(path)
	defer os.Remove(tmp) // a no-op after the rename
	started := Now()
	if _, err := s.ReadDB.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return nil, fmt.Errorf("store: backup: %w", err)
	}
	info, err := inspectSQLite(ctx, tmp)
	if err != nil {
		return nil, fmt.Errorf("store: backup: the copy does not check: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return nil, fmt.Errorf("store: backup: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("store: backup: %w", err)
	}
	_ = syncDir(filepath.Dir(path))
	info.Path, info.At = path, started
	if err := s.recordBackup(ctx, info); err != nil {
		return info, fmt.Errorf("store: backup written to %s, but recording it failed: %w", path, err)
	}
	return info, nil
}

// recordBackup appends the backup.created audit entry.
func (s *Store) recordBackup(ctx context.Context, info *BackupInfo) error {
	abs, _ := filepath.Abs(info.Path)
	return s.Tx(ctx, func(tx *ent.Tx) error {
		j, err := Begin(ctx, tx, "")
		if err != nil {
			return err
		}
		err = j.Audit(ctx, Audit{Actor: "system", Action: BackupAction, Detail: map[string]any{
			"file": abs, "bytes": info.Bytes, "schema_version": info.SchemaVersion,
			"audit_seq": info.AuditSeq, "orders": info.Orders, "started_at": info.At.Format(time.RFC3339Nano),
		}})
		if err != nil {
			return err
		}
		return j.Close(ctx)
	})
}

// LastBackup returns the newest backup recorded in this database, nil if none.
func (s *Store) LastBackup(ctx context.Context) (*BackupInfo, error) {
	e, err := s.Read.AuditEntry.Query().Where(auditentry.Action(BackupAction)).
		Order(ent.Desc(auditentry.FieldSeq)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	num := func(k string) int64 {
		f, _ := e.Detail[k].(float64)
		return int64(f)
	}
	file, _ := e.Detail["file"].(string)
	return &BackupInfo{Path: file, Bytes: num("bytes"), At: e.At, SchemaVersion: num("schema_version"),
		AuditSeq: num("audit_seq"), Orders: int(num("orders"))}, nil
}

// Restore puts the backup file from into the database at toURL, which must be a new,
// empty SQLite database (no file, or an empty one). The backup is checked first
// (a SQLite file that passes integrity_check, not newer than this binary); after the
// copy the database is migrated (an older backup is upgraded) and its audit chain
// verified.
func Restore(ctx context.Context, from, toURL string) (*BackupInfo, error) {
	if toURL == "" {
		toURL = DefaultURL
	}
	if len(toURL) < 9 || toURL[:9] != "sqlite://" {
		return nil, ErrPostgresBackup
	}
	info, err := inspectSQLite(ctx, from)
	if err != nil {
		return nil, fmt.Errorf("store: restore: %s is not a usable backup: %w", from, err)
	}
	if latest := LatestVersion(); info.SchemaVersion > latest {
		return nil, &NewerError{Database: info.SchemaVersion, Binary: latest}
	}
	dst := SQLitePath(toURL)
	for _, p := range []string{dst, dst + "-wal"} {
		if st, err := os.Stat(p); err == nil && st.Size() > 0 {
			return nil, fmt.Errorf("store: restore: %s is not empty; restore into a new database (a path that does not exist yet)", p)
		}
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return nil, fmt.Errorf("store: restore: %w", err)
	}
	tmp := tempName(dst)
	defer os.Remove(tmp)
	if err := copyFile(from, tmp); err != nil {
		return nil, fmt.Errorf("store: restore: %w", err)
	}
	// O_EXCL semantics for the final step: link fails when dst appeared meanwhile.
	_ = os.Remove(dst) // an empty file left by someone
	if err := os.Link(tmp, dst); err != nil {
		return nil, fmt.Errorf("store: restore: %w", err)
	}
	_ = syncDir(filepath.Dir(dst))
	if err := finishRestore(ctx, toURL, info); err != nil {
		// Leave nothing half-done behind: the target was new and empty.
		for _, p := range []string{dst, dst + "-wal", dst + "-shm", dst + "-migrate.lock"} {
			_ = os.Remove(p)
		}
		return nil, err
	}
	info.Path = dst
	return info, nil
}

// finishRestore migrates the restored database and verifies its audit chain.
func finishRestore(ctx context.Context, url string, info *BackupInfo) error {
	s, err := Open(ctx, url)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	_, reason, _, err := s.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if reason != "" {
		return fmt.Errorf("store: restore: the backup's audit chain does not verify (%s); nothing was restored", reason)
	}
	info.SchemaVersion, err = s.SchemaVersion(ctx)
	return err
}

var sqliteMagic = []byte("SQLite format 3\x00")

// inspectSQLite opens a database file read-only and reports what it holds.
func inspectSQLite(ctx context.Context, path string) (*BackupInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, len(sqliteMagic))
	_, err = io.ReadFull(f, head)
	st, _ := f.Stat()
	f.Close()
	if err != nil || !bytes.Equal(head, sqliteMagic) {
		return nil, errors.New("not a SQLite database")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var check string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil {
		return nil, err
	}
	if check != "ok" {
		return nil, fmt.Errorf("integrity_check: %s", check)
	}
	info := &BackupInfo{Bytes: st.Size()}
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT MAX(version_id) FROM "+versionTable).Scan(&v); err != nil {
		return nil, fmt.Errorf("no schema version: %w", err)
	}
	info.SchemaVersion = v.Int64
	// Older schemas may lack what newer code counts; report what can be read.
	_ = db.QueryRowContext(ctx, "SELECT audit_seq FROM ledgers WHERE id = 1").Scan(&info.AuditSeq)
	_ = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM orders").Scan(&info.Orders)
	return info, nil
}

func tempName(path string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return path + ".partial-" + hex.EncodeToString(b[:])
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
