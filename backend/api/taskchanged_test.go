package api_test

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	"sluice/schemas"
)

// A task that is no longer open answers 409 of the stable type task-changed with a
// machine reason — decided, cancelled, moved (by a migration, whether or not its node
// is in the new version) — never 403, alone or in a batch.
func TestTaskChangedHasTypeAndReason(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		tok := map[string]string{}
		for _, u := range []string{"admin", "clerk", "manager"} {
			tok[u] = e.login(u)
		}
		submit := func() order {
			t.Helper()
			r := e.do("POST", "/api/v1/orders", tok["clerk"], sampleBody(t, "small-standard.json"))
			if r.status != 201 {
				t.Fatalf("submit: %d %s", r.status, r.body)
			}
			var o order
			r.json(t, &o)
			return o
		}
		act := func(who string, task int, body string) resp {
			t.Helper()
			return e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", task), tok[who], body)
		}
		approve := func(who string, o order) order {
			t.Helper()
			tk := o.Tasks[0]
			r := act(who, tk.ID, approveBody(len(tk.Checklist), ""))
			if r.status != 200 {
				t.Fatalf("%s approves %s: %d %s", who, tk.Node, r.status, r.body)
			}
			var res struct{ Order order }
			r.json(t, &res)
			return res.Order
		}
		changed := func(r resp, reason, detail string) {
			t.Helper()
			p := r.problem(t)
			if r.status != 409 || p.Type != service.TypeTaskChanged || p.Reason != reason || !strings.Contains(p.Detail, detail) {
				t.Fatalf("got %d %s, want 409 %s reason %s (%q)", r.status, r.body, service.TypeTaskChanged, reason, detail)
			}
		}

		// decided
		a := submit()
		approve("clerk", a)
		changed(act("clerk", a.Tasks[0].ID, approveBody(len(a.Tasks[0].Checklist), "")), service.TaskDecided, "already decided (approve) by clerk")

		// cancelled: the submitter withdrew the order
		b := submit()
		if r := act("clerk", b.Tasks[0].ID, `{"action":"withdraw"}`); r.status != 200 {
			t.Fatalf("withdraw: %d %s", r.status, r.body)
		}
		changed(act("clerk", b.Tasks[0].ID, approveBody(len(b.Tasks[0].Checklist), "")), service.TaskCancelled, "went on without it")

		// moved: v2 renames the manager's review, v3 keeps v2's nodes
		c := approve("clerk", submit())
		if c.Tasks[0].Node != "sales_review" {
			t.Fatalf("at %+v", c.Tasks)
		}
		flow, _ := fs.ReadFile(schemas.Examples(), "flows/order-review.json")
		publish := func(body string, want int) {
			t.Helper()
			if r := e.do("PUT", "/api/v1/definitions/flow/order-review", tok["admin"], body); r.status != 200 {
				t.Fatalf("draft: %d %s", r.status, r.body)
			}
			r := e.do("POST", "/api/v1/definitions/flow/order-review/publish", tok["admin"], nil)
			if r.status != 200 || !strings.Contains(string(r.body), fmt.Sprint(want)) {
				t.Fatalf("publish v%d: %d %s", want, r.status, r.body)
			}
		}
		migrate := func(from, to int, m map[string]string) {
			t.Helper()
			r := e.do("POST", "/api/v1/flows/order-review/migrations/apply", tok["admin"],
				map[string]any{"from": from, "to": to, "map": m, "orders": []int{c.ID}})
			if r.status != 200 || !strings.Contains(string(r.body), `"moved":true`) {
				t.Fatalf("migrate v%d to v%d: %d %s", from, to, r.status, r.body)
			}
		}
		v2 := strings.ReplaceAll(string(flow), `"sales_review"`, `"manager_review"`)
		publish(v2, 2)
		migrate(1, 2, map[string]string{"sales_review": "manager_review"})
		// its node is gone from v2
		changed(act("manager", c.Tasks[0].ID, approveBody(len(c.Tasks[0].Checklist), "")), service.TaskMoved, `no node "sales_review"`)
		var now order
		e.do("GET", fmt.Sprintf("/api/v1/orders/%d", c.ID), tok["manager"], nil).json(t, &now)
		open := now.Tasks[0]
		if open.Node != "manager_review" {
			t.Fatalf("after the migration at %+v", now.Tasks)
		}
		// its node is still in v3: the migration, not the flow, closed it (before, "the
		// order went on without it")
		publish(strings.Replace(v2, `"Order review"`, `"Order review (v3)"`, 1), 3)
		migrate(2, 3, map[string]string{"manager_review": "manager_review"})
		changed(act("manager", open.ID, approveBody(len(open.Checklist), "")), service.TaskMoved, "moved to version 3")
		// urging it says the same
		changed(act("clerk", open.ID, `{"action":"urge"}`), service.TaskMoved, "moved to version 3")

		// in a batch, each item carries the type and the reason
		r := e.do("POST", "/api/v1/tasks/batch", tok["manager"], map[string]any{"tasks": []int{open.ID, c.Tasks[0].ID}, "action": "comment", "comment": "still there?"})
		var batch struct {
			Items []struct {
				Task   int
				Status int
				Error  struct{ Type, Reason string }
			}
		}
		r.json(t, &batch)
		if r.status != 200 || len(batch.Items) != 2 {
			t.Fatalf("batch: %d %s", r.status, r.body)
		}
		for _, it := range batch.Items {
			if it.Status != 409 || it.Error.Type != service.TypeTaskChanged || it.Error.Reason != service.TaskMoved {
				t.Fatalf("batch item %+v, want 409 task-changed moved (%s)", it, r.body)
			}
		}
	})
}
