package remind_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sluice/backend/app"
	"sluice/backend/definitions"
	"sluice/backend/durations"
	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/notification"
	"sluice/backend/ent/timer"
	"sluice/backend/ent/user"
	"sluice/backend/remind"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	_ "sluice/plugins/all"
	"sluice/schemas"
)

var ctx = context.Background()

func newDemo(t *testing.T, s *store.Store) *app.Service {
	t.Helper()
	svc, err := app.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.EnsureAdmin(ctx, "admin-pass-123"); err != nil {
		t.Fatal(err)
	}
	if err := svc.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	// These tests count SLA timers fired by a pass; the demo's morning digest (a cron
	// schedule, tested on its own) would join a pass whose clock reaches it.
	if err := s.Client.Timer.Update().Where(timer.Kind(service.TimerDigest)).SetStatus(service.TimerCancelled).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return svc
}

func as(t *testing.T, s *store.Store, name string) service.Actor {
	t.Helper()
	u, err := s.Read.User.Query().Where(user.Username(name)).Only(ctx)
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	return service.Actor{ID: u.ID, Username: u.Username, IsAdmin: u.IsAdmin}
}

func sample(t *testing.T, name string) service.SubmitRequest {
	t.Helper()
	b, err := fs.ReadFile(schemas.Examples(), "orders/"+name)
	if err != nil {
		t.Fatal(err)
	}
	var req service.SubmitRequest
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	return req
}

