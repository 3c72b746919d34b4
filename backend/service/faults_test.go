package service_test

import (
	"context"
	"testing"

	"sluice/backend/inbound"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// TestPermissionCheckIsNoFault: whether someone holds a permission in some department is
// read from the policy snapshot, not the database, so a database fault during the check
// surfaces as the fault it is (a 500) and never as "you may not" (a 403). Before, the
// membership query's error made canAnywhere say no.
func TestPermissionCheckIsNoFault(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		for _, name := range []string{"clerk", "finance", "warehouse"} {
			a := as(t, s, name)
			if _, err := svc.ListCustomers(ctx, a, inbound.CustomerFilter{}); err != nil {
				t.Fatalf("%s lists customers: %v", name, err)
			}
		}
		nobody := as(t, s, "admin")
		nobody.Username, nobody.IsAdmin = "no-such-user", false
		if got := status(func() error { _, err := svc.ListCustomers(ctx, nobody, inbound.CustomerFilter{}); return err }()); got != 403 {
			t.Fatalf("a user with no roles: %d, want 403", got)
		}
		clerk := as(t, s, "clerk")
		if err := s.Read.Close(); err != nil { // every read now fails
			t.Fatal(err)
		}
		_, err := svc.ListCustomers(ctx, clerk, inbound.CustomerFilter{})
		if err == nil {
			t.Fatal("listing customers with the readers closed succeeded")
		}
		if got := status(err); got != 500 {
			t.Fatalf("a database fault during the permission check answered %d (%v), want a fault (500)", got, err)
		}
	})
}
