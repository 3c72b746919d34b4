package service_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"sluice/backend/ent/task"
	"sluice/backend/ent/taskassignee"
	"sluice/backend/ent/timer"
	"sluice/backend/ent/user"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// TestInboxByDuePagesEveryTaskOnceInSLAOrder gives the clerk's open tasks random pending
// timers (some none, some only cancelled ones, some sharing a due time) and reads the inbox
// with sort=due in small pages: every task comes exactly once, by earliest pending due
// time, those without one last, ties by task id; each line carries its due time, flow
// name and customer. SLUICE_SEED replays a run.
func TestInboxByDuePagesEveryTaskOnceInSLAOrder(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("SLUICE_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("SLUICE_SEED=%d", seed)
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(seed, 7))
		svc := newDemo(t, s)
		clerk := as(t, s, "clerk")
		for range 9 {
			if _, _, err := svc.Submit(ctx, clerk, sample(t, "small-standard.json"), nil); err != nil {
				t.Fatal(err)
			}
		}
		ids, err := s.Read.TaskAssignee.Query().Where(taskassignee.Username("clerk"), taskassignee.Open(true)).
			Select(taskassignee.FieldTaskID).Ints(ctx)
		if err != nil || len(ids) < 9 {
			t.Fatalf("clerk's open tasks: %v %v", ids, err)
		}
		base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		want := map[int]*time.Time{} // earliest pending due by task
		tx, err := s.Client.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Timer.Delete().Where(timer.TaskIDIn(ids...)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			tk, err := tx.Task.Query().Where(task.ID(id)).Only(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for n := rng.IntN(3); n > 0; n-- {
				due := base.Add(time.Duration(rng.IntN(4)) * time.Hour).Add(time.Duration(rng.IntN(2)) * 1500 * time.Millisecond)
				status := service.TimerPending
				if rng.IntN(4) == 0 {
					status = service.TimerCancelled
				}
				if err := tx.Timer.Create().SetOrderID(tk.OrderID).SetTaskID(id).SetNode(tk.NodeID).SetKind(service.TimerRemind).
					SetDueAt(due).SetStatus(status).SetCreatedAt(base).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				if status == service.TimerPending && (want[id] == nil || due.Before(*want[id])) {
					want[id] = &due
				}
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		var got []service.TaskItem
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > len(ids) {
				t.Fatal("the pages never end")
			}
			p, err := svc.Tasks(ctx, clerk, service.TaskFilter{Scope: "mine", Sort: "due", Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, p.Items...)
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if len(got) != len(ids) {
			t.Fatalf("read %d lines, the clerk has %d open tasks", len(got), len(ids))
		}
		seen := map[int]bool{}
		for i, it := range got {
			if seen[it.ID] {
				t.Fatalf("task %d twice", it.ID)
			}
			seen[it.ID] = true
			w := want[it.ID]
			if (w == nil) != (it.Due == nil) || (w != nil && !w.Equal(*it.Due)) {
				t.Fatalf("task %d: due %v, want %v", it.ID, it.Due, w)
			}
			if it.Order.FlowName == nil || it.Order.Customer == "" {
				t.Fatalf("task %d: no flow name or customer: %+v", it.ID, it.Order)
			}
			if i == 0 {
				continue
			}
			a, b := got[i-1], it
			inOrder := false
			switch {
			case a.Due != nil && b.Due == nil:
				inOrder = true
			case a.Due != nil && b.Due != nil:
				inOrder = a.Due.Before(*b.Due) || (a.Due.Equal(*b.Due) && a.ID < b.ID)
			case a.Due == nil && b.Due == nil:
				inOrder = a.ID < b.ID
			}
			if !inOrder {
				t.Fatalf("line %d (task %d, due %v) before line %d (task %d, due %v)", i-1, a.ID, a.Due, i, b.ID, b.Due)
			}
		}
		for _, bad := range []service.TaskFilter{{Scope: "done", Sort: "due"}, {Sort: "age"}, {Sort: "due", Cursor: "7"}, {Sort: "due", Cursor: "x~1"}} {
			if _, err := svc.Tasks(ctx, clerk, bad); status(err) != 422 {
				t.Fatalf("%+v: %v, want 422", bad, err)
			}
		}
	})
}

// TestHistoryNamesPeople: a timeline page carries the display names of the users it names.
func TestHistoryNamesPeople(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	svc := newDemo(t, s)
	clerk := as(t, s, "clerk")
	o, _, err := svc.Submit(ctx, clerk, sample(t, "small-standard.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.History(ctx, clerk, o.ID, service.HistoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.Read.User.Query().Where(user.Username("clerk")).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u.DisplayName == "" || p.People["clerk"] != u.DisplayName || p.People["system"] != "" {
		t.Fatalf("people %v, clerk is %q", p.People, u.DisplayName)
	}
}
