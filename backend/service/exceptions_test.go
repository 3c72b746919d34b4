package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"sluice/backend/app"
	"sluice/backend/ent/event"
	"sluice/backend/ent/exception"
	"sluice/backend/ent/notification"
	"sluice/backend/ent/timer"
	"sluice/backend/i18n"
	"sluice/backend/inventory"
	"sluice/backend/reporting"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	"sluice/plugins"
)

// flaky fails as the order's note says: "fail:error" is a plain error, "fail:<reason>"
// a typed Failure; anything else passes. Before failing it reserves stock, which the
// savepoint around a plugin must undo.
type flaky struct{}

func (flaky) Name() string                           { return "test.flaky" }
func (flaky) Outcomes() []string                     { return nil }
func (flaky) SettingsSchema() json.RawMessage        { return json.RawMessage(`{"type":"object"}`) }
func (flaky) Provision(json.RawMessage) (any, error) { return struct{}{}, nil }
func (flaky) Run(ctx context.Context, in plugins.Input) (plugins.Output, error) {
	note, _ := in.Order.Data["note"].(string)
	reason, failing := strings.CutPrefix(note, "fail:")
	if !failing {
		return plugins.Output{Outcome: "ok", Detail: map[string]any{"checked": "note"}}, nil
	}
	if in.Ports != nil && !in.DryRun {
		if _, err := in.Ports.Stock.Reserve(ctx, in.Order.ID, "GBX-RV40", "main", 1); err != nil {
			return plugins.Output{}, err
		}
	}
	if reason == "error" {
		return plugins.Output{}, errors.New("the upstream service timed out")
	}
	f := &plugins.Failure{Reason: reason, Message: "the note says " + reason} // free text: a plugin without catalogue keys
	f.Detail = map[string]any{"note": note}
	return plugins.Output{}, f
}

func init() { plugins.Register(flaky{}) }

// exceptionFlow: inventory (holds stock) → check (test.flaky; its exceptions belong to
// the warehouse for 4h) → verify (clerk) → gate (a role nobody holds in sales: no
// approver) → done.
const exceptionFlow = `{"kind":"flow","key":"exceptional","form":"order","withdraw":"until_end",
 "nodes":[{"id":"start","type":"start"},
  {"id":"inventory","type":"task","plugin":"inventory.check","settings":{"policy":"block"}},
  {"id":"check","type":"task","name":{"zh-TW":"外部檢查","zh-CN":"外部检查","en":"Outside check"},"plugin":"test.flaky","exception":{"owner_role":"warehouse","owner_department":"warehouse","within":"PT4H"}},
  {"id":"verify","type":"review","mode":"any","approvers":{"role":"order_clerk"},"allow_self":true},
  {"id":"gate","type":"review","mode":"any","approvers":{"role":"finance"}},
  {"id":"short","type":"end","status":"rejected"},
  {"id":"done","type":"end"}],
 "edges":[{"from":"start","to":"inventory"},{"from":"inventory","to":"check","default":true},{"from":"inventory","to":"short","outcome":"shortage"},
  {"from":"check","to":"verify"},{"from":"verify","to":"gate"},{"from":"gate","to":"done"}]}`

