package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/stretchr/testify/require"

	"sluice/backend/ent"
	"sluice/backend/ent/predicate"
	"sluice/backend/outbox"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// The conformance suite of store.Claim: every test runs on both leased tables (the
// descriptions their callers use) and on both databases.

// leasedTable is one table the suite runs on: its description, a way to add a pending
// row, and its caller's way of settling a row (finish: done and unclaimed; or release:
// pending and unclaimed), filtered by Held like the callers' own updates.
type leasedTable struct {
	name   string
	desc   store.Leased
	add    func(ctx context.Context, tx *ent.Tx, due time.Time) (int, error)
	settle func(ctx context.Context, tx *ent.Tx, held func(*entsql.Selector), finish bool) (int, error)
}

var leasedTables = []leasedTable{
	{
		name: "timers", desc: service.TimerLease,
		add: func(ctx context.Context, tx *ent.Tx, due time.Time) (int, error) {
			tm, err := tx.Timer.Create().SetOrderID(1).SetTaskID(1).SetNode("n").SetKind(service.TimerRemind).SetDueAt(due).Save(ctx)
			if err != nil {
				return 0, err
			}
			return tm.ID, nil
		},
		settle: func(ctx context.Context, tx *ent.Tx, held func(*entsql.Selector), finish bool) (int, error) {
			u := tx.Timer.Update().Where(predicate.Timer(held)).SetClaimedBy("").ClearClaimedUntil()
			if finish {
				u.SetStatus(service.TimerFired)
			}
			return u.Save(ctx)
		},
	},
	{
		name: "outbox", desc: outbox.Lease,
		add: func(ctx context.Context, tx *ent.Tx, due time.Time) (int, error) {
			m, err := tx.OutboxMessage.Create().SetKey(fmt.Sprint(due.UnixNano(), rand.Int64())).SetChannel(outbox.Webhook).
				SetRecipient("https://example.invalid/hook").SetStatus(outbox.Pending).SetNextAt(due).Save(ctx)
			if err != nil {
				return 0, err
			}
			return m.ID, nil
		},
		settle: func(ctx context.Context, tx *ent.Tx, held func(*entsql.Selector), finish bool) (int, error) {
			u := tx.OutboxMessage.Update().Where(predicate.OutboxMessage(held)).SetClaimedBy("").ClearClaimedUntil()
			if finish {
				u.SetStatus(outbox.Sent)
			}
			return u.Save(ctx)
		},
	},
}

// forEachLeased runs fn for every table on every database.
func forEachLeased(t *testing.T, fn func(t *testing.T, st *store.Store, lt leasedTable)) {
	for _, lt := range leasedTables {
		t.Run(lt.name, func(t *testing.T) {
			storetest.ForEach(t, func(t *testing.T, st *store.Store) { fn(t, st, lt) })
		})
	}
}

// leaseSeed returns the seed of a randomised test: SLUICE_SEED replays a failure.
func leaseSeed(t *testing.T) uint64 {
	s := rand.Uint64()
	if env := os.Getenv("SLUICE_SEED"); env != "" {
		n, err := strconv.ParseUint(env, 10, 64)
		require.NoError(t, err)
		s = n
	}
	t.Logf("seed %d (SLUICE_SEED replays)", s)
	return s
}

