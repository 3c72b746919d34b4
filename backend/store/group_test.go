package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/event"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// Group commit's promise, tried with many writers at once, each transaction refusing,
// panicking or succeeding at random while faults hit random statements (BEGIN, a
// savepoint, its release or roll-back, COMMIT included): a transaction answered nil is
// in the database exactly once, one answered with an error (or a panic) left nothing,
// whatever the others in its batch did; the audit chain and the event numbers stay
// whole. On SQLite the writers must really have shared commits.
// SLUICE_GROUP_SEED replays a run.
func TestGroupCommitEachAlone(t *testing.T) {
	seed := rand.Uint64()
	if v := os.Getenv("SLUICE_GROUP_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("seed %d (SLUICE_GROUP_SEED replays)", seed)
	storetest.ForEachFaulty(t, func(t *testing.T, s *store.Store, f *store.Faults) {
		ctx := context.Background()
		const workers, each = 16, 40
		var mu sync.Mutex
		got := map[string]bool{} // actor → answered nil
		injected := 0
		run := func(phase string, faults bool) {
			if faults {
				f.ArmEvery(15 + int((seed+uint64(len(phase)*7))%40))
			}
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(seed, uint64(w)))
					for i := range each {
						actor := fmt.Sprintf("%s-w%d-%d", phase, w, i)
						what := rng.IntN(10) // 0: refuse after writing, 1: panic after writing, else succeed
						if !faults {
							what = 2
						}
						err := func() (err error) {
							defer func() {
								if p := recover(); p != nil {
									err = fmt.Errorf("panicked: %v", p)
								}
							}()
							return s.Tx(ctx, func(tx *ent.Tx) error {
								j, err := store.Begin(ctx, tx, "req")
								if err != nil {
									return err
								}
								if err := j.Audit(ctx, store.Audit{Actor: actor, Action: "test"}); err != nil {
									return err
								}
								if _, err := j.Event(ctx, "test", actor, map[string]any{"i": i}); err != nil {
									return err
								}
								if err := j.Close(ctx); err != nil {
									return err
								}
								switch what {
								case 0:
									return errors.New("refused")
								case 1:
									panic("a bug in a transaction")
								}
								return nil
							})
						}()
						mu.Lock()
						got[actor] = err == nil
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			injected += f.Injected()
			f.Disarm()
		}
		run("calm", false)
		commits, txs := s.GroupStats()
		if s.Dialect == "sqlite3" && (txs != workers*each || commits >= txs) {
			t.Fatalf("%d transactions in %d commits: 16 writers at once must share commits", txs, commits)
		}
		t.Logf("without faults: %d transactions in %d commits", txs, commits)
		// Rounds until a batch broke (a fault on a savepoint's roll-back or release), so
		// the re-run path is always tried; SQLite only (PostgreSQL commits alone).
		for round := "faulty"; ; round += "+" {
			run(round, true)
			if s.Dialect != "sqlite3" || store.GroupReruns(s) > 0 || len(round) > 20 {
				break
			}
		}
		if injected == 0 {
			t.Fatal("no fault was injected: the test tried nothing")
		}
		oks := 0
		for actor, ok := range got {
			n, err := s.Read.AuditEntry.Query().Where(auditentry.Actor(actor)).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if ok {
				want, oks = 1, oks+1
			}
			if n != want {
				t.Fatalf("%s answered ok=%v but has %d audit entries (want %d)", actor, ok, n, want)
			}
		}
		if oks <= workers*each || oks == len(got) {
			t.Fatalf("%d of %d transactions succeeded: the faulty phase must have both outcomes", oks, len(got))
		}
		bad, reason, n, err := s.VerifyAudit(ctx)
		if err != nil || reason != "" || n != oks {
			t.Fatalf("verify: bad %v reason %q n %d (want %d) err %v", bad, reason, n, oks, err)
		}
		seqs, err := s.Read.Event.Query().Order(ent.Asc(event.FieldSeq)).Select(event.FieldSeq).Ints(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(seqs) != oks {
			t.Fatalf("%d events for %d committed transactions", len(seqs), oks)
		}
		for i, q := range seqs {
			// PostgreSQL's sequences skip the numbers of rolled-back transactions;
			// SQLite numbers from the ledger row, rolled back with them
			if (s.Dialect == "sqlite3" && q != i+1) || (i > 0 && q <= seqs[i-1]) {
				t.Fatalf("event %d has seq %d after %v: increasing, and on SQLite 1..n with no gap", i, q, seqs[max(0, i-1)])
			}
		}
		if s.Dialect == "sqlite3" && store.GroupReruns(s) == 0 {
			t.Fatal("no batch broke: the faults never hit a savepoint's roll-back or release")
		}
		t.Logf("faults injected %d; %d of %d transactions committed; %d run again after their batch broke", injected, oks, len(got), store.GroupReruns(s))
	})
}

// A transaction's function that ends its goroutine (runtime.Goexit: a test's t.FailNow
// inside a transaction) must not take the writer with it: its caller gets an error, the
// others in its batch commit, and the store goes on writing.
func TestGroupCommitSurvivesGoexit(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Tx(ctx, func(tx *ent.Tx) error {
				if i == 3 {
					runtime.Goexit()
				}
				return appendIn(ctx, tx, fmt.Sprintf("g%d", i))
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		n, _ := s.Read.AuditEntry.Query().Where(auditentry.Actor(fmt.Sprintf("g%d", i))).Count(ctx)
		if (i == 3) != (err != nil) || (err == nil) != (n == 1) {
			t.Fatalf("transaction %d: err %v, %d entries (only the one that exited fails)", i, err, n)
		}
	}
	if err := appendOne(ctx, s, "after", 1); err != nil {
		t.Fatalf("the store stopped writing: %v", err)
	}
}

func appendIn(ctx context.Context, tx *ent.Tx, actor string) error {
	j, err := store.Begin(ctx, tx, "req")
	if err != nil {
		return err
	}
	if err := j.Audit(ctx, store.Audit{Actor: actor, Action: "test"}); err != nil {
		return err
	}
	return j.Close(ctx)
}
