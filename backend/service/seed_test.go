package service_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"sluice/backend/app"
	"sluice/backend/auth"
	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/customer"
	"sluice/backend/ent/definition"
	"sluice/backend/ent/department"
	"sluice/backend/ent/user"
	"sluice/backend/inbound"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// adminPublish publishes body as the next version of kind/key the way an administrator
// does: a draft, then publish.
func adminPublish(t *testing.T, svc *app.Service, admin service.Actor, kind, key string, edit func(doc map[string]any)) int {
	t.Helper()
	ctx := context.Background()
	cur, err := svc.GetDefinition(ctx, admin, kind, key, 0)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(cur.Body, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	body, _ := json.Marshal(doc)
	if _, err := svc.SaveDraft(ctx, admin, kind, key, body); err != nil {
		t.Fatalf("draft %s %s: %v", kind, key, err)
	}
	v, err := svc.Publish(ctx, admin, kind, key)
	if err != nil {
		t.Fatalf("publish %s %s: %v", kind, key, err)
	}
	return v
}

func latestVersion(t *testing.T, s *store.Store, kind, key string) *ent.Definition {
	t.Helper()
	d, err := s.Read.Definition.Query().Where(definition.Kind(kind), definition.Key(key), definition.Status("published")).
		Order(ent.Desc(definition.FieldVersion)).First(context.Background())
	if err != nil {
		t.Fatalf("%s %s: %v", kind, key, err)
	}
	return d
}

// A restart with --demo (a second SeedDemo, by a new service on the same database)
// leaves what an administrator did alone: their role without a permission and their
// flow stay the newest versions (no example republished over them), the permission
// stays removed, a changed password, manager and customer stay changed, and rows they deleted
// stay deleted without failing the start. A third run writes nothing at all.
func TestDemoSeedKeepsAdministratorsWork(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc := newDemo(t, s)
		admin := as(t, s, "admin")

		roleV := adminPublish(t, svc, admin, "role", "finance", func(doc map[string]any) {
			doc["permissions"] = []string{"orders.read"} // orders.read_all removed
		})
		flowV := adminPublish(t, svc, admin, "flow", "order-review", func(doc map[string]any) {
			doc["name"] = map[string]string{"zh-TW": "訂單審核（本公司）", "en": "Order review (ours)"}
		})
		if got, _ := svc.MyPermissions(ctx, as(t, s, "finance")); slices.Contains(got, "orders.read_all") {
			t.Fatalf("finance still holds orders.read_all after the admin removed it: %v", got)
		}
		name := "Taipei Precision (renamed)"
		if _, err := svc.UpdateCustomer(ctx, admin, "C-TPP", inbound.CustomerInput{Name: &name}); err != nil {
			t.Fatal(err)
		}
		hash, err := auth.HashPassword("clerk-own-pass-1")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Client.User.Update().Where(user.Username("clerk")).SetPasswordHash(hash).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		m2 := as(t, s, "manager2")
		if err := s.Client.User.Update().Where(user.Username("clerk")).SetManagerID(m2.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Client.Customer.Delete().Where(customer.Code("C-KHP")).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Client.Department.Delete().Where(department.Key("service")).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		defs, _ := s.Read.Definition.Query().Count(ctx)

		restart := func() *app.Service {
			t.Helper()
			again, err := app.New(ctx, s, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := again.SeedDemo(ctx); err != nil {
				t.Fatalf("seed after the admin's changes: %v", err)
			}
			return again
		}
		again := restart()

		if d := latestVersion(t, s, "role", "finance"); d.Version != roleV || d.CreatedBy != "admin" {
			t.Fatalf("finance role: newest is v%d by %s, want the admin's v%d", d.Version, d.CreatedBy, roleV)
		}
		if d := latestVersion(t, s, "flow", "order-review"); d.Version != flowV || d.CreatedBy != "admin" {
			t.Fatalf("order-review flow: newest is v%d by %s, want the admin's v%d", d.Version, d.CreatedBy, flowV)
		}
		if n, _ := s.Read.Definition.Query().Count(ctx); n != defs {
			t.Fatalf("definitions %d → %d: the seed published again", defs, n)
		}
		if got, _ := again.MyPermissions(ctx, as(t, s, "finance")); slices.Contains(got, "orders.read_all") {
			t.Fatalf("the seed gave orders.read_all back to finance: %v", got)
		}
		if _, _, _, err := again.Login(ctx, "clerk", "clerk-own-pass-1", "t"); err != nil {
			t.Fatalf("clerk's own password no longer works: %v", err)
		}
		if c, err := s.Read.User.Query().Where(user.Username("clerk")).Only(ctx); err != nil || c.ManagerID == nil || *c.ManagerID != m2.ID {
			t.Fatalf("clerk's manager is no longer manager2: %v %v", c, err)
		}
		if c, err := s.Read.Customer.Query().Where(customer.Code("C-TPP")).Only(ctx); err != nil || c.Name != name {
			t.Fatalf("customer C-TPP: %v %v", c, err)
		}
		if ok, _ := s.Read.Customer.Query().Where(customer.Code("C-KHP")).Exist(ctx); ok {
			t.Fatal("the seed brought back customer C-KHP, which the admin deleted")
		}
		if ok, _ := s.Read.Department.Query().Where(department.Key("service")).Exist(ctx); ok {
			t.Fatal("the seed brought back department service, which the admin deleted")
		}

		audit, _ := s.Read.AuditEntry.Query().Count(ctx)
		restart()
		if n, _ := s.Read.AuditEntry.Query().Count(ctx); n != audit {
			t.Fatalf("a seed with nothing to do wrote %d audit entries", n-audit)
		}
		if n, _ := s.Read.AuditEntry.Query().Where(auditentry.Action("demo.seeded")).Count(ctx); n != 1 {
			t.Fatalf("%d demo.seeded entries, want the first seed's one", n)
		}
		if _, reason, _, err := s.VerifyAudit(ctx); err != nil || reason != "" {
			t.Fatalf("audit chain: %q %v", reason, err)
		}
	})
}
