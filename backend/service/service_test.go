package service_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"sync"
	"testing"

	"sluice/backend/app"
	"sluice/backend/ent"
	"sluice/backend/ent/user"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	_ "sluice/plugins/all"
	"sluice/schemas"
)

func newDemo(t *testing.T, s *store.Store) *app.Service {
	t.Helper()
	ctx := context.Background()
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
	return svc
}

func as(t *testing.T, s *store.Store, name string) service.Actor {
	t.Helper()
	u, err := s.Read.User.Query().Where(user.Username(name)).Only(context.Background())
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	return service.Actor{ID: u.ID, Username: u.Username, IsAdmin: u.IsAdmin}
}

func sample(t *testing.T, file string) service.SubmitRequest {
	t.Helper()
	b, err := fs.ReadFile(schemas.Examples(), "orders/"+file)
	if err != nil {
		t.Fatal(err)
	}
	var req service.SubmitRequest
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	return req
}

// ticks answers a task's checklist with every item ticked.
func ticks(tk service.TaskView) []bool {
	out := make([]bool, len(tk.Checklist))
	for i := range out {
		out[i] = true
	}
	return out
}

func status(err error) int {
	if e, ok := service.AsError(err); ok {
		return e.Status
	}
	if err != nil {
		return 500
	}
	return 200
}

// counts is what must not move when a request is refused.
type counts struct{ orders, tasks, audit, events int }

func count(t *testing.T, s *store.Store) counts {
	ctx := context.Background()
	var c counts
	var err error
	if c.orders, err = s.Read.Order.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	c.tasks, _ = s.Read.Task.Query().Count(ctx)
	c.audit, _ = s.Read.AuditEntry.Query().Count(ctx)
	c.events, _ = s.Read.Event.Query().Count(ctx)
	return c
}

// walk approves every open task as its first assignee until the order leaves review,
// returning the nodes visited.
func walk(t *testing.T, svc *app.Service, s *store.Store, o *service.OrderView) (*service.OrderView, []string) {
	t.Helper()
	ctx := context.Background()
	var path []string
	for step := 0; o.Status == "in_review"; step++ {
		if step > 20 || len(o.Tasks) == 0 {
			t.Fatalf("order stuck at %v with tasks %+v", o.CurrentNodes, o.Tasks)
		}
		tk := o.Tasks[0]
		path = append(path, tk.Node)
		res, _, err := svc.Act(ctx, as(t, s, tk.Assignees[0]), tk.ID, service.ActionRequest{Action: "approve", Comment: "ok", Checklist: ticks(tk)}, nil)
		if err != nil {
			t.Fatalf("%s approving %s: %v", tk.Assignees[0], tk.Node, err)
		}
		o = &res.Order
		// the answer is rendered from memory; it must match what a fresh read shows
		fresh, err := svc.GetOrder(ctx, as(t, s, "clerk"), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(fresh.Tasks) != len(o.Tasks) || fresh.Status != o.Status {
			t.Fatalf("answer %+v differs from a fresh read %+v", o.Tasks, fresh.Tasks)
		}
		for i := range o.Tasks {
			if fresh.Tasks[i].ID != o.Tasks[i].ID || fresh.Tasks[i].Node != o.Tasks[i].Node {
				t.Fatalf("answer %+v differs from a fresh read %+v", o.Tasks, fresh.Tasks)
			}
		}
	}
	return o, path
}

func TestDemoOrdersWalkToTheEnd(t *testing.T) {
	cases := []struct {
		file string
		path []string
	}{
		{"small-standard.json", []string{"verify", "sales_review", "ship", "aftersales"}},
		{"large-vip.json", []string{"verify", "sales_review", "finance_review", "finance_review", "ship", "aftersales"}},
		{"shortage-new.json", []string{"verify", "stock_exception", "sales_review", "finance_review", "finance_review", "ship", "aftersales"}},
	}
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		for _, tc := range cases {
			t.Run(tc.file, func(t *testing.T) {
				o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, tc.file), nil)
				if err != nil {
					t.Fatal(err)
				}
				if o.Department != "sales" || o.Version != 1 || o.Total <= 0 {
					t.Fatalf("order %+v", o)
				}
				end, path := walk(t, svc, s, o)
				if end.Status != "completed" {
					t.Fatalf("ended %s", end.Status)
				}
				if len(path) != len(tc.path) {
					t.Fatalf("path %v, want %v", path, tc.path)
				}
				for i := range path {
					if path[i] != tc.path[i] {
						t.Fatalf("path %v, want %v", path, tc.path)
					}
				}
				hist, err := history(ctx, svc, as(t, s, "clerk"), o.ID)
				if err != nil {
					t.Fatal(err)
				}
				if hist[0].Action != "submitted" || hist[len(hist)-1].Action != "order_completed" {
					t.Fatalf("history from %s to %s", hist[0].Action, hist[len(hist)-1].Action)
				}
			})
		}
		if _, reason, _, err := s.VerifyAudit(ctx); err != nil || reason != "" {
			t.Fatalf("audit chain: %s %v", reason, err)
		}
	})
}

