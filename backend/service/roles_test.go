package service_test

import (
	"context"
	"slices"
	"testing"

	"sluice/backend/ent/definition"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// A role stored before a validation rule existed keeps working: the finance role as the
// demo shipped it (department scope with audit.read, refused today) still grants what
// it can, and the company-wide permission it lists stays ungranted.
func TestStoredRoleOlderThanARuleStillLoads(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc := newDemo(t, s)
		latest, err := s.Read.Definition.Query().Where(definition.Kind("role"), definition.Key("finance"), definition.Status("published")).
			Order(definition.ByVersion()).All(ctx)
		if err != nil || len(latest) == 0 {
			t.Fatalf("finance role: %v", err)
		}
		old := []byte(`{"kind":"role","key":"finance","scope":"department","permissions":["orders.read","orders.read_all","audit.read"]}`)
		if err := s.Client.Definition.Create().SetKind("role").SetKey("finance").SetVersion(latest[len(latest)-1].Version + 1).
			SetStatus("published").SetBody(old).SetCreatedBy("admin").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := svc.RefreshPolicy(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := svc.MyPermissions(ctx, as(t, s, "finance"))
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"orders.read", "orders.read_all"}; !slices.Equal(got, want) {
			t.Fatalf("finance holds %v, want %v", got, want)
		}
	})
}
