package service_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"sluice/backend/catalogue"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	"sluice/schemas"
)

func TestSimulateCompareAndPast(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		admin := as(t, s, "admin")
		// v2 sends every order of 50,000 and more through the committee
		b, _ := fs.ReadFile(schemas.Examples(), "flows/order-review.json")
		v2 := strings.Replace(string(b), `"order.total >= 200000"`, `"order.total >= 50000"`, 1)
		if _, err := svc.SaveDraft(ctx, admin, "flow", "order-review", []byte(v2)); err != nil {
			t.Fatal(err)
		}
		sample := sample(t, "large-vip.json")
		req := catalogue.SimulateRequest{Orders: []catalogue.SimOrder{{Data: sample.Data, Department: "sales", Submitter: "clerk"}},
			Version: json.RawMessage(`1`), Compare: json.RawMessage(`"draft"`)}
		res, err := svc.Simulate(ctx, admin, "order-review", req)
		if err != nil {
			t.Fatal(err)
		}
		r := res.Results[0]
		if r.Status != "completed" || r.Diff == nil || r.Diff.Same || !slices.Equal(r.Diff.OnlyThere, []string{"committee"}) {
			t.Fatalf("diff %+v (status %s, error %s)", r.Diff, r.Status, r.Error)
		}
		// nothing was written by the simulation
		if n, _ := s.Read.Order.Query().Count(ctx); n != 0 {
			t.Fatalf("simulation wrote %d orders", n)
		}
		// past orders replay
		if _, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample, nil); err != nil {
			t.Fatal(err)
		}
		res, err = svc.Simulate(ctx, admin, "order-review", catalogue.SimulateRequest{Past: &catalogue.PastFilter{Limit: 5}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Results) != 1 || res.Results[0].Order == "" || res.Results[0].Status != "completed" {
			t.Fatalf("past replay %+v", res.Results)
		}
		// refusals
		for _, bad := range []catalogue.SimulateRequest{{}, {Past: &catalogue.PastFilter{Limit: 500}}, {Orders: req.Orders, Version: json.RawMessage(`"v9"`)}} {
			if _, err := svc.Simulate(ctx, admin, "order-review", bad); status(err) != 422 {
				t.Fatalf("%+v: %v", bad, err)
			}
		}
		if _, err := svc.Simulate(ctx, as(t, s, "clerk"), "order-review", req); status(err) != 403 {
			t.Fatalf("a clerk simulating: %v", err)
		}
	})
}