func TestWhoMayAct(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "small-standard.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		// verify, then the order waits for the sales manager of the sales department
		res, _, err := svc.Act(ctx, as(t, s, "clerk"), o.Tasks[0].ID, service.ActionRequest{Action: "approve", Checklist: ticks(o.Tasks[0])}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tk := res.Order.Tasks[0]
		if tk.Node != "sales_review" || len(tk.Assignees) != 1 || tk.Assignees[0] != "manager" {
			t.Fatalf("sales review task %+v", tk)
		}
		before := count(t, s)
		for _, who := range []string{"manager2", "finance", "clerk", "warehouse"} {
			_, _, err := svc.Act(ctx, as(t, s, who), tk.ID, service.ActionRequest{Action: "approve"}, nil)
			if status(err) != http.StatusForbidden {
				t.Fatalf("%s: got %v, want 403", who, err)
			}
		}
		_, _, err = svc.Act(ctx, as(t, s, "manager"), tk.ID, service.ActionRequest{Action: "reject"}, nil)
		if e, ok := service.AsError(err); !ok || e.Status != 422 || e.Errors[0].Pointer != "/reason" {
			t.Fatalf("reject without reason: %v", err)
		}
		_, _, err = svc.Act(ctx, as(t, s, "manager"), tk.ID, service.ActionRequest{Action: "transfer"}, nil)
		if status(err) != 422 {
			t.Fatalf("unsupported action: %v", err)
		}
		if _, err := svc.GetOrder(ctx, as(t, s, "manager2"), o.ID); status(err) != http.StatusForbidden {
			t.Fatalf("another department's manager read the order: %v", err)
		}
		if after := count(t, s); after != before {
			t.Fatalf("refused requests wrote: %+v → %+v", before, after)
		}
		res, _, err = svc.Act(ctx, as(t, s, "manager"), tk.ID, service.ActionRequest{Action: "reject", Reason: "credit_risk", Comment: "信用額度不足"}, nil)
		if err != nil || res.Order.Status != "rejected" || len(res.Order.Tasks) != 0 {
			t.Fatalf("reject: %v %+v", err, res)
		}
	})
}

// Two reviewers racing on one task: exactly one transition, the other gets 409.
func TestConcurrentApprovalsOneWins(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		for round := 0; round < 5; round++ {
			o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "small-standard.json"), nil)
			if err != nil {
				t.Fatal(err)
			}
			clerk := as(t, s, "clerk")
			var wg sync.WaitGroup
			codes := make([]int, 4)
			for i := range codes {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					_, _, err := svc.Act(ctx, clerk, o.Tasks[0].ID, service.ActionRequest{Action: "approve", Checklist: ticks(o.Tasks[0])}, nil)
					codes[i] = status(err)
				}(i)
			}
			wg.Wait()
			ok, conflicts := 0, 0
			for _, c := range codes {
				switch c {
				case 200:
					ok++
				case 409:
					conflicts++
				}
			}
			if ok != 1 || conflicts != 3 {
				t.Fatalf("codes %v: want one 200 and three 409", codes)
			}
			got, err := svc.GetOrder(ctx, clerk, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Tasks) != 1 || got.Tasks[0].Node != "sales_review" {
				t.Fatalf("after the race: %+v", got.Tasks)
			}
			n, _ := s.Read.NodeInstance.Query().Count(ctx)
			_ = n
		}
	})
}

