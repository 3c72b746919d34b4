package authz

import (
	"context"
	"testing"
)

// TestCanAnywhere: a permission held in one department, or globally, counts anywhere; one
// held by nobody, or a subject that is no user, does not. The departments come from the
// policy snapshot (no database read that could fail into a "no").
func TestCanAnywhere(t *testing.T) {
	ctx := context.Background()
	client := openClient(t)
	a, err := New(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	replace(t, a, client, Derive(orgRoles, orgNodes, orgMembers, orgAdmins))
	cases := []struct {
		user, obj, act string
		want           bool
	}{
		{"bob", "orders", "read_all", true},    // sales_manager in sales-south
		{"frank", "orders", "read_all", true},  // sales_manager in sales
		{"alice", "orders", "create", true},    // clerk in sales
		{"alice", "orders", "read_all", false}, // a clerk does not read all
		{"erin", "orders", "read_all", true},   // auditor, global
		{"root", "stock", "manage", true},      // admin
		{"carol", "orders", "create", false},   // accountant: node grants only
		{"gina", "orders", "create", false},    // membership ignored
		{"nobody", "orders", "read", false},
	}
	for _, c := range cases {
		if got := a.CanAnywhere(Subject(c.user), c.obj, c.act); got != c.want {
			t.Errorf("%s %s.%s anywhere = %v, want %v", c.user, c.obj, c.act, got, c.want)
		}
	}
	if _, err := client.ExecContext(ctx, "DROP TABLE casbin_rules"); err != nil {
		t.Fatal(err)
	}
	if !a.CanAnywhere(Subject("bob"), "orders", "read_all") {
		t.Fatal("the answer depends on the database, not the loaded policy")
	}
}

// TestEnforceErrorIsNotADeny: a broken snapshot is a fault — Can panics (the request's
// recover answers 500) rather than answer "you may not".
func TestEnforceErrorIsNotADeny(t *testing.T) {
	var a Authz // no policy loaded
	defer func() {
		if recover() == nil {
			t.Fatal("Can with no policy loaded answered instead of failing")
		}
	}()
	a.Can(Subject("bob"), "sales", "orders", "read")
}
