package remind_test

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"sluice/backend/ent/timer"
	"sluice/backend/remind"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// TestSchedulerUnderFaults: every kth statement fails while schedulers pass over due
// timers, then they pass clean. Every timer that was due fires exactly once: it ends
// fired, and each person it concerns got one notification of it (none lost, none
// doubled by a fire whose transaction failed half-way).
func TestSchedulerUnderFaults(t *testing.T) {
	for _, k := range []int{7, 31, 67} {
		t.Run(fmt.Sprintf("every %d", k), func(t *testing.T) {
			storetest.ForEachFaulty(t, func(t *testing.T, s *store.Store, f *store.Faults) {
				svc := newDemo(t, s)
				const orders = 4
				for range orders {
					submit(t, svc, s)
				}
				due, err := s.Read.Timer.Query().Where(timer.Status("pending")).All(ctx)
				if err != nil || len(due) != 2*orders {
					t.Fatalf("%d timers, %v", len(due), err)
				}
				last := time.Time{}
				for _, tm := range due {
					if tm.DueAt.After(last) {
						last = tm.DueAt
					}
				}
				c := &clock{}
				c.set(last)
				quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
				sc := remind.New(svc, remind.Options{Owner: "A", Now: c.now, Batch: 3, Log: quiet})
				f.ArmEvery(k)
				early := 0
				for range 20 {
					n, _ := sc.Pass(ctx) // failing passes are the point
					early += n
				}
				injected := f.Injected()
				f.Disarm()
				c.set(last.Add(2 * time.Minute)) // past every claim's lease
				for range 3 {
					if _, err := sc.Pass(ctx); err != nil {
						t.Fatal(err)
					}
				}
				perPerson := map[string]int{}
				perTimer := map[float64]int{}
				for _, n := range append(reminders(t, s, "reminder"), reminders(t, s, "escalation")...) {
					perTimer[n.Data["timer"].(float64)]++
					perPerson[fmt.Sprintf("%v/%s", n.Data["timer"], n.Username)]++
				}
				for _, tm := range due {
					got, err := s.Read.Timer.Get(ctx, tm.ID)
					if err != nil {
						t.Fatal(err)
					}
					if got.Status != "fired" || perTimer[float64(tm.ID)] == 0 {
						t.Fatalf("timer %d (%s) is %s with %d notifications after %d faults", tm.ID, tm.Kind, got.Status, perTimer[float64(tm.ID)], injected)
					}
				}
				for key, n := range perPerson {
					if n != 1 {
						t.Fatalf("timer/person %s notified %d times", key, n)
					}
				}
				t.Logf("%d faults injected, %d timers fired meanwhile; %d fired once each", injected, early, len(due))
			})
		})
	}
}
