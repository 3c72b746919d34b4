package service_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"sluice/backend/catalogue"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	"sluice/schemas"
)

func TestMigrateOrdersInFlight(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		admin := as(t, s, "admin")
		// two orders wait at sales_review on v1, one at verify
		var waiting []*service.OrderView
		for i := 0; i < 3; i++ {
			o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "small-standard.json"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if i < 2 {
				o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
			}
			waiting = append(waiting, o)
		}
		// v2 renames sales_review to manager_review
		b, _ := fs.ReadFile(schemas.Examples(), "flows/order-review.json")
		v2 := strings.ReplaceAll(string(b), `"sales_review"`, `"manager_review"`)
		if _, err := svc.SaveDraft(ctx, admin, "flow", "order-review", []byte(v2)); err != nil {
			t.Fatal(err)
		}
		if v, err := svc.Publish(ctx, admin, "flow", "order-review"); err != nil || v != 2 {
			t.Fatalf("publish v2: %d %v", v, err)
		}
		req := catalogue.MigrationRequest{From: 1, To: 2, Map: map[string]string{"sales_review": "manager_review"}}
		plan, err := svc.PreviewMigration(ctx, admin, "order-review", req)
		if err != nil {
			t.Fatal(err)
		}
		if len(plan) != 3 || plan[0].To[0] != "manager_review" || plan[2].Problem == "" {
			t.Fatalf("preview %+v", plan)
		}
		req.Orders = []int{waiting[0].ID, waiting[2].ID}
		done, err := svc.ApplyMigration(ctx, admin, "order-review", req)
		if err != nil {
			t.Fatal(err)
		}
		if !done[0].Moved || done[1].Moved || done[1].Problem == "" {
			t.Fatalf("apply %+v", done)
		}
		// the moved order's old task answers 409 with the reason, though its node is gone
		// from v2 (it used to be 403 "you may not approve this task")
		old := waiting[0].Tasks[0]
		_, _, err = svc.Act(ctx, as(t, s, "manager"), old.ID, service.ActionRequest{Action: "approve"}, nil)
		if status(err) != 409 || !strings.Contains(err.Error(), `moved to version 2 of flow order-review, which has no node "sales_review"`) {
			t.Fatalf("acting on task %d (%s) after the migration: %v", old.ID, old.Node, err)
		}
		moved, _ := svc.GetOrder(ctx, as(t, s, "manager"), waiting[0].ID)
		stayed, _ := svc.GetOrder(ctx, as(t, s, "manager"), waiting[1].ID)
		if moved.Version != 2 || moved.Tasks[0].Node != "manager_review" || stayed.Version != 1 || stayed.Tasks[0].Node != "sales_review" {
			t.Fatalf("moved %+v stayed %+v", moved, stayed)
		}
		// both continue on their own versions
		o := step(t, svc, s, "manager", moved, service.ActionRequest{Action: "approve"})
		at(t, o, "ship")
		_, _, err = svc.Act(ctx, as(t, s, "manager"), moved.Tasks[0].ID, service.ActionRequest{Action: "approve"}, nil)
		if status(err) != 409 || !strings.Contains(err.Error(), "already decided (approve) by manager") {
			t.Fatalf("acting on a decided task: %v", err)
		}
		o = step(t, svc, s, "manager", stayed, service.ActionRequest{Action: "approve"})
		at(t, o, "ship")
		hist, _ := history(ctx, svc, admin, moved.ID)
		found := false
		for _, h := range hist {
			found = found || h.Action == "migrated"
		}
		if !found {
			t.Fatal("the move is not in the history")
		}
		// refusals
		for _, bad := range []catalogue.MigrationRequest{{From: 1, To: 9, Map: req.Map}, {From: 1, To: 2, Map: map[string]string{"nope": "manager_review"}}} {
			if _, err := svc.PreviewMigration(ctx, admin, "order-review", bad); status(err) != 422 {
				t.Fatalf("%+v: %v", bad, err)
			}
		}
		if _, err := svc.PreviewMigration(ctx, as(t, s, "clerk"), "order-review", req); status(err) != 403 {
			t.Fatalf("clerk: %v", err)
		}
	})
}
