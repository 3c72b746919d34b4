package service_test

import (
	"context"
	"testing"

	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/task"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

const parallelFlow = `{"kind":"flow","key":"parallel-review","form":"order","withdraw":"until_end",
 "nodes":[{"id":"start","type":"start"},
  {"id":"verify","type":"review","mode":"any","approvers":{"role":"order_clerk"},"allow_self":true},
  {"id":"split","type":"parallel"},
  {"id":"money","type":"review","mode":"all","approvers":{"role":"finance","department":"finance"},"reasons":["credit_risk"]},
  {"id":"stock","type":"review","mode":"any","approvers":{"role":"warehouse","department":"warehouse"},"reasons":["short"]},
  {"id":"meet","type":"join","fork":"split"},
  {"id":"done","type":"end"}],
 "edges":[{"from":"start","to":"verify"},{"from":"verify","to":"split"},{"from":"split","to":"money"},{"from":"split","to":"stock"},
  {"from":"money","to":"meet"},{"from":"stock","to":"meet"},{"from":"meet","to":"done"}]}`

func TestParallelBranchesPersist(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		admin := as(t, s, "admin")
		if _, err := svc.SaveDraft(ctx, admin, "flow", "parallel-review", []byte(parallelFlow)); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Publish(ctx, admin, "flow", "parallel-review"); err != nil {
			t.Fatal(err)
		}
		req := sample(t, "small-standard.json")
		req.Flow = "parallel-review"
		start := func() *service.OrderView {
			o, _, err := svc.Submit(ctx, as(t, s, "clerk"), req, nil)
			if err != nil {
				t.Fatal(err)
			}
			o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
			if len(o.CurrentNodes) != 2 || len(o.Tasks) != 3 {
				t.Fatalf("both branches open: %v %+v", o.CurrentNodes, o.Tasks)
			}
			return o
		}
		// both branches pass → the join passes → completed
		o := start()
		o = step(t, svc, s, "warehouse", o, service.ActionRequest{Action: "approve"})
		at(t, o, "money")
		if n, _ := s.Read.NodeInstance.Query().Where(nodeinstance.OrderID(o.ID), nodeinstance.NodeID("meet"), nodeinstance.Status("waiting")).Count(ctx); n != 1 {
			t.Fatalf("%d waiting joins", n)
		}
		o = step(t, svc, s, "finance", o, service.ActionRequest{Action: "approve"})
		o = step(t, svc, s, "finance2", o, service.ActionRequest{Action: "approve"})
		if o.Status != "completed" {
			t.Fatalf("status %s at %v", o.Status, o.CurrentNodes)
		}
		// a reject in one branch ends the order and closes the other branch
		o = start()
		o = step(t, svc, s, "finance", o, service.ActionRequest{Action: "reject", Reason: "credit_risk"})
		open, _ := s.Read.Task.Query().Where(task.OrderID(o.ID), task.StatusIn("open", "waiting")).Count(ctx)
		if o.Status != "rejected" || open != 0 || len(o.CurrentNodes) != 0 {
			t.Fatalf("after a branch rejects: %s, %d open tasks, at %v", o.Status, open, o.CurrentNodes)
		}
		// a return from a branch takes the whole order back, then it forks again
		o = start()
		o = step(t, svc, s, "warehouse", o, service.ActionRequest{Action: "return", Node: "verify"})
		at(t, o, "verify")
		if n, _ := s.Read.NodeInstance.Query().Where(nodeinstance.OrderID(o.ID), nodeinstance.StatusIn("active", "waiting"), nodeinstance.NodeIDIn("money", "meet")).Count(ctx); n != 0 {
			t.Fatalf("%d branch nodes still open after the return", n)
		}
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		if len(o.CurrentNodes) != 2 {
			t.Fatalf("forked again: %v", o.CurrentNodes)
		}
		// withdraw during a parallel branch (policy until_end) closes everything
		res, _, err := svc.Act(ctx, as(t, s, "clerk"), o.Tasks[0].ID, service.ActionRequest{Action: "withdraw"}, nil)
		if err != nil || res.Order.Status != "withdrawn" {
			t.Fatalf("withdraw: %v", err)
		}
		if n, _ := s.Read.NodeInstance.Query().Where(nodeinstance.OrderID(o.ID), nodeinstance.StatusIn("active", "waiting")).Count(ctx); n != 0 {
			t.Fatalf("%d nodes open after withdraw", n)
		}
	})
}
