package authz

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/google/go-cmp/cmp"

	"sluice/backend/ent/casbinrule"
)

func newEnforcer(t *testing.T, a *Adapter) *casbin.Enforcer {
	t.Helper()
	m, err := model.NewModelFromString(ModelText)
	if err != nil {
		t.Fatal(err)
	}
	e, err := casbin.NewEnforcer(m, a)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func sorted(rows [][]string) [][]string {
	rows = slices.Clone(rows)
	slices.SortFunc(rows, slices.Compare)
	return rows
}

// Casbin's auto-save drives every adapter method; a second enforcer reading the same table
// must see exactly what the first one holds.
func TestAdapterRoundTrip(t *testing.T) {
	client := openClient(t)
	e := newEnforcer(t, NewAdapter(client))

	must := func(ok bool, err error) {
		t.Helper()
		if err != nil || !ok {
			t.Fatalf("ok=%v err=%v", ok, err)
		}
	}
	must(e.AddPolicy("role:clerk", "*", "orders", "create"))
	must(e.AddPolicies([][]string{
		{"role:clerk", "*", "orders", "read"},
		{"role:acct", "財務", "flow:f:n", "approve"},
		{"role:acct", "財務", "flow:f:n", "reject"},
		{"role:x", "sales", "a, b", `"quoted"`},
	}))
	must(e.AddGroupingPolicy("user:alice", "role:clerk", "sales"))
	must(e.AddGroupingPolicies([][]string{
		{"user:bob", "role:clerk", "sales"},
		{"user:碳", "role:acct", "財務"},
		{"user:carol", "role:clerk", "south"},
	}))
	must(e.RemovePolicy("role:clerk", "*", "orders", "read"))
	must(e.RemovePolicies([][]string{{"role:acct", "財務", "flow:f:n", "reject"}}))
	must(e.RemoveFilteredGroupingPolicy(2, "sales")) // alice and bob
	must(e.RemoveFilteredPolicy(0, "role:x"))

	wantP := [][]string{{"role:acct", "財務", "flow:f:n", "approve"}, {"role:clerk", "*", "orders", "create"}}
	wantG := [][]string{{"user:carol", "role:clerk", "south"}, {"user:碳", "role:acct", "財務"}}
	check := func(e *casbin.Enforcer) {
		t.Helper()
		p, err := e.GetPolicy()
		if err != nil {
			t.Fatal(err)
		}
		g, err := e.GetGroupingPolicy()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantP, sorted(p)); diff != "" {
			t.Errorf("p (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantG, sorted(g)); diff != "" {
			t.Errorf("g (-want +got):\n%s", diff)
		}
	}
	check(e)
	e2 := newEnforcer(t, NewAdapter(client))
	check(e2)
	if ok, _ := e2.Enforce("user:碳", "財務", "flow:f:n", "approve"); !ok {
		t.Fatal("reloaded policy does not enforce")
	}
	// (besides the version row every change rewrites)
	if n := client.CasbinRule.Query().Where(casbinrule.PtypeNEQ(versionType)).CountX(context.Background()); n != 4 {
		t.Fatalf("table holds %d rows, want 4", n)
	}

	// SavePolicy writes the in-memory state back, replacing the table.
	e2.EnableAutoSave(false)
	if _, err := e2.AddPolicy("role:new", "*", "audit", "read"); err != nil {
		t.Fatal(err)
	}
	if _, err := e2.RemoveGroupingPolicy("user:carol", "role:clerk", "south"); err != nil {
		t.Fatal(err)
	}
	if got := len(stored(t, client)); got != 4 {
		t.Fatalf("auto-save off but table changed: %d rows", got)
	}
	if err := e2.SavePolicy(); err != nil {
		t.Fatal(err)
	}
	wantP = append(wantP, []string{"role:new", "*", "audit", "read"})
	wantG = wantG[1:]
	check(newEnforcer(t, NewAdapter(client)))
}

func TestAdapterFilteredRemoveMatchesOnlyGivenFields(t *testing.T) {
	client := openClient(t)
	a := NewAdapter(client)
	rules := [][]string{
		{"role:a", "sales", "orders", "read"},
		{"role:a", "finance", "orders", "read"},
		{"role:b", "sales", "orders", "read"},
		{"role:a", "sales", "audit", "read"},
	}
	if err := a.AddPolicies("p", "p", rules); err != nil {
		t.Fatal(err)
	}
	if err := a.AddPolicy("g", "g", []string{"role:a", "role:b", "sales"}); err != nil {
		t.Fatal(err)
	}
	// fields 0 and 2 given, field 1 empty = any
	if err := a.RemoveFilteredPolicy("p", "p", 0, "role:a", "", "orders"); err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"g", "role:a", "role:b", "sales"},
		{"p", "role:a", "sales", "audit", "read"},
		{"p", "role:b", "sales", "orders", "read"},
	}
	if diff := cmp.Diff(want, sorted(stored(t, client))); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if err := a.RemoveFilteredPolicy("p", "p", 5, "x", "y"); err == nil {
		t.Fatal("filter beyond v5 accepted")
	}
	if err := a.AddPolicy("p", "p", []string{"1", "2", "3", "4", "5", "6", "7"}); err == nil {
		t.Fatal("seven fields accepted")
	}
	// A failing batch writes nothing.
	if err := a.AddPolicies("p", "p", [][]string{{"role:c", "*", "x", "y"}, {"role:a", "sales", "audit", "read"}}); err == nil {
		t.Fatal("duplicate line accepted")
	}
	if diff := cmp.Diff(want, sorted(stored(t, client))); diff != "" {
		t.Fatalf("failed batch left rows (-want +got):\n%s", diff)
	}
}

