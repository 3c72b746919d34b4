package service_test

import (
	"context"
	"slices"
	"testing"

	"sluice/backend/catalogue"
	"sluice/backend/ent/auditentry"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// A retired flow leaves the clerk's picker and takes no new order (409, a stable type),
// while an order already in it goes on to its end; restoring it brings it back. Both
// are audited and shown in the admin's flow list.
func TestRetireAndRestoreFlow(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		clerk, admin := as(t, s, "clerk"), as(t, s, "admin")
		picker := func() []string {
			fs, err := svc.StartableFlows(ctx, clerk)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, f := range fs {
				keys = append(keys, f.Key)
			}
			return keys
		}
		listed := func() bool {
			ds, err := svc.ListDefinitions(ctx, admin, "flow")
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(ds, func(d catalogue.DefinitionView) bool { return d.Key == "order-review" })
			return ds[i].Retired
		}
		if !slices.Contains(picker(), "order-review") || listed() {
			t.Fatalf("before: picker %v", picker())
		}
		inFlight, _, err := svc.Submit(ctx, clerk, sample(t, "small-standard.json"), nil)
		if err != nil {
			t.Fatal(err)
		}

		if _, err := svc.RetireFlow(ctx, clerk, "order-review"); status(err) != 403 {
			t.Fatalf("a clerk retiring: %v", err)
		}
		if _, err := svc.RetireFlow(ctx, admin, "no-such-flow"); status(err) != 404 {
			t.Fatalf("retiring an unknown flow: %v", err)
		}
		v, err := svc.RetireFlow(ctx, admin, "order-review")
		if err != nil || !v.Retired {
			t.Fatalf("retire: %+v %v", v, err)
		}
		if _, err := svc.RetireFlow(ctx, admin, "order-review"); err != nil { // again: no change
			t.Fatal(err)
		}
		if slices.Contains(picker(), "order-review") || !listed() {
			t.Fatalf("retired but in the picker %v (listed retired %v)", picker(), listed())
		}
		before := count(t, s)
		_, _, err = svc.Submit(ctx, clerk, sample(t, "small-standard.json"), nil)
		e, ok := service.AsError(err)
		if !ok || e.Status != 409 || e.Type != service.TypeFlowRetired || e.Errors[0].Pointer != "/flow" {
			t.Fatalf("a new order in a retired flow: %v", err)
		}
		if after := count(t, s); after != before {
			t.Fatalf("a refused order wrote: %+v -> %+v", before, after)
		}
		// the order already in it goes on to its end, on its version
		end, _ := walk(t, svc, s, inFlight)
		if end.Status != "completed" || end.Version != inFlight.Version {
			t.Fatalf("in-flight order ended %s on v%d", end.Status, end.Version)
		}

		v, err = svc.RestoreFlow(ctx, admin, "order-review")
		if err != nil || v.Retired || !slices.Contains(picker(), "order-review") || listed() {
			t.Fatalf("restore: %+v %v picker %v", v, err, picker())
		}
		if _, _, err := svc.Submit(ctx, clerk, sample(t, "small-standard.json"), nil); err != nil {
			t.Fatalf("after restore: %v", err)
		}
		for _, a := range []string{"flow.retired", "flow.restored"} {
			n, err := s.Read.AuditEntry.Query().Where(auditentry.Action(a), auditentry.Actor("admin")).Count(ctx)
			if err != nil || n != 1 {
				t.Fatalf("%s audited %d times: %v", a, n, err)
			}
		}
		if _, reason, _, err := s.VerifyAudit(ctx); err != nil || reason != "" {
			t.Fatalf("audit chain: %s %v", reason, err)
		}
	})
}
