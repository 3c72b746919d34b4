package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sluice/backend/ent/auditentry"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// A backup taken while writers append holds every transaction acknowledged before it
// began, restores into a new database whose chain verifies, and is recorded.
func TestBackupWhileWriting(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	var acked atomic.Int64 // entries committed so far
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := appendOne(ctx, s, "writer", i); err != nil {
					t.Error(err)
					return
				}
				acked.Add(1)
			}
		}()
	}
	for acked.Load() < 30 && !t.Failed() {
		time.Sleep(time.Millisecond)
	}
	before := acked.Load()
	path := filepath.Join(t.TempDir(), "backups", "b1.db")
	info, err := s.Backup(ctx, path)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if info.AuditSeq < before || info.SchemaVersion != store.LatestVersion() || info.Bytes == 0 {
		t.Fatalf("backup holds %d entries, %d were acknowledged before it began (%+v)", info.AuditSeq, before, info)
	}
	if _, err := s.Backup(ctx, path); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("overwriting a backup: %v", err)
	}
	last, err := s.LastBackup(ctx)
	if err != nil || last == nil || last.AuditSeq != info.AuditSeq || !strings.HasSuffix(last.Path, "b1.db") {
		t.Fatalf("last backup %+v %v", last, err)
	}
	url := storetest.SQLiteURL(t)
	got, err := store.Restore(ctx, path, url)
	if err != nil {
		t.Fatal(err)
	}
	r := storetest.OpenURL(t, url)
	bad, reason, n, err := r.VerifyAudit(ctx)
	if err != nil || reason != "" || int64(n) != info.AuditSeq || got.AuditSeq != info.AuditSeq {
		t.Fatalf("restored chain: %v %q n=%d err=%v", bad, reason, n, err)
	}
	if c, _ := r.Read.AuditEntry.Query().Where(auditentry.Action(store.BackupAction)).Count(ctx); c != 0 {
		t.Fatalf("the backup holds its own record (%d): it must be a snapshot from before", c)
	}
}

func TestBackupRefusals(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, err := s.Backup(ctx, filepath.Join(t.TempDir(), "x.db"))
		if s.Dialect == "postgres" {
			if !errors.Is(err, store.ErrPostgresBackup) || !strings.Contains(err.Error(), "pg_dump") {
				t.Fatalf("postgres backup: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestRestoreRefusals(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t)
	for i := 0; i < 3; i++ {
		if err := appendOne(ctx, s, "a", i); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	if _, err := s.Backup(ctx, good); err != nil {
		t.Fatal(err)
	}
	// A backup from a newer binary.
	newer := filepath.Join(dir, "newer.db")
	if _, err := s.Backup(ctx, newer); err != nil {
		t.Fatal(err)
	}
	n := storetest.OpenURL(t, "sqlite://"+newer)
	if _, err := n.DB.ExecContext(ctx, "INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)", store.LatestVersion()+1); err != nil {
		t.Fatal(err)
	}
	n.Close()
	// A backup whose audit chain was tampered with.
	tampered := filepath.Join(dir, "tampered.db")
	if _, err := s.Backup(ctx, tampered); err != nil {
		t.Fatal(err)
	}
	tm := storetest.OpenURL(t, "sqlite://"+tampered)
	if err := tm.Client.AuditEntry.Update().Where(auditentry.Seq(2)).SetActor("mallory").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	tm.Close()
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, []byte("not a database at all, but long enough"), 0o644)
	occupied := filepath.Join(dir, "occupied.db")
	os.WriteFile(occupied, []byte("something"), 0o644)

	cases := []struct {
		name, from, to, want string
	}{
		{"not a database", notDB, "sqlite://" + filepath.Join(dir, "r1.db"), "not a SQLite database"},
		{"missing file", filepath.Join(dir, "nope.db"), "sqlite://" + filepath.Join(dir, "r2.db"), "no such file"},
		{"target not empty", good, "sqlite://" + occupied, "not empty"},
		{"newer backup", newer, "sqlite://" + filepath.Join(dir, "r3.db"), "newer Sluice"},
		{"tampered chain", tampered, "sqlite://" + filepath.Join(dir, "r4.db"), "does not verify"},
		{"postgres target", good, "postgres://u@localhost/x", "pg_restore"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := store.Restore(ctx, tc.from, tc.to)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
			if p := store.SQLitePath(tc.to); tc.name != "target not empty" && strings.HasPrefix(tc.to, "sqlite://") {
				if _, err := os.Stat(p); err == nil {
					t.Fatalf("a refused restore left %s behind", p)
				}
			}
		})
	}
	if b, _ := os.ReadFile(occupied); string(b) != "something" {
		t.Fatal("a refused restore changed the occupied target")
	}
	if _, err := store.Restore(ctx, good, "sqlite://"+filepath.Join(dir, "ok.db")); err != nil {
		t.Fatal(err)
	}
}
