package service_test

import (
	"context"
	"net/http"
	"os"
	"testing"

	"sluice/backend/ent/definition"
	"sluice/backend/ent/task"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// reworkFlow is issue 14's flow: the money branch routes its rejection to a rework
// review that leads back into the join.
const reworkFlow = `{"kind":"flow","key":"rework-review","form":"order",
 "nodes":[{"id":"start","type":"start"},
  {"id":"verify","type":"review","mode":"any","approvers":{"role":"order_clerk"},"allow_self":true},
  {"id":"split","type":"parallel"},
  {"id":"money","type":"review","mode":"any","approvers":{"role":"finance","department":"finance"},"reasons":["credit_risk"],"on_reject":"rework"},
  {"id":"stock","type":"review","mode":"any","approvers":{"role":"warehouse","department":"warehouse"}},
  {"id":"rework","type":"review","mode":"any","approvers":{"role":"order_clerk"},"allow_self":true},
  {"id":"meet","type":"join","fork":"split"},
  {"id":"done","type":"end"}],
 "edges":[{"from":"start","to":"verify"},{"from":"verify","to":"split"},{"from":"split","to":"money"},{"from":"split","to":"stock"},
  {"from":"money","to":"meet"},{"from":"stock","to":"meet"},{"from":"rework","to":"meet"},{"from":"meet","to":"done"}]}`

// TestReworkInsideBranch: rejecting in a branch keeps the other branch's task; the
// rework rejoins and the order completes (it used to strand with a 500 on every try).
func TestReworkInsideBranch(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		admin := as(t, s, "admin")
		if _, err := svc.SaveDraft(ctx, admin, "flow", "rework-review", []byte(reworkFlow)); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Publish(ctx, admin, "flow", "rework-review"); err != nil {
			t.Fatal(err)
		}
		req := sample(t, "small-standard.json")
		req.Flow = "rework-review"
		o, _, err := svc.Submit(ctx, as(t, s, "clerk"), req, nil)
		if err != nil {
			t.Fatal(err)
		}
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		o = step(t, svc, s, "finance", o, service.ActionRequest{Action: "reject", Reason: "credit_risk"})
		open, _ := s.Read.Task.Query().Where(task.OrderID(o.ID), task.StatusIn("open")).Count(ctx)
		if o.Status != "in_review" || open != 2 {
			t.Fatalf("after the branch rejects: %s at %v with %d open tasks; want stock and rework open", o.Status, o.CurrentNodes, open)
		}
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"}) // the rework rejoins
		at(t, o, "stock")
		o = step(t, svc, s, "warehouse", o, service.ActionRequest{Action: "approve"})
		if o.Status != "completed" {
			t.Fatalf("status %s at %v", o.Status, o.CurrentNodes)
		}
	})
}

// TestPublishProvesFlow: publishing refuses a flow that strands an order, with the
// node at fault, the code and the counterexample, and publishes nothing; the draft
// stays saved.
func TestPublishProvesFlow(t *testing.T) {
	body, err := os.ReadFile("../flowcheck/testdata/nested-reject.json")
	if err != nil {
		t.Fatal(err)
	}
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		admin := as(t, s, "admin")
		if _, err := svc.SaveDraft(ctx, admin, "flow", "nested-reject", body); err != nil {
			t.Fatalf("a draft is not proved: %v", err)
		}
		_, err := svc.Publish(ctx, admin, "flow", "nested-reject")
		e, ok := service.AsError(err)
		if !ok || e.Status != http.StatusUnprocessableEntity || e.Code != "flow_engine_error" ||
			len(e.Errors) != 1 || e.Errors[0].Pointer != "/nodes/8" || len(e.Counterexample) != 3 {
			t.Fatalf("want a 422 flow_engine_error at /nodes/8 with a 3-step counterexample, got %#v", err)
		}
		if n, _ := s.Read.Definition.Query().Where(definition.Key("nested-reject"), definition.Status("published")).Count(ctx); n != 0 {
			t.Fatalf("%d published versions", n)
		}
	})
}
