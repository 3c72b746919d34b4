package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// onOrder appends one entry to order's chain.
func onOrder(ctx context.Context, s *store.Store, order, i int) error {
	return s.Tx(ctx, func(tx *ent.Tx) error {
		j, err := store.Begin(ctx, tx, "req")
		if err != nil {
			return err
		}
		if err := store.LockOrders(ctx, tx, order); err != nil {
			return err
		}
		if err := j.Audit(ctx, store.Audit{Actor: "clerk", Action: "step", OrderID: order, Detail: map[string]any{"i": i}}); err != nil {
			return err
		}
		return j.Close(ctx)
	})
}

func entry(ctx context.Context, s *store.Store, chain string, seq int64) *ent.AuditEntry {
	return s.Read.AuditEntry.Query().Where(auditentry.Chain(chain), auditentry.ChainSeq(seq)).OnlyX(ctx)
}

// Tampering inside one order's chain, dropping a chain's tail (with or without moving
// its head back) and altering an anchor are each detected.
func TestChainTamperDetected(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(ctx context.Context, s *store.Store) error
	}{
		{"edited entry in an order's chain", func(ctx context.Context, s *store.Store) error {
			return s.Client.AuditEntry.Update().Where(auditentry.Chain("order:1"), auditentry.ChainSeq(2)).SetActor("mallory").Exec(ctx)
		}},
		{"reordered entries in an order's chain", func(ctx context.Context, s *store.Store) error {
			a, b := entry(ctx, s, "order:1", 1), entry(ctx, s, "order:1", 2)
			if err := s.Client.AuditEntry.UpdateOne(a).SetChainSeq(-1).Exec(ctx); err != nil {
				return err
			}
			if err := s.Client.AuditEntry.UpdateOne(b).SetChainSeq(1).Exec(ctx); err != nil {
				return err
			}
			return s.Client.AuditEntry.UpdateOneID(a.ID).SetChainSeq(2).Exec(ctx)
		}},
		{"dropped the tail of one chain", func(ctx context.Context, s *store.Store) error {
			_, err := s.Client.AuditEntry.Delete().Where(auditentry.Chain("order:2"), auditentry.ChainSeq(3)).Exec(ctx)
			return err
		}},
		{"dropped an anchored tail and moved the head back", func(ctx context.Context, s *store.Store) error {
			keep := entry(ctx, s, "order:2", 2)
			if _, err := s.Client.AuditEntry.Delete().Where(auditentry.Chain("order:2"), auditentry.ChainSeq(3)).Exec(ctx); err != nil {
				return err
			}
			_, err := s.DB.ExecContext(ctx, "UPDATE audit_chains SET seq = 2, hash = '"+keep.Hash+"' WHERE chain = 'order:2'")
			return err
		}},
		{"altered an anchor", func(ctx context.Context, s *store.Store) error {
			return s.Client.AuditEntry.Update().Where(auditentry.Chain(""), auditentry.Action(store.AnchorAction)).
				SetDetail(map[string]any{"heads": []any{}}).Exec(ctx)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.ForEach(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				for i := range 3 {
					for o := 1; o <= 2; o++ {
						if err := onOrder(ctx, s, o, i); err != nil {
							t.Fatal(err)
						}
					}
				}
				if n, err := s.Anchor(ctx); err != nil || n != 2 {
					t.Fatalf("anchored %d heads: %v", n, err)
				}
				if err := onOrder(ctx, s, 1, 3); err != nil { // not anchored yet
					t.Fatal(err)
				}
				if _, reason, n, err := s.VerifyAudit(ctx); err != nil || reason != "" || n != 8 {
					t.Fatalf("intact chains reported %q (%d entries) %v", reason, n, err)
				}
				if err := tc.tamper(ctx, s); err != nil {
					t.Fatal(err)
				}
				_, reason, _, err := s.VerifyAudit(ctx)
				if err != nil || reason == "" {
					t.Fatalf("tampering not detected (reason %q, err %v)", reason, err)
				}
				t.Log(reason)
			})
		})
	}
}

