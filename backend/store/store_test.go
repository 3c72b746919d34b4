package store_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/event"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// The migrations checked into the repo must produce exactly the ent schema: after
// migrating, ent finds nothing left to change. A schema edit without a migration fails here.
func TestMigrationsMatchSchema(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.Migrate(ctx); err != nil { // a second run is a no-op
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := s.Client.Schema.WriteTo(ctx, &buf); err != nil {
			t.Fatal(err)
		}
		if diff := bytes.TrimSpace(bytes.ReplaceAll(bytes.ReplaceAll(buf.Bytes(), []byte("BEGIN;"), nil), []byte("COMMIT;"), nil)); len(diff) > 0 {
			t.Fatalf("the ent schema differs from the migrations; run go run ./backend/store/migrations/gen -name <change>:\n%s", diff)
		}
		cur, latest, err := s.MigrationStatus(ctx)
		if err != nil || cur != latest || cur < 1 {
			t.Fatalf("version %d of %d, err %v", cur, latest, err)
		}
	})
}

func appendOne(ctx context.Context, s *store.Store, actor string, i int) error {
	return s.Tx(ctx, func(tx *ent.Tx) error {
		j, err := store.Begin(ctx, tx, "req")
		if err != nil {
			return err
		}
		if err := j.Audit(ctx, store.Audit{Actor: actor, Action: "test", Detail: map[string]any{"i": i, "名": "訂單"}}); err != nil {
			return err
		}
		if _, err := j.Event(ctx, "test", "admin", map[string]any{"i": i}); err != nil {
			return err
		}
		return j.Close(ctx)
	})
}

// Concurrent writers must leave one unbroken chain and gap-free event sequences.
func TestJournalConcurrentAppends(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const workers, each = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					if err := appendOne(ctx, s, fmt.Sprintf("w%d", w), i); err != nil {
						errs <- err
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		bad, reason, n, err := s.VerifyAudit(ctx)
		if err != nil || reason != "" || n != workers*each {
			t.Fatalf("verify: bad %v reason %q n %d err %v", bad, reason, n, err)
		}
		seqs, err := s.Read.Event.Query().Order(ent.Asc(event.FieldSeq)).Select(event.FieldSeq).Ints(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i, q := range seqs {
			if q != i+1 {
				t.Fatalf("event %d has seq %d: sequences must be 1..n with no gap", i, q)
			}
		}
	})
}

// Editing, deleting or truncating entries is detected.
func TestAuditTamperDetected(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(ctx context.Context, s *store.Store) error
	}{
		{"edited detail", func(ctx context.Context, s *store.Store) error {
			return s.Client.AuditEntry.Update().Where(auditentry.Seq(2)).SetDetail(map[string]any{"i": 99}).Exec(ctx)
		}},
		{"edited actor", func(ctx context.Context, s *store.Store) error {
			return s.Client.AuditEntry.Update().Where(auditentry.Seq(3)).SetActor("mallory").Exec(ctx)
		}},
		{"deleted middle", func(ctx context.Context, s *store.Store) error {
			_, err := s.Client.AuditEntry.Delete().Where(auditentry.Seq(2)).Exec(ctx)
			return err
		}},
		{"truncated end", func(ctx context.Context, s *store.Store) error {
			_, err := s.Client.AuditEntry.Delete().Where(auditentry.Seq(4)).Exec(ctx)
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.ForEach(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				for i := 0; i < 4; i++ {
					if err := appendOne(ctx, s, "a", i); err != nil {
						t.Fatal(err)
					}
				}
				if _, reason, _, err := s.VerifyAudit(ctx); err != nil || reason != "" {
					t.Fatalf("intact chain reported %q %v", reason, err)
				}
				if err := tc.tamper(ctx, s); err != nil {
					t.Fatal(err)
				}
				if _, reason, _, err := s.VerifyAudit(ctx); err != nil || reason == "" {
					t.Fatalf("tampering not detected (reason %q, err %v)", reason, err)
				}
			})
		})
	}
}

// A failed transaction leaves nothing: no entry, no event, the head unchanged.
func TestTxRollbackWritesNothing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		err := s.Tx(ctx, func(tx *ent.Tx) error {
			j, err := store.Begin(ctx, tx, "")
			if err != nil {
				return err
			}
			if err := j.Audit(ctx, store.Audit{Actor: "a", Action: "x"}); err != nil {
				return err
			}
			if err := j.Close(ctx); err != nil {
				return err
			}
			return fmt.Errorf("refused")
		})
		if err == nil {
			t.Fatal("expected the error back")
		}
		if n, _ := s.Read.AuditEntry.Query().Count(ctx); n != 0 {
			t.Fatalf("%d audit entries after rollback", n)
		}
		if h, _ := s.Read.Ledger.Get(ctx, 1); h.AuditSeq != 0 {
			t.Fatalf("ledger moved to %d after rollback", h.AuditSeq)
		}
	})
}
