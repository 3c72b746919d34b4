package remind_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"sluice/backend/app"
	"sluice/backend/definitions"
	"sluice/backend/ent"
	"sluice/backend/ent/notification"
	"sluice/backend/ent/task"
	"sluice/backend/ent/timer"
	"sluice/backend/i18n"
	"sluice/backend/remind"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// publishReminder publishes body as the demo flow's reminder definition.
func publishReminder(t *testing.T, svc *app.Service, s *store.Store, body string) {
	t.Helper()
	admin := as(t, s, "admin")
	if _, err := svc.SaveDraft(ctx, admin, "reminder", "order-review", []byte(body)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Publish(ctx, admin, "reminder", "order-review"); err != nil {
		t.Fatal(err)
	}
}

func pendingDigests(t *testing.T, s *store.Store) []*ent.Timer {
	t.Helper()
	ts, err := s.Read.Timer.Query().Where(timer.Kind(service.TimerDigest), timer.Status(service.TimerPending)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// A cron digest: publishing arms its next run (weekdays 08:30 in Taipei), the run
// notifies each assignee once with their open tasks and arms the following run; after
// a downtime spanning several runs it sends one digest, not a burst; publishing a new
// version replaces the chain.
func TestDigestSchedule(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s) // cancels the seeded chain
		publishReminder(t, svc, s, `{"kind":"reminder","key":"order-review","flow":"order-review",
			"schedules":[{"key":"morning","cron":"30 8 * * 1-5","time_zone":"Asia/Taipei","action":"digest"}]}`)
		taipei, _ := time.LoadLocation("Asia/Taipei")
		armed := pendingDigests(t, s)
		if len(armed) != 1 {
			t.Fatalf("%d pending digests after publish", len(armed))
		}
		first := armed[0].DueAt.In(taipei)
		if first.Hour() != 8 || first.Minute() != 30 || first.Weekday() == time.Saturday || first.Weekday() == time.Sunday ||
			!first.After(time.Now()) || first.Sub(time.Now()) > 4*24*time.Hour {
			t.Fatalf("first run at %v", first)
		}
		for range 2 {
			submit(t, svc, s) // each waits at verify for clerk
		}
		c := &clock{}
		sc := remind.New(svc, remind.Options{Now: c.now})
		c.set(armed[0].DueAt.Add(-time.Second))
		// SLA timers may fall due before the digest; count only digests below
		if _, err := sc.Pass(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(reminders(t, s, "digest")); n != 0 {
			t.Fatalf("%d digests a second early", n)
		}
		c.set(armed[0].DueAt)
		if _, err := sc.Pass(ctx); err != nil {
			t.Fatal(err)
		}
		got := reminders(t, s, "digest")
		open, _ := s.Read.Task.Query().Where(task.Status("open")).All(ctx)
		want := map[string]int{}
		for _, tk := range open {
			for _, u := range tk.Assignees {
				want[u]++
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%d digests for %d assignees", len(got), len(want))
		}
		for _, n := range got {
			if int(n.Data["count"].(float64)) != want[n.Username] {
				t.Fatalf("%s's digest counts %v, they have %d open tasks", n.Username, n.Data["count"], want[n.Username])
			}
		}
		next := pendingDigests(t, s)
		if len(next) != 1 || !next[0].DueAt.After(armed[0].DueAt) || next[0].DueAt.In(taipei).Hour() != 8 {
			t.Fatalf("next run: %+v", next)
		}
		// down for a week: one digest on start, the next run after the clock
		c.set(next[0].DueAt.Add(7 * 24 * time.Hour))
		if _, err := sc.Pass(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(reminders(t, s, "digest")); n != 2*len(want) {
			t.Fatalf("%d digests after the downtime, want %d", n, 2*len(want))
		}
		later := pendingDigests(t, s)
		if len(later) != 1 || !later[0].DueAt.After(c.now()) {
			t.Fatalf("run after the downtime: %+v (clock %v)", later, c.now())
		}
		// a new version cancels the old chain and arms its own
		publishReminder(t, svc, s, `{"kind":"reminder","key":"order-review","flow":"order-review",
			"schedules":[{"key":"evening","cron":"0 18 * * *","time_zone":"Asia/Taipei","action":"digest"}]}`)
		if p := pendingDigests(t, s); len(p) != 1 || p[0].Node != "evening" {
			t.Fatalf("after republishing: %+v", p)
		}
	})
}

// Escalation gives the task to the escalation's targets too, or with reassign instead
// of its assignees: they can act on it, and a reassigned former assignee cannot.
func TestEscalationHandsOverTheTask(t *testing.T) {
	for _, reassign := range []bool{false, true} {
		t.Run(fmt.Sprintf("reassign=%v", reassign), func(t *testing.T) {
			storetest.ForEach(t, func(t *testing.T, s *store.Store) {
				svc := newDemo(t, s)
				publishReminder(t, svc, s, fmt.Sprintf(`{"kind":"reminder","key":"order-review","flow":"order-review",
					"rules":{"verify":{"escalate_after":"1h","escalate_to":{"role":"sales_manager","reassign":%v}}}}`, reassign))
				o := submit(t, svc, s)
				tk := o.Tasks[0]
				if !slices.Contains(tk.Assignees, "clerk") || slices.Contains(tk.Assignees, "manager") {
					t.Fatalf("verify assignees %v", tk.Assignees)
				}
				esc, err := s.Read.Timer.Query().Where(timer.TaskID(tk.ID), timer.Kind("escalate")).Only(ctx)
				if err != nil {
					t.Fatal(err)
				}
				c := &clock{}
				c.set(esc.DueAt)
				if n, err := remind.New(svc, remind.Options{Now: c.now}).Pass(ctx); err != nil || n != 1 {
					t.Fatalf("fired %d, %v", n, err)
				}
				after, err := s.Read.Task.Get(ctx, tk.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Contains(after.Assignees, "manager") || slices.Contains(after.Assignees, "clerk") != !reassign {
					t.Fatalf("after escalation: %v", after.Assignees)
				}
				ns, _ := s.Read.Notification.Query().Where(notification.Username("manager"), notification.Type("escalation")).All(ctx)
				if len(ns) != 1 {
					t.Fatalf("manager has %d escalation notifications", len(ns))
				}
				// the node by its name in the reader's language, not its id
				key, _ := ns[0].Data["title_key"].(string)
				params, _ := ns[0].Data["title_params"].(map[string]any)
				if got := i18n.T("zh-CN", key, params); !strings.Contains(got, "资料核对") || strings.Contains(got, "verify") {
					t.Fatalf("zh-CN escalation title %q", got)
				}
				approveAll := service.ActionRequest{Action: "approve", Checklist: slices.Repeat([]bool{true}, len(tk.Checklist))}
				if reassign {
					_, _, err := svc.Act(ctx, as(t, s, "clerk"), tk.ID, approveAll, nil)
					var e *service.Error
					if !errors.As(err, &e) || e.Status != http.StatusForbidden {
						t.Fatalf("clerk acting on a reassigned task: %v", err)
					}
				}
				res, _, err := svc.Act(ctx, as(t, s, "manager"), tk.ID, approveAll, nil)
				if err != nil {
					t.Fatalf("manager approving the escalated task: %v", err)
				}
				if slices.Contains(res.Order.CurrentNodes, "verify") {
					t.Fatalf("order still at %v", res.Order.CurrentNodes)
				}
			})
		})
	}
}

// With deadline_field, a reminder due after the day before the customer's deadline
// falls due then instead, and its notification says urgent.
func TestDeadlineBringsRemindersForward(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		publishReminder(t, svc, s, `{"kind":"reminder","key":"order-review","flow":"order-review","deadline_field":"promised_date",
			"rules":{"verify":{"remind_after":"10d"}}}`)
		req := sample(t, "small-standard.json")
		deadline := time.Now().UTC().Add(72 * time.Hour).Truncate(24 * time.Hour)
		req.Data["promised_date"] = deadline.Format(time.DateOnly)
		o, _, err := svc.Submit(ctx, as(t, s, "clerk"), req, nil)
		if err != nil {
			t.Fatal(err)
		}
		rm, err := s.Read.Timer.Query().Where(timer.TaskID(o.Tasks[0].ID), timer.Kind("remind")).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := deadline.Add(-definitions.DeadlineLead); !rm.DueAt.Equal(want) {
			t.Fatalf("reminder due %v, want %v (a day before the deadline %v)", rm.DueAt, want, deadline)
		}
		c := &clock{}
		c.set(rm.DueAt)
		if n, err := remind.New(svc, remind.Options{Now: c.now}).Pass(ctx); err != nil || n != 1 {
			t.Fatalf("fired %d, %v", n, err)
		}
		for _, n := range reminders(t, s, "reminder") {
			if n.Data["urgent"] != true || n.Data["deadline"] != deadline.Format(time.RFC3339) {
				t.Fatalf("reminder data %v", n.Data)
			}
		}
	})
}