func TestIdempotentSubmitAndBadInput(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		clerk := as(t, s, "clerk")
		req := sample(t, "small-standard.json")
		key := &service.Idem{Key: "k-1", Scope: "orders", RequestHash: "h1", Encode: json.Marshal}
		o, rp, err := svc.Submit(ctx, clerk, req, key)
		if err != nil || rp != nil {
			t.Fatal(err, rp)
		}
		before := count(t, s)
		_, rp, err = svc.Submit(ctx, clerk, req, key)
		if err != nil || rp == nil || rp.Status != 201 {
			t.Fatalf("replay: %v %+v", err, rp)
		}
		var again service.OrderView
		if err := json.Unmarshal(rp.Body, &again); err != nil || again.ID != o.ID || again.Number != o.Number {
			t.Fatalf("replayed %+v, first %+v", again, o)
		}
		_, _, err = svc.Submit(ctx, clerk, req, &service.Idem{Key: "k-1", Scope: "orders", RequestHash: "other", Encode: json.Marshal})
		if status(err) != 422 {
			t.Fatalf("key reused for another body: %v", err)
		}
		bad := sample(t, "small-standard.json")
		bad.Data["items"].([]any)[0].(map[string]any)["qty"] = -3.0
		_, _, err = svc.Submit(ctx, clerk, bad, nil)
		e, ok := service.AsError(err)
		if !ok || e.Status != 422 || len(e.Errors) == 0 || e.Errors[0].Pointer != "/data/items/0/qty" {
			t.Fatalf("bad qty: %v", err)
		}
		for _, r := range []service.SubmitRequest{{Flow: "nope", Data: map[string]any{}}, {Flow: "order-review"}, {}} {
			if _, _, err := svc.Submit(ctx, clerk, r, nil); status(err) != 422 {
				t.Fatalf("%+v: %v", r, err)
			}
		}
		if _, _, err := svc.Submit(ctx, as(t, s, "warehouse"), req, nil); status(err) != 403 {
			t.Fatalf("warehouse may not submit: %v", err)
		}
		if after := count(t, s); after != before {
			t.Fatalf("refused requests wrote: %+v → %+v", before, after)
		}
	})
}

func TestSeedIsIdempotent(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		n1, _ := s.Read.Definition.Query().Count(ctx)
		u1, _ := s.Read.User.Query().Count(ctx)
		if err := svc.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		n2, _ := s.Read.Definition.Query().Count(ctx)
		u2, _ := s.Read.User.Query().Count(ctx)
		if n1 != n2 || u1 != u2 || n1 == 0 {
			t.Fatalf("definitions %d→%d users %d→%d", n1, n2, u1, u2)
		}
	})
}

var _ = ent.IsNotFound

// history reads an order's whole timeline (one page: test orders are short).
func history(ctx context.Context, svc *app.Service, a service.Actor, id int) ([]service.HistoryItem, error) {
	p, err := svc.History(ctx, a, id, service.HistoryFilter{})
	if err != nil {
		return nil, err
	}
	return p.Items, nil
}

// tasks reads the first page of an inbox.
func tasks(ctx context.Context, svc *app.Service, a service.Actor, scope string) ([]service.TaskItem, error) {
	p, err := svc.Tasks(ctx, a, service.TaskFilter{Scope: scope})
	if err != nil {
		return nil, err
	}
	return p.Items, nil
}