func exceptional(t *testing.T, s *store.Store) *app.Service {
	t.Helper()
	svc := newDemo(t, s)
	ctx := context.Background()
	admin := as(t, s, "admin")
	if _, err := svc.SaveDraft(ctx, admin, "flow", "exceptional", []byte(exceptionFlow)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Publish(ctx, admin, "flow", "exceptional"); err != nil {
		t.Fatal(err)
	}
	return svc
}

func submitNote(t *testing.T, svc *app.Service, s *store.Store, note string) *service.OrderView {
	t.Helper()
	req := sample(t, "small-standard.json")
	req.Flow = "exceptional"
	req.Data["note"] = note
	o, _, err := svc.Submit(context.Background(), as(t, s, "clerk"), req, nil)
	if err != nil {
		t.Fatalf("submit with note %q: %v", note, err)
	}
	return o
}

// openException is the order's one open exception.
func openException(t *testing.T, svc *app.Service, s *store.Store, orderID int) service.ExceptionView {
	t.Helper()
	rows, err := s.Read.Exception.Query().Where(exception.OrderID(orderID), exception.Status("open")).All(context.Background())
	if err != nil || len(rows) != 1 {
		t.Fatalf("want one open exception on order %d: %d, %v", orderID, len(rows), err)
	}
	v, err := svc.GetException(context.Background(), as(t, s, "admin"), rows[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return *v
}

func TestPluginFailuresRaiseExceptions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := exceptional(t, s)
		ctx := context.Background()
		tests := []struct {
			note, reason, message, dept string
			owners                      []string
			within                      time.Duration
		}{
			// the service's own text reads in the reader's language (zh-TW unless told), the error's as it came
			{"fail:error", service.ReasonError, "外掛 test.flaky 執行失敗：the upstream service timed out", "warehouse", []string{"warehouse"}, 4 * time.Hour},
			{"fail:stock", "stock", "the note says stock", "warehouse", []string{"warehouse"}, 4 * time.Hour},
			{"fail:credit", "credit", "the note says credit", "warehouse", []string{"warehouse"}, 4 * time.Hour},
		}
		for _, tc := range tests {
			o := submitNote(t, svc, s, tc.note) // the request succeeds
			if o.Status != "exception" || len(o.CurrentNodes) != 1 || o.CurrentNodes[0] != "check" {
				t.Fatalf("%s: order %s at %v", tc.note, o.Status, o.CurrentNodes)
			}
			ex := openException(t, svc, s, o.ID)
			if ex.Reason != tc.reason || ex.Message != tc.message || ex.Department != tc.dept || ex.Node != "check" ||
				strings.Join(ex.Owners, ",") != strings.Join(tc.owners, ",") || ex.OwnerRole != "warehouse" {
				t.Fatalf("%s: %+v", tc.note, ex)
			}
			if d := ex.Deadline.Sub(ex.CreatedAt); d != tc.within {
				t.Fatalf("%s: deadline %s after raising, want %s", tc.note, d, tc.within)
			}
			// the plugin's own writes were undone; the inventory check's hold stays
			want(t, s, "GBX-RV40", 10, 0)
			if n := reservations(t, s, o.ID, inventory.Held); n != 2 {
				t.Fatalf("%s: %d held reservations, want the inventory check's 2", tc.note, n)
			}
			for _, topic := range []string{"department:warehouse", "department:sales", "admin"} {
				if n, _ := s.Read.Event.Query().Where(event.Type("exception.raised"), event.Topic(topic)).Count(ctx); n == 0 {
					t.Fatalf("%s: no exception.raised on %s", tc.note, topic)
				}
			}
			ns, _ := s.Read.Notification.Query().Where(notification.Username("warehouse"), notification.Type("exception"), notification.OrderID(o.ID)).All(ctx)
			if len(ns) != 1 {
				t.Fatalf("%s: %d notifications to the owner", tc.note, len(ns))
			}
			// the node is named in each reader's language (stored as data, read back from JSON)
			key, _ := ns[0].Data["title_key"].(string)
			params, _ := ns[0].Data["title_params"].(map[string]any)
			for lang, name := range map[string]string{"zh-TW": "外部檢查", "zh-CN": "外部检查", "en": "Outside check"} {
				if got := i18n.T(lang, key, params); !strings.Contains(got, name) {
					t.Fatalf("%s: the %s title %q does not name the node %q", tc.note, lang, got, name)
				}
			}
		}
		// the deadline is a durable timer: at it, the owners hear the exception is overdue
		tm, err := s.Read.Timer.Query().Where(timer.Kind(service.TimerExceptionOverdue), timer.Status(service.TimerPending)).First(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if fired, err := svc.FireTimer(ctx, tm.ID, tm.DueAt.Add(-time.Second), "test"); err != nil || fired {
			t.Fatalf("fired early: %v %v", fired, err)
		}
		if fired, err := svc.FireTimer(ctx, tm.ID, tm.DueAt.Add(time.Second), "test"); err != nil || !fired {
			t.Fatalf("fire at the deadline: %v %v", fired, err)
		}
		overdue, _ := s.Read.Notification.Query().Where(notification.Username("warehouse"), notification.Type("exception.overdue")).All(ctx)
		if len(overdue) != 1 {
			t.Fatalf("%d overdue notifications", len(overdue))
		}
		if key, _ := overdue[0].Data["title_key"].(string); !strings.Contains(i18n.T("en", key, overdue[0].Data["title_params"].(map[string]any)), "Outside check") {
			t.Fatalf("the overdue title does not name the node in English: %v", overdue[0].Data)
		}
		// the sales board shows the held orders at the node that raised the exception
		b, err := svc.Board(ctx, as(t, s, "manager"), "sales", reporting.BoardFilter{Flow: "exceptional", Status: "exception", Assignee: "warehouse"})
		if err != nil {
			t.Fatal(err)
		}
		cards := 0
		for _, c := range b.Columns {
			if c.Node == "check" {
				cards = len(c.Cards)
				if cards > 0 && (c.Cards[0].Due == nil || c.Cards[0].Status != "exception") {
					t.Fatalf("card %+v", c.Cards[0])
				}
			}
		}
		if cards != len(tests) {
			t.Fatalf("%d cards at check, want %d", cards, len(tests))
		}
		// the default owner: the order's department for 24h, told to whoever may resolve there
		o := submitNote(t, svc, s, "")
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		if o.Status != "exception" || o.CurrentNodes[0] != "gate" {
			t.Fatalf("no approver at gate: %s %v", o.Status, o.CurrentNodes)
		}
		ex := openException(t, svc, s, o.ID)
		if ex.Reason != "no_approver" || ex.Department != "sales" || ex.Deadline.Sub(ex.CreatedAt) != 24*time.Hour ||
			strings.Join(ex.Owners, ",") != "clerk,manager" {
			t.Fatalf("no approver: %+v", ex)
		}
		// a decision on another task of a held order is refused (none here: the gate has none)
		hist, err := history(ctx, svc, as(t, s, "clerk"), o.ID)
		if err != nil || hist[len(hist)-1].Action != "exception" && hist[len(hist)-2].Action != "exception" {
			t.Fatalf("history: %v %+v", err, hist[len(hist)-1])
		}
	})
}

func TestResolveExceptions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := exceptional(t, s)
		ctx := context.Background()
		clerk := as(t, s, "clerk")

		t.Run("retry with fixed data passes the node", func(t *testing.T) {
			o := submitNote(t, svc, s, "fail:data")
			ex := openException(t, svc, s, o.ID)
			// bad data: 422 with a pointer, nothing written
			before := count(t, s)
			_, err := svc.ResolveException(ctx, clerk, ex.ID, service.ResolveRequest{Action: "retry", Data: map[string]any{"currency": "EUR"}})
			if e, ok := service.AsError(err); !ok || e.Status != http.StatusUnprocessableEntity || e.Errors[0].Pointer != "/data/currency" {
				t.Fatalf("bad fix: %v", err)
			}
			if again := openException(t, svc, s, o.ID); again.Status != "open" || count(t, s) != before {
				t.Fatal("a refused fix wrote something")
			}
			// retry without a fix raises it again (a new exception; the first is resolved)
			res, err := svc.ResolveException(ctx, clerk, ex.ID, service.ResolveRequest{Action: "retry"})
			if err != nil || res.Exception.Resolution != "retry" || res.Order.Status != "exception" {
				t.Fatalf("plain retry: %v %+v", err, res)
			}
			ex2 := openException(t, svc, s, o.ID)
			if ex2.ID == ex.ID {
				t.Fatal("the retry should raise a new exception")
			}
			res, err = svc.ResolveException(ctx, clerk, ex2.ID, service.ResolveRequest{Action: "retry", Data: map[string]any{"note": "fixed"}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Order.Status != "in_review" || res.Order.CurrentNodes[0] != "verify" || res.Order.Data["note"] != "fixed" {
				t.Fatalf("after the fix: %s %v %v", res.Order.Status, res.Order.CurrentNodes, res.Order.Data["note"])
			}
			// twice: 409
			if _, err := svc.ResolveException(ctx, clerk, ex2.ID, service.ResolveRequest{Action: "retry"}); status(err) != http.StatusConflict {
				t.Fatalf("double resolve: %v", err)
			}
		})

		t.Run("override continues past the node", func(t *testing.T) {
			o := submitNote(t, svc, s, "fail:price")
			ex := openException(t, svc, s, o.ID)
			if _, err := svc.ResolveException(ctx, clerk, ex.ID, service.ResolveRequest{Action: "override"}); status(err) != http.StatusUnprocessableEntity {
				t.Fatalf("override without a note: %v", err)
			}
			res, err := svc.ResolveException(ctx, clerk, ex.ID, service.ResolveRequest{Action: "override", Note: "price agreed by phone"})
			if err != nil || res.Order.Status != "in_review" || res.Order.CurrentNodes[0] != "verify" || res.Exception.Note != "price agreed by phone" {
				t.Fatalf("override: %v %+v", err, res)
			}
		})

		t.Run("override a review nobody could decide by naming a user", func(t *testing.T) {
			o := submitNote(t, svc, s, "")
			o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
			ex := openException(t, svc, s, o.ID)
			if _, err := svc.ResolveException(ctx, clerk, ex.ID, service.ResolveRequest{Action: "override", Note: "x", User: "ghost"}); status(err) != http.StatusUnprocessableEntity {
				t.Fatalf("unknown user: %v", err)
			}
			res, err := svc.ResolveException(ctx, clerk, ex.ID, service.ResolveRequest{Action: "override", Note: "finance is away; the manager decides", User: "manager"})
			if err != nil || res.Order.Status != "in_review" || len(res.Order.Tasks) != 1 || res.Order.Tasks[0].Assignees[0] != "manager" {
				t.Fatalf("assign: %v %+v", err, res)
			}
			o = step(t, svc, s, "manager", &res.Order, service.ActionRequest{Action: "approve"})
			if o.Status != "completed" {
				t.Fatalf("after the assignee approves: %s", o.Status)
			}
		})

		t.Run("cancel releases the stock the order held", func(t *testing.T) {
			o := submitNote(t, svc, s, "fail:stock")
			before := stockOf(t, s, "BRG-6204").Reserved
			ex := openException(t, svc, s, o.ID)
			res, err := svc.ResolveException(ctx, clerk, ex.ID, service.ResolveRequest{Action: "cancel", Note: "customer gave up"})
			if err != nil || res.Order.Status != "cancelled" || len(res.Order.CurrentNodes) != 0 {
				t.Fatalf("cancel: %v %+v", err, res)
			}
			if n := reservations(t, s, o.ID, inventory.Held); n != 0 {
				t.Fatalf("%d reservations still held", n)
			}
			if after := stockOf(t, s, "BRG-6204").Reserved; after != before-50 {
				t.Fatalf("reserved %d → %d", before, after)
			}
			if _, err := svc.ResolveException(ctx, clerk, ex.ID, service.ResolveRequest{Action: "cancel"}); status(err) != http.StatusConflict {
				t.Fatalf("cancel twice: %v", err)
			}
			if n, _ := s.Read.Timer.Query().Where(timer.OrderID(o.ID), timer.Status(service.TimerPending)).Count(ctx); n != 0 {
				t.Fatalf("%d timers still pending on a cancelled order", n)
			}
		})

		t.Run("who may resolve", func(t *testing.T) {
			o := submitNote(t, svc, s, "fail:customer")
			ex := openException(t, svc, s, o.ID)
			for _, who := range []string{"manager2", "finance", "service"} {
				if _, err := svc.ResolveException(ctx, as(t, s, who), ex.ID, service.ResolveRequest{Action: "cancel"}); status(err) != http.StatusForbidden {
					t.Fatalf("%s: %v", who, err)
				}
			}
			if _, err := svc.ResolveException(ctx, clerk, ex.ID, service.ResolveRequest{Action: "dance"}); status(err) != http.StatusUnprocessableEntity {
				t.Fatalf("unknown action: %v", err)
			}
			// the warehouse owns this node's exceptions
			if _, err := svc.ResolveException(ctx, as(t, s, "warehouse"), ex.ID, service.ResolveRequest{Action: "override", Note: "known customer"}); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("the inbox is scoped by department", func(t *testing.T) {
			o := submitNote(t, svc, s, "fail:address")
			for who, sees := range map[string]bool{"clerk": true, "manager": true, "warehouse": true, "finance": true, "manager2": false} {
				page, err := svc.ListExceptions(ctx, as(t, s, who), service.ExceptionFilter{Reason: "address"})
				if err != nil {
					t.Fatal(err)
				}
				got := len(page.Items) == 1 && page.Items[0].OrderID == o.ID
				if got != sees || (!sees && len(page.Items) != 0) {
					t.Fatalf("%s sees %d address exceptions, want seen=%v", who, len(page.Items), sees)
				}
				if _, err := svc.GetException(ctx, as(t, s, who), openException(t, svc, s, o.ID).ID); (err == nil) != sees {
					t.Fatalf("%s get: %v", who, err)
				}
			}
			page, err := svc.ListExceptions(ctx, as(t, s, "admin"), service.ExceptionFilter{Status: "resolved", Flow: "exceptional", Limit: 2})
			if err != nil || len(page.Items) != 2 || page.NextCursor == "" {
				t.Fatalf("resolved page: %v %+v", err, page)
			}
			if _, err := svc.ListExceptions(ctx, as(t, s, "admin"), service.ExceptionFilter{Status: "shut"}); status(err) != http.StatusUnprocessableEntity {
				t.Fatalf("bad status: %v", err)
			}
		})
	})
}

// An exception in one parallel branch holds the whole order (the other branch's task
// cannot be decided meanwhile); once resolved, both branches meet at the join.
func TestExceptionInParallelBranch(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		admin := as(t, s, "admin")
		flow := strings.Replace(strings.Replace(parallelFlow, `"parallel-review"`, `"parallel-held"`, 1),
			`"approvers":{"role":"finance","department":"finance"}`, `"approvers":{"role":"finance","department":"sales"}`, 1)
		if _, err := svc.SaveDraft(ctx, admin, "flow", "parallel-held", []byte(flow)); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Publish(ctx, admin, "flow", "parallel-held"); err != nil {
			t.Fatal(err)
		}
		req := sample(t, "small-standard.json")
		req.Flow = "parallel-held"
		o, _, err := svc.Submit(ctx, as(t, s, "clerk"), req, nil)
		if err != nil {
			t.Fatal(err)
		}
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		if o.Status != "exception" || len(o.CurrentNodes) != 2 {
			t.Fatalf("held with both branches current: %s %v", o.Status, o.CurrentNodes)
		}
		i := slices.IndexFunc(o.Tasks, func(tk service.TaskView) bool { return tk.Node == "stock" })
		if _, _, err := svc.Act(ctx, as(t, s, "warehouse"), o.Tasks[i].ID, service.ActionRequest{Action: "approve", Checklist: ticks(o.Tasks[i])}, nil); status(err) != http.StatusConflict {
			t.Fatalf("deciding the other branch while held: %v", err)
		}
		ex := openException(t, svc, s, o.ID)
		res, err := svc.ResolveException(ctx, as(t, s, "clerk"), ex.ID, service.ResolveRequest{Action: "override", Note: "finance2 covers", User: "finance2"})
		if err != nil || res.Order.Status != "in_review" || len(res.Order.CurrentNodes) != 2 {
			t.Fatalf("after the override: %v %+v", err, res)
		}
		o = step(t, svc, s, "warehouse", &res.Order, service.ActionRequest{Action: "approve"})
		o = step(t, svc, s, "finance2", o, service.ActionRequest{Action: "approve"})
		if o.Status != "completed" {
			t.Fatalf("both branches met: %s %v", o.Status, o.CurrentNodes)
		}
	})
}