func TestAdapterInCallerTransaction(t *testing.T) {
	ctx := context.Background()
	client := openClient(t)
	tx, err := client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := NewTxAdapter(tx).AddPolicy("p", "p", []string{"role:a", "*", "o", "a"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if rows := stored(t, client); len(rows) != 0 {
		t.Fatalf("rolled-back insert persisted: %v", rows)
	}
}

func TestReplace(t *testing.T) {
	ctx := context.Background()
	client := openClient(t)
	a, err := New(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	v1 := Derive(orgRoles, orgNodes, orgMembers, orgAdmins)
	replace(t, a, client, v1)
	if diff := cmp.Diff(v1, sorted(stored(t, client))); diff != "" {
		t.Fatalf("table after Replace (-want +got):\n%s", diff)
	}
	idOf := func(row []string) int {
		l, _ := toLine(row[0], row[1:])
		return client.CasbinRule.Query().Where(l.where()).OnlyIDX(ctx)
	}
	keep := []string{"g", "user:alice", "role:clerk", "sales"}
	keepID := idOf(keep)

	// v2: bob moves to sales, alice stays, admin goes.
	members := slices.Clone(orgMembers)
	members[1].Department = "sales"
	v2 := Derive(orgRoles, orgNodes, members, nil)
	replace(t, a, client, v2)
	if diff := cmp.Diff(v2, sorted(stored(t, client))); diff != "" {
		t.Fatalf("table after second Replace (-want +got):\n%s", diff)
	}
	if idOf(keep) != keepID {
		t.Fatal("unchanged row was rewritten")
	}
	review := NodeRef{Flow: "order-review", Node: "manager_review"}
	if !a.CanNode("bob", "sales", review, "approve") || a.CanNode("bob", "sales-south", review, "approve") {
		t.Fatal("bob's move not in effect after Reload")
	}
	if a.CanPermission("root", "*", "users.manage") {
		t.Fatal("removed admin still admin")
	}

	// Replace + rollback: neither table nor snapshot change.
	tx, err := client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Replace(ctx, tx, nil); err != nil {
		t.Fatal(err)
	}
	if !a.CanNode("bob", "sales", review, "approve") {
		t.Fatal("snapshot changed before commit and Reload")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(v2, sorted(stored(t, client))); diff != "" {
		t.Fatalf("rolled-back Replace changed the table (-want +got):\n%s", diff)
	}

	// Duplicates in the input are fine.
	replace(t, a, client, append(slices.Clone(v2), v2...))
	if got := len(stored(t, client)); got != len(v2) {
		t.Fatalf("%d rows after duplicated Replace, want %d", got, len(v2))
	}
}

func TestReplaceRejectsBadRows(t *testing.T) {
	ctx := context.Background()
	client := openClient(t)
	a, err := New(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	good := []string{"p", "role:a", "*", "orders", "read"}
	for _, bad := range [][]string{
		{},
		{"x", "a", "b", "c", "d"},
		{"p", "role:a", "*", "orders"},
		{"p", "role:a", "*", "orders", "read", "extra"},
		{"g", "user:a", "role:a"},
		{"g", "user:a", "", "sales"},
	} {
		tx, err := client.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Replace(ctx, tx, [][]string{good, bad}); err == nil {
			t.Errorf("Replace accepted %q", bad)
		}
		_ = tx.Rollback()
	}
	if err := a.Replace(ctx, nil, [][]string{good}); err == nil {
		t.Error("Replace without a transaction accepted")
	}
	if rows := stored(t, client); len(rows) != 0 {
		t.Fatalf("bad Replace wrote %v", rows)
	}
}

// A row the model cannot load makes Reload fail and keeps the previous snapshot.
func TestReloadFailureKeepsSnapshot(t *testing.T) {
	ctx := context.Background()
	client := openClient(t)
	a, err := New(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	replace(t, a, client, Derive(nil, nil, nil, []string{"root"}))
	client.CasbinRule.Create().SetPtype("p").SetV0("only-one-field").ExecX(ctx)
	err = a.Reload(ctx)
	if err == nil || !strings.Contains(err.Error(), "load policy") {
		t.Fatalf("Reload err = %v, want a load error", err)
	}
	if !a.CanPermission("root", "*", "users.manage") {
		t.Fatal("failed Reload dropped the previous snapshot")
	}
	if _, err := New(ctx, client); err == nil {
		t.Fatal("New accepted an unloadable table")
	}
	client.CasbinRule.Delete().Where(casbinrule.V0EQ("only-one-field")).ExecX(ctx)
	if err := a.Reload(ctx); err != nil {
		t.Fatal(err)
	}
}