var leaseBase = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func addRows(t *testing.T, st *store.Store, lt leasedTable, dues ...time.Time) []int {
	t.Helper()
	var ids []int
	require.NoError(t, st.Tx(context.Background(), func(tx *ent.Tx) error {
		for _, due := range dues {
			id, err := lt.add(context.Background(), tx, due)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	}))
	return ids
}

// settle finishes (or releases) row id under lease l and reports whether l still held it.
func settle(t *testing.T, st *store.Store, lt leasedTable, l store.Lease, id int, finish bool) bool {
	t.Helper()
	var n int
	require.NoError(t, st.Tx(context.Background(), func(tx *ent.Tx) (err error) {
		n, err = lt.settle(context.Background(), tx, lt.desc.Held(l, id), finish)
		return err
	}))
	require.LessOrEqual(t, n, 1)
	return n == 1
}

func claim(t *testing.T, st *store.Store, lt leasedTable, holder string, now time.Time, d time.Duration, limit int) store.Lease {
	t.Helper()
	l, err := st.Claim(context.Background(), lt.desc, holder, now, d, limit)
	require.NoError(t, err)
	return l
}

// TestClaimTakesOnlyClaimableRows: due, pending rows without a live lease, oldest due
// first, at most the limit; rows not yet due, finished or leased to another are left.
func TestClaimTakesOnlyClaimableRows(t *testing.T) {
	forEachLeased(t, func(t *testing.T, st *store.Store, lt leasedTable) {
		now := leaseBase
		ids := addRows(t, st, lt,
			now.Add(-time.Minute),   // 0 due
			now.Add(-3*time.Minute), // 1 due, oldest
			now,                     // 2 due right now
			now.Add(time.Second),    // 3 not yet due
			now.Add(-2*time.Minute), // 4 due, but finished below
			now.Add(-4*time.Minute), // 5 due, but leased to someone else below
		)
		other := claim(t, st, lt, "other", now.Add(-4*time.Minute), time.Hour, 10)
		require.Equal(t, []int{ids[5]}, other.IDs, "at -4m only row 5 was due")
		fin := claim(t, st, lt, "finisher", now.Add(-2*time.Minute), time.Hour, 1)
		require.Equal(t, []int{ids[1]}, fin.IDs, "at -2m: the oldest due unleased row")
		require.True(t, settle(t, st, lt, fin, ids[1], false)) // released: claimable again
		fin = claim(t, st, lt, "finisher", now.Add(-2*time.Minute), time.Hour, 2)
		require.Equal(t, []int{ids[1], ids[4]}, fin.IDs)
		require.True(t, settle(t, st, lt, fin, ids[4], true))
		require.True(t, settle(t, st, lt, fin, ids[1], false))

		l := claim(t, st, lt, "a", now, time.Minute, 2)
		require.Equal(t, []int{ids[1], ids[0]}, l.IDs, "at most the limit, oldest due first")
		l2 := claim(t, st, lt, "b", now, time.Minute, 10)
		require.Equal(t, []int{ids[2]}, l2.IDs, "what is left that is due and unleased")
		require.Empty(t, claim(t, st, lt, "c", now, time.Minute, 10).IDs)
		require.Equal(t, []int{ids[3]}, claim(t, st, lt, "c", now.Add(time.Second), time.Minute, 10).IDs, "due at its time")
	})
}

// TestDeadClaimerRowsComeBack: rows whose claimer never finishes are claimable again
// once the lease has passed, not before; the dead claimer, should it wake, can then
// neither finish nor release them.
func TestDeadClaimerRowsComeBack(t *testing.T) {
	forEachLeased(t, func(t *testing.T, st *store.Store, lt leasedTable) {
		now := leaseBase
		ids := addRows(t, st, lt, now.Add(-time.Second), now.Add(-time.Second), now.Add(-time.Second))
		dead := claim(t, st, lt, "dead", now, time.Minute, 10)
		require.Equal(t, ids, dead.IDs)
		require.Empty(t, claim(t, st, lt, "b", now.Add(59*time.Second), time.Minute, 10).IDs, "within the lease")
		require.Empty(t, claim(t, st, lt, "b", now.Add(time.Minute), time.Minute, 10).IDs, "at the lease's last instant")
		b := claim(t, st, lt, "b", now.Add(time.Minute+time.Millisecond), time.Minute, 10)
		require.Equal(t, ids, b.IDs, "after the lease every row comes back")

		require.False(t, settle(t, st, lt, dead, ids[0], true), "a stale claimer finished a row someone else claimed")
		require.False(t, settle(t, st, lt, dead, ids[1], false), "a stale claimer released a row someone else claimed")
		require.True(t, settle(t, st, lt, b, ids[0], true))
		require.True(t, settle(t, st, lt, b, ids[1], false))
		require.False(t, settle(t, st, lt, b, ids[0], true), "finished twice")
		require.False(t, settle(t, st, lt, b, ids[1], true), "finished after its release")
	})
}

// TestLeaseIsTheFence: the same holder (one process) claiming a row again after its
// lease ran out holds it by the new lease only; the old one is stale: the lease's Until
// is the version that tells the two apart (the clock has sub-microsecond digits, which
// PostgreSQL does not keep).
func TestLeaseIsTheFence(t *testing.T) {
	forEachLeased(t, func(t *testing.T, st *store.Store, lt leasedTable) {
		now := leaseBase.Add(123456789 * time.Nanosecond) // sub-microsecond digits on purpose
		ids := addRows(t, st, lt, now.Add(-time.Hour))
		first := claim(t, st, lt, "a", now, time.Minute, 1)
		second := claim(t, st, lt, "a", now.Add(2*time.Minute), time.Minute, 1)
		require.Equal(t, ids, first.IDs)
		require.Equal(t, ids, second.IDs)
		require.False(t, settle(t, st, lt, first, ids[0], false), "the stale lease released the row")
		require.False(t, settle(t, st, lt, first, ids[0], true), "the stale lease finished the row")
		require.True(t, settle(t, st, lt, second, ids[0], true))
	})
}

// TestTwoInstancesClaimEachRowOnce: two Store handles on one database (two processes)
// with two claimers each race for many rows in random batch sizes. Within one lease
// every row is claimed exactly once and none is lost; the claimers finish the even
// rows and die holding the odd ones, which come back after the lease.
func TestTwoInstancesClaimEachRowOnce(t *testing.T) {
	for _, lt := range leasedTables {
		t.Run(lt.name, func(t *testing.T) {
			storetest.ForEachURL(t, func(t *testing.T, url string) {
				one := storetest.OpenURL(t, url)
				require.NoError(t, one.Migrate(context.Background()))
				two := storetest.OpenURL(t, url)
				rng := rand.New(rand.NewPCG(leaseSeed(t), 14))

				now := leaseBase
				dues := make([]time.Time, 300)
				for i := range dues {
					dues[i] = now.Add(-time.Duration(rng.IntN(3600)) * time.Second)
				}
				want := addRows(t, one, lt, dues...)

				var mu sync.Mutex
				got := map[int]string{}
				var wg sync.WaitGroup
				errs := make(chan error, 4)
				for i, st := range []*store.Store{one, two, one, two} {
					holder := fmt.Sprintf("instance%d-claimer%d", i%2, i)
					batch := 1 + rng.IntN(20)
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							l, err := st.Claim(context.Background(), lt.desc, holder, now, time.Hour, batch)
							if err != nil {
								errs <- err
								return
							}
							if len(l.IDs) == 0 {
								return
							}
							for _, id := range l.IDs {
								mu.Lock()
								prev, dup := got[id]
								got[id] = holder
								mu.Unlock()
								if dup {
									errs <- fmt.Errorf("row %d claimed by %s and %s in one lease", id, prev, holder)
									return
								}
								if id%2 == 1 {
									continue // this claimer dies holding the odd rows
								}
								var n int
								err := st.Tx(context.Background(), func(tx *ent.Tx) (err error) {
									n, err = lt.settle(context.Background(), tx, lt.desc.Held(l, id), true)
									return err
								})
								if err == nil && n != 1 {
									err = fmt.Errorf("%s could not finish row %d it holds", holder, id)
								}
								if err != nil {
									errs <- err
									return
								}
							}
						}
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					require.NoError(t, err)
				}
				claimed := make([]int, 0, len(got))
				for id := range got {
					claimed = append(claimed, id)
				}
				slices.Sort(claimed)
				require.Equal(t, want, claimed, "every row claimed, none lost")
				// The finished half is gone; the held half comes back after the lease.
				require.Empty(t, claim(t, two, lt, "late", now.Add(time.Hour), time.Hour, 1000).IDs)
				again := claim(t, two, lt, "late", now.Add(time.Hour+time.Millisecond), time.Hour, 1000).IDs
				slices.Sort(again)
				var held []int
				for _, id := range want {
					if id%2 == 1 {
						held = append(held, id)
					}
				}
				require.Equal(t, held, again)
			})
		})
	}
}