func submit(t *testing.T, svc *app.Service, s *store.Store) *service.OrderView {
	t.Helper()
	o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "small-standard.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// approve has who approve their open task on o, every checklist item ticked.
func approve(t *testing.T, svc *app.Service, s *store.Store, who string, o *service.OrderView) *service.OrderView {
	t.Helper()
	i := slices.IndexFunc(o.Tasks, func(tk service.TaskView) bool { return slices.Contains(tk.Assignees, who) && tk.Status == "open" })
	if i < 0 {
		t.Fatalf("%s has no open task on %s at %v", who, o.Number, o.CurrentNodes)
	}
	res, _, err := svc.Act(ctx, as(t, s, who), o.Tasks[i].ID, service.ActionRequest{Action: "approve",
		Checklist: slices.Repeat([]bool{true}, len(o.Tasks[i].Checklist))}, nil)
	if err != nil {
		t.Fatalf("%s approving %s: %v", who, o.Tasks[i].Node, err)
	}
	return &res.Order
}

func timersOf(t *testing.T, s *store.Store, taskID int) []*ent.Timer {
	t.Helper()
	ts, err := s.Read.Timer.Query().Where(timer.TaskID(taskID)).Order(ent.Asc(timer.FieldID)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func kinds(ts []*ent.Timer, status string) []string {
	var out []string
	for _, tm := range ts {
		if tm.Status == status {
			out = append(out, tm.Kind)
		}
	}
	slices.Sort(out)
	return out
}

// clock is an injectable scheduler clock.
type clock struct{ at atomic.Pointer[time.Time] }

func (c *clock) set(t time.Time) { c.at.Store(&t) }
func (c *clock) now() time.Time  { return *c.at.Load() }

func reminders(t *testing.T, s *store.Store, kind string) []*ent.Notification {
	t.Helper()
	ns, err := s.Read.Notification.Query().Where(notification.Type(kind)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func TestTaskOpensAndClosesTimers(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		o := submit(t, svc, s)
		verify := o.Tasks[0]
		ts := timersOf(t, s, verify.ID)
		// the demo rule for verify: remind after 2h (working time), escalate after 1d
		if got := kinds(ts, "pending"); !slices.Equal(got, []string{"escalate", "remind"}) {
			t.Fatalf("verify's timers: %v", got)
		}
		for _, tm := range ts {
			if !tm.DueAt.After(tm.CreatedAt) {
				t.Fatalf("timer %d due %v, created %v", tm.ID, tm.DueAt, tm.CreatedAt)
			}
			if tm.OrderID != o.ID || tm.Node != "verify" || tm.Reminder != "order-review" || tm.Attempt != 1 {
				t.Fatalf("timer %+v", tm)
			}
		}
		o = approve(t, svc, s, "clerk", o)
		if got := kinds(timersOf(t, s, verify.ID), "cancelled"); len(got) != 2 {
			t.Fatalf("closing verify left timers: %+v", timersOf(t, s, verify.ID))
		}
		// the next review task has its own; withdrawing the order cancels them
		next := o.Tasks[0]
		if got := kinds(timersOf(t, s, next.ID), "pending"); len(got) == 0 {
			t.Fatalf("%s opened without timers", next.Node)
		}
		if _, _, err := svc.Act(ctx, as(t, s, "clerk"), next.ID, service.ActionRequest{Action: "withdraw"}, nil); err != nil {
			t.Fatal(err)
		}
		if got := kinds(timersOf(t, s, next.ID), "pending"); len(got) != 0 {
			t.Fatalf("withdrawn order keeps pending timers %v", got)
		}
	})
}

func TestDueTimerFiresOnceWithFourSchedulers(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		const orders = 6
		for i := 0; i < orders; i++ {
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
		// four instances pass at once; each due timer fires exactly once
		var wg sync.WaitGroup
		var fired atomic.Int64
		for i := 0; i < 4; i++ {
			sc := remind.New(svc, remind.Options{Owner: string(rune('A' + i)), Now: c.now, Batch: 2})
			wg.Go(func() {
				n, err := sc.Pass(ctx)
				if err != nil {
					t.Error(err)
				}
				fired.Add(int64(n))
			})
		}
		wg.Wait()
		if fired.Load() != 2*orders {
			t.Fatalf("fired %d, want %d", fired.Load(), 2*orders)
		}
		// one notification per timer and person (an escalation that fired first hands the
		// task to more people, whom a later reminder then also tells)
		perTimer := map[float64]int{}
		perPerson := map[string]int{}
		for _, n := range append(reminders(t, s, "reminder"), reminders(t, s, "escalation")...) {
			perTimer[n.Data["timer"].(float64)]++
			perPerson[fmt.Sprintf("%v/%s", n.Data["timer"], n.Username)]++
		}
		for _, tm := range due {
			if perTimer[float64(tm.ID)] == 0 {
				t.Fatalf("timer %d (%s) made no notification", tm.ID, tm.Kind)
			}
		}
		for k, n := range perPerson {
			if n != 1 {
				t.Fatalf("timer/person %s notified %d times", k, n)
			}
		}
		// racing FireTimer on one timer directly: one winner
		sub := submit(t, svc, s)
		ts := timersOf(t, s, sub.Tasks[0].ID)
		var wins atomic.Int64
		for i := 0; i < 4; i++ {
			wg.Go(func() {
				ok, err := svc.FireTimer(ctx, ts[0].ID, ts[0].DueAt, "racer")
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d racers fired timer %d", wins.Load(), ts[0].ID)
		}
	})
}

func TestRepeatUpToMaxTimesNeverEarly(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		o := submit(t, svc, s)
		task := o.Tasks[0] // verify: remind after 2h, every 2h, at most 3 times
		c := &clock{}
		sc := remind.New(svc, remind.Options{Now: c.now})
		for attempt := 1; attempt <= 3; attempt++ {
			next, err := s.Read.Timer.Query().Where(timer.TaskID(task.ID), timer.Kind("remind"), timer.Status("pending")).Only(ctx)
			if err != nil {
				t.Fatalf("attempt %d: %v", attempt, err)
			}
			if next.Attempt != attempt {
				t.Fatalf("pending reminder is attempt %d, want %d", next.Attempt, attempt)
			}
			c.set(next.DueAt.Add(-time.Microsecond))
			if n, err := sc.Pass(ctx); err != nil || n != 0 {
				t.Fatalf("a microsecond early: fired %d, %v", n, err)
			}
			c.set(next.DueAt)
			if n, err := sc.Pass(ctx); err != nil || n != 1 {
				t.Fatalf("at due: fired %d, %v", n, err)
			}
		}
		if n, _ := s.Read.Timer.Query().Where(timer.TaskID(task.ID), timer.Kind("remind"), timer.Status("pending")).Count(ctx); n != 0 {
			t.Fatalf("a fourth reminder is pending")
		}
		if got := len(reminders(t, s, "reminder")); got != 3*len(task.Assignees) {
			t.Fatalf("%d reminders, want 3 × %v", got, task.Assignees)
		}
	})
}

func TestAutoApproveMovesTheOrder(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		admin := as(t, s, "admin")
		body := []byte(`{"kind":"reminder","key":"order-review","flow":"order-review",
			"rules":{"sales_review":{"remind_after":"1h","auto_after":"4h","auto_action":"approve"}}}`)
		if _, err := svc.SaveDraft(ctx, admin, "reminder", "order-review", body); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Publish(ctx, admin, "reminder", "order-review"); err != nil {
			t.Fatal(err)
		}
		o := submit(t, svc, s)
		o = approve(t, svc, s, "clerk", o)
		if len(o.CurrentNodes) != 1 || o.CurrentNodes[0] != "sales_review" {
			t.Fatalf("at %v", o.CurrentNodes)
		}
		review := o.Tasks[0]
		ts := timersOf(t, s, review.ID)
		if got := kinds(ts, "pending"); !slices.Equal(got, []string{"auto", "remind"}) {
			t.Fatalf("timers %v", got)
		}
		c := &clock{}
		c.set(ts[len(ts)-1].DueAt.Add(time.Minute))
		if n, err := remind.New(svc, remind.Options{Now: c.now}).Pass(ctx); err != nil || n != 2 {
			t.Fatalf("fired %d, %v", n, err)
		}
		after, err := svc.GetOrder(ctx, as(t, s, "clerk"), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(after.CurrentNodes, "sales_review") {
			t.Fatalf("order still at %v", after.CurrentNodes)
		}
		tk, err := s.Read.Task.Get(ctx, review.ID)
		if err != nil || tk.Status != "done" || tk.Decision != "approve" || tk.DecidedBy != "system" {
			t.Fatalf("auto-approved task: %+v %v", tk, err)
		}
		if kinds(timersOf(t, s, review.ID), "pending") != nil {
			t.Fatal("timers left pending")
		}
		// the system decided, not an assignee: the approval's audit entry is by system
		// and names the timer and the rule
		auto := ts[0]
		for _, tm := range ts {
			if tm.Kind == "auto" {
				auto = tm
			}
		}
		es, err := s.Read.AuditEntry.Query().Where(auditentry.OrderID(o.ID), auditentry.TaskID(review.ID)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var decided bool
		for _, e := range es {
			if e.Action != "approve" {
				continue
			}
			decided = true
			a, _ := e.Detail["auto"].(map[string]any)
			rule, _ := a["rule"].(map[string]any)
			if e.Actor != "system" || a == nil || fmt.Sprint(a["timer"]) != fmt.Sprint(auto.ID) ||
				rule["node"] != "sales_review" || rule["action"] != "approve" || rule["after"] != "4h" {
				t.Fatalf("approval entry: actor %s detail %v", e.Actor, e.Detail)
			}
		}
		if !decided {
			t.Fatalf("no approval entry among %d", len(es))
		}
		for _, tv := range after.Tasks {
			if tv.ID == review.ID && tv.DecidedBy != "system" {
				t.Fatalf("order view: decided_by %q", tv.DecidedBy)
			}
		}
	})
}

func TestTimerDueWhileDownFiresOnStart(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		o := submit(t, svc, s)
		ts := timersOf(t, s, o.Tasks[0].ID)
		// the server was down past both deadlines; a new one starts with a long period
		c := &clock{}
		c.set(ts[len(ts)-1].DueAt.Add(time.Hour))
		sc := remind.New(svc, remind.Options{Now: c.now, Every: time.Hour})
		sc.Start(ctx)
		defer sc.Stop(ctx)
		deadline := time.Now().Add(10 * time.Second)
		for {
			n, err := s.Read.Timer.Query().Where(timer.TaskID(o.Tasks[0].ID), timer.Status("fired")).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == len(ts) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d timers fired on the first pass", n, len(ts))
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err := sc.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestWorkingTimeAcrossDST(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	ny, _ := time.LoadLocation("America/New_York")
	weekdays := map[time.Weekday]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	office := &definitions.Calendar{Location: berlin, Days: weekdays, Start: 9 * time.Hour, End: 18 * time.Hour}
	// Friday 17:00 CET + 2 working hours: one on Friday, one on Monday after the
	// switch to summer time (Sunday 29 March 2026) -> Monday 10:00 CEST = 08:00 UTC.
	from := time.Date(2026, 3, 27, 17, 0, 0, 0, berlin)
	got := definitions.AddWorking(office, from, durations.Duration{Hours: 2})
	if want := time.Date(2026, 3, 30, 8, 0, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("2h from %v = %v, want %v", from, got, want)
	}
	// one working day from Friday 10:00 CET is Monday 10:00 CEST
	if got := definitions.AddWorking(office, time.Date(2026, 3, 27, 10, 0, 0, 0, berlin), durations.Duration{Days: 1}); !got.Equal(time.Date(2026, 3, 30, 10, 0, 0, 0, berlin)) {
		t.Fatalf("1d = %v", got.In(berlin))
	}
	// a whole-day calendar over the autumn switch in New York counts absolute hours
	allDays := map[time.Weekday]bool{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		allDays[d] = true
	}
	always := &definitions.Calendar{Location: ny, Days: allDays, Start: 0, End: 24 * time.Hour}
	start := time.Date(2026, 10, 31, 12, 0, 0, 0, ny) // EDT; the clocks go back 1 Nov 02:00
	if got := definitions.AddWorking(always, start, durations.Duration{Days: 1}); got.Sub(start) != 24*time.Hour && got.Sub(start) != 25*time.Hour {
		t.Fatalf("1d = %v (%v)", got, got.Sub(start))
	}
	if got := definitions.AddWorking(always, start, durations.Duration{Hours: 24}); got.Sub(start) != 24*time.Hour {
		t.Fatalf("24h over the switch = %v", got.Sub(start))
	}
	// no calendar: plain absolute time
	if got := definitions.AddWorking(nil, start, durations.Duration{Hours: 3}); got.Sub(start) != 3*time.Hour {
		t.Fatal(got)
	}

	// Stored in UTC, a deadline in the repeated autumn hour fires once: not in the
	// first 01:30, which is an hour early, and not again in the second.
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		o := submit(t, svc, s)
		firstHalfPast := time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC) // 01:30 EDT
		due := firstHalfPast.Add(time.Hour)                            // 01:30 EST, the same wall time
		if due.In(ny).Hour() != 1 || firstHalfPast.In(ny).Hour() != 1 {
			t.Fatal("test setup: not the repeated hour")
		}
		tm, err := s.Client.Timer.Create().SetOrderID(o.ID).SetTaskID(o.Tasks[0].ID).SetNode(o.Tasks[0].Node).SetKind("remind").
			SetReminder("order-review").SetReminderVersion(1).SetDueAt(due).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		back, err := s.Read.Timer.Get(ctx, tm.ID)
		if err != nil || !back.DueAt.Equal(due) {
			t.Fatalf("due_at read back %v, want %v (%v)", back.DueAt, due, err)
		}
		c := &clock{}
		sc := remind.New(svc, remind.Options{Now: c.now})
		for _, step := range []struct {
			at   time.Time
			want int
		}{{firstHalfPast, 0}, {due.Add(-time.Second), 0}, {due, 1}, {due.Add(time.Hour), 0}} {
			c.set(step.at)
			// other timers of the order fall due at their own times: count this one
			if _, err := sc.Pass(ctx); err != nil {
				t.Fatal(err)
			}
			got, _ := s.Read.Timer.Query().Where(timer.ID(tm.ID), timer.Status("fired")).Count(ctx)
			if (got == 1) != (step.want == 1 || step.at.After(due)) {
				t.Fatalf("at %v (%s): fired=%d", step.at, step.at.In(ny), got)
			}
		}
		ns := 0
		for _, n := range reminders(t, s, "reminder") {
			if n.Data["timer"].(float64) == float64(tm.ID) {
				ns++
			}
		}
		if ns != len(o.Tasks[0].Assignees) {
			t.Fatalf("timer %d made %d notifications", tm.ID, ns)
		}
	})
}
