package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"testing"
	"time"

	"sluice/backend/ent"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// pgOnly opens a fresh PostgreSQL store and an administrator's connection to kill its
// backends with.
func pgOnly(t *testing.T) (*store.Store, *sql.DB) {
	t.Helper()
	if os.Getenv(storetest.PGEnv) == "" {
		t.Skip("needs PostgreSQL: set " + storetest.PGEnv)
	}
	admin, err := sql.Open("pgx", os.Getenv(storetest.PGEnv))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	return storetest.Postgres(t), admin
}

// killOwn terminates the backend serving tx from the administrator's connection and
// waits until it is gone, as a server restart or an operator would.
func killOwn(t *testing.T, ctx context.Context, admin *sql.DB, tx *ent.Tx) {
	t.Helper()
	rows, err := tx.QueryContext(ctx, "SELECT pg_backend_pid()")
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	for rows.Next() {
		if err := rows.Scan(&pid); err != nil {
			t.Fatal(err)
		}
	}
	rows.Close()
	terminate(t, ctx, admin, pid)
}

// terminate ends backend pid and waits until it is gone.
func terminate(t *testing.T, ctx context.Context, admin *sql.DB, pid int) {
	t.Helper()
	if _, err := admin.ExecContext(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		var n int
		if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("backend %d still there", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// audit writes one journal entry in tx.
func audit(ctx context.Context, tx *ent.Tx) error {
	j, err := store.Begin(ctx, tx, "req-lost")
	if err != nil {
		return err
	}
	if err := j.Audit(ctx, store.Audit{Actor: "test", Action: "lost.test"}); err != nil {
		return err
	}
	return j.Close(ctx)
}

func entries(t *testing.T, s *store.Store) int {
	t.Helper()
	n, err := s.Read.AuditEntry.Query().Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A connection lost in the middle of a transaction: nothing was committed, so the
// whole transaction runs again on a fresh connection, and is written once.
func TestTxRetriesAConnectionLostBeforeCommit(t *testing.T) {
	s, admin := pgOnly(t)
	ctx := context.Background()
	attempts := 0
	err := s.Tx(ctx, func(tx *ent.Tx) error {
		attempts++
		if attempts == 1 {
			killOwn(t, ctx, admin, tx)
		}
		return audit(ctx, tx)
	})
	if err != nil || attempts != 2 {
		t.Fatalf("err %v after %d attempts, want success on the second", err, attempts)
	}
	if n := entries(t, s); n != 1 {
		t.Fatalf("%d audit entries, want 1", n)
	}
	if _, reason, _, err := s.VerifyAudit(ctx); err != nil || reason != "" {
		t.Fatalf("audit chain: %s %v", reason, err)
	}
}

// Lost again on the second try: ErrUnavailable, and nothing written.
func TestTxLostTwiceIsUnavailable(t *testing.T) {
	s, admin := pgOnly(t)
	ctx := context.Background()
	attempts := 0
	err := s.Tx(ctx, func(tx *ent.Tx) error {
		attempts++
		if err := audit(ctx, tx); err != nil {
			return err
		}
		killOwn(t, ctx, admin, tx)
		_, err := tx.ExecContext(ctx, "SELECT 1")
		return err
	})
	if !errors.Is(err, store.ErrUnavailable) || attempts != 2 {
		t.Fatalf("err %v after %d attempts, want ErrUnavailable after 2", err, attempts)
	}
	if n := entries(t, s); n != 0 {
		t.Fatalf("%d audit entries, want none", n)
	}
}

// The connection dies under COMMIT: the outcome is unknown to the client, so the
// transaction is not run again (it could be applied twice) and Tx says so.
func TestTxLostAtCommitIsNotRetried(t *testing.T) {
	s, admin := pgOnly(t)
	ctx := context.Background()
	attempts := 0
	err := s.Tx(ctx, func(tx *ent.Tx) error {
		attempts++
		if err := audit(ctx, tx); err != nil {
			return err
		}
		killOwn(t, ctx, admin, tx)
		return nil
	})
	if !errors.Is(err, store.ErrCommitUnknown) || attempts != 1 {
		t.Fatalf("err %v after %d attempts, want ErrCommitUnknown after 1", err, attempts)
	}
	if !store.ConnLost(err) {
		t.Fatalf("ConnLost(%v) is false", err)
	}
	// here the server died before COMMIT arrived, so nothing was written
	if n := entries(t, s); n != 0 {
		t.Fatalf("%d audit entries, want none", n)
	}
	// and the store works on
	if err := s.Tx(ctx, func(tx *ent.Tx) error { return audit(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// A read on a pooled connection the server has since closed runs again on another.
func TestReadAfterItsConnectionWasKilled(t *testing.T) {
	s, admin := pgOnly(t)
	ctx := context.Background()
	for round := range 3 {
		var pid int
		if err := s.ReadDB.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			t.Fatal(err)
		}
		// the only idle reader connection is now dead
		s.SetPoolSize(8, 1)
		terminate(t, ctx, admin, pid)
		if _, err := s.Read.AuditEntry.Query().Count(ctx); err != nil {
			t.Fatalf("round %d: read after the connection was killed: %v", round, err)
		}
	}
}
