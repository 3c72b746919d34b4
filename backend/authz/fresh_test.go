package authz

import (
	"context"
	"testing"
)

// TestFreshReloadsAStaleSnapshot: a Reload that fails after a committed policy change
// leaves the snapshot stale; Fresh then reloads it (failing while the database does),
// and is a no-op once fresh.
func TestFreshReloadsAStaleSnapshot(t *testing.T) {
	ctx := context.Background()
	client := openClient(t)
	a, err := New(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Fresh(ctx); err != nil {
		t.Fatalf("a fresh snapshot: %v", err)
	}
	// the change commits; the reload after it fails
	tx, err := client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Replace(ctx, tx, Derive(orgRoles, orgNodes, orgMembers, orgAdmins)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := client.ExecContext(ctx, "ALTER TABLE casbin_rules RENAME TO casbin_away"); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(ctx); err == nil {
		t.Fatal("reload without the table succeeded")
	}
	if err := a.Fresh(ctx); err == nil {
		t.Fatal("a stale snapshot that cannot reload must be a fault")
	}
	if a.CanAnywhere(Subject("bob"), "orders", "read_all") {
		t.Fatal("the old snapshot changed")
	}
	if _, err := client.ExecContext(ctx, "ALTER TABLE casbin_away RENAME TO casbin_rules"); err != nil {
		t.Fatal(err)
	}
	if err := a.Fresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !a.CanAnywhere(Subject("bob"), "orders", "read_all") {
		t.Fatal("Fresh did not load the committed change")
	}
}
