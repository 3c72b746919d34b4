package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"sluice/backend/ent"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// Two transactions that lock two rows in opposite orders deadlock on PostgreSQL; the
// server rolls one back (40P01) and Store.Tx runs it again, so both succeed and the
// caller never sees the deadlock.
func TestTxRetriesADeadlock(t *testing.T) {
	if len(storetest.Backends()) < 2 {
		t.Skip("PostgreSQL only (SQLite has one writer): set " + storetest.PGEnv)
	}
	s := storetest.Postgres(t)
	ctx := context.Background()
	for _, c := range []string{"x", "y"} {
		if _, err := s.DB.ExecContext(ctx, "INSERT INTO audit_chains (chain, seq, hash) VALUES ($1, 0, '')", c); err != nil {
			t.Fatal(err)
		}
	}
	var runs atomic.Int32
	var both sync.WaitGroup // each holds its first row before taking the other's
	both.Add(2)
	run := func(first, second string) error {
		var once sync.Once
		return s.Tx(ctx, func(tx *ent.Tx) error {
			runs.Add(1)
			if _, err := tx.ExecContext(ctx, "UPDATE audit_chains SET seq = seq + 1 WHERE chain = $1", first); err != nil {
				return err
			}
			once.Do(func() { both.Done(); both.Wait() })
			_, err := tx.ExecContext(ctx, "UPDATE audit_chains SET seq = seq + 1 WHERE chain = $1", second)
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run("x", "y") }()
	go func() { errs <- run("y", "x") }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a deadlock reached the caller: %v", err)
		}
	}
	if n := runs.Load(); n < 3 {
		t.Fatalf("%d runs: no deadlock happened, the test proves nothing", n)
	}
	var x, y int
	if err := s.DB.QueryRowContext(ctx, "SELECT (SELECT seq FROM audit_chains WHERE chain = 'x'), (SELECT seq FROM audit_chains WHERE chain = 'y')").Scan(&x, &y); err != nil {
		t.Fatal(err)
	}
	if x != 2 || y != 2 {
		t.Fatalf("x %d y %d, want 2 and 2: a rolled-back run left something behind or a run was lost", x, y)
	}
}

// LockOrders remembers what it locked, per transaction.
func TestLockOrdersRemembers(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		err := s.Tx(ctx, func(tx *ent.Tx) error {
			if store.OrderLocked(tx, 3) {
				t.Fatal("locked before LockOrders")
			}
			if err := store.LockOrders(ctx, tx, 5, 3, 3); err != nil {
				return err
			}
			if !store.OrderLocked(tx, 3) || !store.OrderLocked(tx, 5) || store.OrderLocked(tx, 4) {
				t.Fatal("LockOrders did not remember 3 and 5 only")
			}
			j, err := store.Begin(ctx, tx, "")
			if err != nil {
				return err
			}
			if err := j.Audit(ctx, store.Audit{Actor: "a", Action: "x", OrderID: 4}); err == nil {
				t.Fatal("an entry on an order not locked was taken (StrictOrderLocks)")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
