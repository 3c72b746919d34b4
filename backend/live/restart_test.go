package live_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/timer"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// 1,000 reminders fall due while three `sluice serve` processes on one PostgreSQL are
// killed (SIGKILL, no goodbye) and restarted at random: every reminder fires exactly
// once — one task.reminded audit entry each, none lost with a dead instance's claim,
// none doubled by two instances. SLUICE_SEED replays a run's kill schedule.
func TestRemindersFireOnceThroughRestarts(t *testing.T) {
	if os.Getenv(storetest.PGEnv) == "" {
		t.Skip("needs PostgreSQL: set " + storetest.PGEnv)
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("SLUICE_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("SLUICE_SEED=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	ctx := context.Background()
	db := storetest.PostgresURL(t)
	bin := buildSluice(t)
	// a short lease, so the claims of a killed instance pass to the others quickly
	env := []string{"SLUICE_REMIND_EVERY=100ms", "SLUICE_REMIND_LEASE=2s"}
	procs := []*proc{serveProc(t, bin, "A", db, true, env...)}
	procs[0].waitReady(t)

	s, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := doHTTP(t, procs[0].url, "POST", "/api/v1/orders", login(t, procs[0].url, "clerk"), sampleBody(t, "small-standard.json"))
	if r.status != 201 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	// The order's first review task has a repeating reminder rule; clone its first
	// reminder timer 1,000 times as the last repeat (no follow-up timers), due over the
	// next few seconds.
	tmpl, err := s.Read.Timer.Query().Where(timer.Kind("remind"), timer.Status("pending")).First(ctx)
	if err != nil {
		t.Fatalf("no reminder timer to clone: %v", err)
	}
	const n = 1000
	window := 6 * time.Second
	start := time.Now().UTC().Add(time.Second)
	ids := make([]int, 0, n)
	for i := 0; i < n; i += 100 {
		tx, err := s.Client.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k := i; k < i+100; k++ {
			due := start.Add(time.Duration(rng.Int64N(int64(window))))
			tm, err := tx.Timer.Create().SetOrderID(tmpl.OrderID).SetTaskID(tmpl.TaskID).SetNode(tmpl.Node).
				SetKind("remind").SetReminder(tmpl.Reminder).SetReminderVersion(tmpl.ReminderVersion).
				SetAttempt(1000).SetDueAt(due).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tm.ID)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	procs = append(procs, serveProc(t, bin, "B", db, false, env...), serveProc(t, bin, "C", db, false, env...))
	procs[1].waitReady(t)
	procs[2].waitReady(t)

	// Kill and restart instances at random until well after the last reminder is due.
	kills := 0
	for end := start.Add(window + time.Second); time.Now().Before(end); kills++ {
		time.Sleep(time.Duration(200+rng.IntN(500)) * time.Millisecond)
		i := rng.IntN(len(procs))
		old := procs[i]
		_ = old.cmd.Process.Kill()
		_, _ = old.cmd.Process.Wait()
		if rng.IntN(3) == 0 {
			time.Sleep(time.Duration(rng.IntN(800)) * time.Millisecond) // down for a while
		}
		procs[i] = serveProc(t, bin, old.name, db, false, env...)
		procs[i].waitReady(t)
	}

	deadline := time.Now().Add(60 * time.Second)
	for {
		left, err := s.Read.Timer.Query().Where(timer.IDIn(ids...), timer.StatusNEQ("fired")).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d reminders never fired (%d kills)", left, n, kills)
		}
		time.Sleep(200 * time.Millisecond)
	}
	entries, err := s.Read.AuditEntry.Query().Where(auditentry.Action("task.reminded")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	per := map[int]int{}
	for _, e := range entries {
		id, _ := e.Detail["timer"].(float64)
		per[int(id)]++
	}
	late := time.Duration(0)
	fired, err := s.Read.Timer.Query().Where(timer.IDIn(ids...)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range fired {
		if per[tm.ID] != 1 {
			t.Fatalf("timer %d fired %d times", tm.ID, per[tm.ID])
		}
		if tm.FiredAt == nil || tm.FiredAt.Before(tm.DueAt) {
			t.Fatalf("timer %d fired early: due %v, fired %v", tm.ID, tm.DueAt, tm.FiredAt)
		}
		late = max(late, tm.FiredAt.Sub(tm.DueAt))
	}
	t.Log(fmt.Sprintf("%d reminders fired exactly once through %d kills; the latest fired %s after its due time", n, kills, late.Round(time.Millisecond)))
}