// Writers on two store instances sharing one PostgreSQL database append events
// concurrently, several of them to the same few orders (each waits for the one before on
// its order's chain, so it sees that one committed), some pausing between numbering
// their events and committing. A reader that reads only what FinalEvents hands out, and
// now and then starts over from the last seq it got as a resuming client does, gets
// every committed event exactly once, in seq order, and each order's events in the order
// its chain recorded them; the audit verifies. Seeded: SLUICE_SEED replays.
func TestFinalEventsAcrossInstances(t *testing.T) {
	if os.Getenv(storetest.PGEnv) == "" {
		t.Skip(storetest.PGEnv + " is not set")
	}
	url := storetest.PostgresURL(t)
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("SLUICE_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("SLUICE_SEED=%d", seed)
	ctx := context.Background()
	a := storetest.OpenURL(t, url)
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b := storetest.OpenURL(t, url)
	stores := []*store.Store{a, b}
	const writers, each, orders = 8, 40, 4
	var done atomic.Bool
	type got struct {
		seq   int64
		order int
		pos   int64
	}
	var delivered []got
	readerDone := make(chan error, 1)
	go func() {
		r := rand.New(rand.NewPCG(seed, 2))
		var last int64
		reader := stores[0]
		for {
			finished := done.Load() // read before the pass, so a last pass sees everything
			rows, held, err := reader.FinalEvents(ctx, last, 1+r.IntN(50))
			if err != nil {
				readerDone <- err
				return
			}
			for _, e := range rows {
				o, _ := e.Data["order"].(float64)
				p, _ := e.Data["pos"].(float64)
				delivered = append(delivered, got{e.Seq, int(o), int64(p)})
				last = e.Seq
			}
			if r.IntN(10) == 0 { // reconnect, through the other instance
				reader = stores[r.IntN(2)]
			}
			if finished && len(rows) == 0 && !held {
				readerDone <- nil
				return
			}
			time.Sleep(time.Duration(r.IntN(3)) * time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(w)+10))
			s := stores[w%2]
			for i := range each {
				order := 1 + r.IntN(orders)
				pause := time.Duration(0)
				if r.IntN(4) == 0 {
					pause = time.Duration(1+r.IntN(20)) * time.Millisecond
				}
				err := s.Tx(ctx, func(tx *ent.Tx) error {
					j, err := store.Begin(ctx, tx, "w")
					if err != nil {
						return err
					}
					if err := store.LockOrders(ctx, tx, order); err != nil {
						return err
					}
					if err := j.Audit(ctx, store.Audit{Actor: "w", Action: "step", OrderID: order, Detail: map[string]any{"w": w, "i": i}}); err != nil {
						return err
					}
					_, pos := j.AuditRef()
					for range 1 + r.IntN(3) {
						if _, err := j.Event(ctx, "test", fmt.Sprintf("order:%d", order), map[string]any{"order": order, "pos": pos}); err != nil {
							return err
						}
					}
					if err := j.Close(ctx); err != nil {
						return err
					}
					time.Sleep(pause) // numbered, not yet committed: a late commit
					if r.IntN(10) == 0 {
						return errRollback
					}
					return nil
				})
				if err != nil && err != errRollback {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	done.Store(true)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := <-readerDone; err != nil {
		t.Fatal(err)
	}
	stored, err := a.Read.Event.Query().Order(ent.Asc("seq")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(delivered) != len(stored) {
		t.Fatalf("delivered %d events, %d committed", len(delivered), len(stored))
	}
	lastPos := map[int]int64{}
	for i, d := range delivered {
		if d.seq != stored[i].Seq {
			t.Fatalf("delivery %d is seq %d, the table's %d-th is %d (skipped or repeated)", i, d.seq, i, stored[i].Seq)
		}
		if d.pos < lastPos[d.order] {
			t.Fatalf("order %d: event of chain entry %d delivered after one of entry %d (commit order broken)", d.order, d.pos, lastPos[d.order])
		}
		lastPos[d.order] = d.pos
	}
	if _, reason, _, err := a.VerifyAudit(ctx); err != nil || reason != "" {
		t.Fatalf("audit: %q %v", reason, err)
	}
}

var errRollback = fmt.Errorf("rolled back on purpose")
