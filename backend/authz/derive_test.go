package authz

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"sluice/schemas"
)

// A small organisation: sales with a sub-department sales-south, and finance.
var (
	orgRoles = []RoleGrant{
		{Role: "clerk", Scope: ScopeDepartment, Permissions: []string{"orders.create", "orders.read"}},
		{Role: "sales_manager", Scope: ScopeDepartment, Permissions: []string{"orders.read", "orders.read_all"}},
		{Role: "auditor", Scope: ScopeGlobal, Permissions: []string{"audit.read", "orders.read_all"}},
		{Role: "sneaky", Scope: ScopeDepartment, Permissions: []string{"*.*", "orders", "orders.*", ".read", "audit."}},
	}
	orgNodes = []NodeGrant{
		{Flow: "order-review", Node: "manager_review", Role: "sales_manager", Actions: []string{"approve", "reject", "comment"}},
		{Flow: "order-review", Node: "finance_check", Role: "accountant", Department: "finance", Actions: []string{"approve", "reject"}},
	}
	orgMembers = []Member{
		{Username: "alice", Department: "sales", Role: "clerk"},
		{Username: "bob", Department: "sales-south", Role: "sales_manager"},
		{Username: "frank", Department: "sales", Role: "sales_manager"},
		{Username: "carol", Department: "finance", Role: "accountant"},
		{Username: "dave", Department: "sales", Role: "accountant"},
		{Username: "erin", Department: "", Role: "auditor"},
		{Username: "oscar", Department: "sales", Role: "admin"}, // reserved role: ignored
		{Username: "gina", Department: "", Role: "clerk"},       // department role without department: ignored
		{Username: "hank", Department: "*", Role: "clerk"},      // "*" is not a department: ignored
	}
	orgAdmins = []string{"root"}
)

func TestDeriveRows(t *testing.T) {
	got := Derive(orgRoles, orgNodes, orgMembers, orgAdmins)
	want := [][]string{
		{"g", "user:alice", "role:clerk", "sales"},
		{"g", "user:bob", "role:sales_manager", "sales-south"},
		{"g", "user:carol", "role:accountant", "finance"},
		{"g", "user:dave", "role:accountant", "sales"},
		{"g", "user:erin", "role:auditor", "*"},
		{"g", "user:frank", "role:sales_manager", "sales"},
		{"g", "user:root", "role:admin", "*"},
		{"p", "role:accountant", "finance", "flow:order-review:finance_check", "approve"},
		{"p", "role:accountant", "finance", "flow:order-review:finance_check", "reject"},
		{"p", "role:admin", "*", "*", "*"},
		{"p", "role:auditor", "*", "audit", "read"},
		{"p", "role:auditor", "*", "orders", "read_all"},
		{"p", "role:clerk", "*", "orders", "create"},
		{"p", "role:clerk", "*", "orders", "read"},
		{"p", "role:sales_manager", "*", "flow:order-review:manager_review", "approve"},
		{"p", "role:sales_manager", "*", "flow:order-review:manager_review", "comment"},
		{"p", "role:sales_manager", "*", "flow:order-review:manager_review", "reject"},
		{"p", "role:sales_manager", "*", "orders", "read"},
		{"p", "role:sales_manager", "*", "orders", "read_all"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Derive (-want +got):\n%s", diff)
	}
	// Deterministic and duplicate-free even with repeated input.
	again := Derive(append(orgRoles, orgRoles...), append(orgNodes, orgNodes...), append(orgMembers, orgMembers...), []string{"root", "root", ""})
	if diff := cmp.Diff(got, again); diff != "" {
		t.Fatalf("Derive with duplicated input (-once +twice):\n%s", diff)
	}
	if rows := Derive(nil, nil, nil, nil); len(rows) != 0 {
		t.Fatalf("empty input gave %v", rows)
	}
}

func TestNodeObjectEscapes(t *testing.T) {
	if got := NodeObject("order-review", "manager_review"); got != "flow:order-review:manager_review" {
		t.Fatalf("plain keys changed: %s", got)
	}
	a, b := NodeObject("a:b", "c"), NodeObject("a", "b:c")
	if a == b {
		t.Fatalf("NodeObject collision: %s", a)
	}
	if NodeObject("a%3Ab", "c") == a {
		t.Fatal("escaped and literal keys collide")
	}
}

func TestPermission(t *testing.T) {
	tests := []struct {
		in       string
		obj, act string
		ok       bool
	}{
		{"orders.create", "orders", "create", true},
		{"orders.read_all", "orders", "read_all", true},
		{"a.b.c", "a.b", "c", true},
		{"orders", "", "", false},
		{".read", "", "", false},
		{"orders.", "", "", false},
		{"*.read", "", "", false},
		{"orders.*", "", "", false},
		{"", "", "", false},
	}
	for _, tc := range tests {
		obj, act, ok := Permission(tc.in)
		if obj != tc.obj || act != tc.act || ok != tc.ok {
			t.Errorf("Permission(%q) = (%q, %q, %v), want (%q, %q, %v)", tc.in, obj, act, ok, tc.obj, tc.act, tc.ok)
		}
	}
}

func TestDeriveEnforce(t *testing.T) {
	client := openClient(t)
	a, err := New(context.Background(), client)
	if err != nil {
		t.Fatal(err)
	}
	replace(t, a, client, Derive(orgRoles, orgNodes, orgMembers, orgAdmins))

	review := NodeRef{Flow: "order-review", Node: "manager_review"}
	finance := NodeRef{Flow: "order-review", Node: "finance_check", Department: "finance"}
	type check func() bool
	perm := func(u, dept, p string) check { return func() bool { return a.CanPermission(u, dept, p) } }
	node := func(u, orderDept string, n NodeRef, act string) check {
		return func() bool { return a.CanNode(u, orderDept, n, act) }
	}
	raw := func(sub, dom, obj, act string) check { return func() bool { return a.Can(sub, dom, obj, act) } }

	tests := []struct {
		name string
		can  check
		want bool
	}{
		{"clerk creates orders in own dept", perm("alice", "sales", "orders.create"), true},
		{"clerk reads orders in own dept", perm("alice", "sales", "orders.read"), true},
		{"clerk not in sub-department", perm("alice", "sales-south", "orders.create"), false},
		{"clerk not in finance", perm("alice", "finance", "orders.create"), false},
		{"clerk lacks read_all", perm("alice", "sales", "orders.read_all"), false},
		{"clerk not globally", perm("alice", "*", "orders.create"), false},
		{"clerk cannot approve", node("alice", "sales", review, "approve"), false},

		{"south manager not on sales order", node("bob", "sales", review, "approve"), false},
		{"south manager on own dept order", node("bob", "sales-south", review, "approve"), true},
		{"south manager rejects own dept order", node("bob", "sales-south", review, "reject"), true},
		{"south manager comments own dept order", node("bob", "sales-south", review, "comment"), true},
		{"node action not granted", node("bob", "sales-south", review, "transfer"), false},
		{"other node of the same flow", node("bob", "sales-south", NodeRef{Flow: "order-review", Node: "finance_check"}, "approve"), false},
		{"same node, other flow", node("bob", "sales-south", NodeRef{Flow: "returns", Node: "manager_review"}, "approve"), false},
		{"sales manager on sales order", node("frank", "sales", review, "approve"), true},
		{"sales manager not on south order", node("frank", "sales-south", review, "approve"), false},
		{"manager reads all in own dept", perm("bob", "sales-south", "orders.read_all"), true},
		{"manager not in other dept", perm("bob", "sales", "orders.read_all"), false},

		{"finance approves sales order", node("carol", "sales", finance, "approve"), true},
		{"finance approves south order", node("carol", "sales-south", finance, "approve"), true},
		{"finance rejects warehouse order", node("carol", "warehouse", finance, "reject"), true},
		{"finance cannot comment (not granted)", node("carol", "sales", finance, "comment"), false},
		{"finance not on manager node", node("carol", "sales", review, "approve"), false},
		{"accountant outside finance cannot", node("dave", "sales", finance, "approve"), false},
		{"fixed node asked in order's dept is denied", raw("user:carol", "sales", NodeObject("order-review", "finance_check"), "approve"), false},

		{"global auditor in sales", perm("erin", "sales", "audit.read"), true},
		{"global auditor in finance", perm("erin", "finance", "orders.read_all"), true},
		{"global auditor everywhere", perm("erin", "*", "audit.read"), true},
		{"auditor cannot create", perm("erin", "sales", "orders.create"), false},
		{"auditor cannot approve", node("erin", "sales", review, "approve"), false},

		{"admin manages users globally", perm("root", "*", "users.manage"), true},
		{"admin creates in any dept", perm("root", "warehouse", "orders.create"), true},
		{"admin approves any node", node("root", "sales", review, "approve"), true},
		{"admin approves fixed node", node("root", "sales", finance, "approve"), true},
		{"admin anything", raw("user:root", "x", "y", "z"), true},
		{"reserved admin membership ignored", perm("oscar", "sales", "orders.read"), false},
		{"membership without department ignored", perm("gina", "sales", "orders.create"), false},
		{"star department membership ignored", perm("hank", "sales", "orders.create"), false},
		{"star department membership not global", perm("hank", "*", "orders.create"), false},

		{"unknown user nothing", perm("mallory", "sales", "orders.read"), false},
		{"unknown user cannot approve", node("mallory", "sales", review, "approve"), false},
		{"unknown user not globally", raw("user:mallory", "*", "*", "*"), false},
		{"empty user", perm("", "sales", "orders.read"), false},
		{"role subject refused", raw("role:admin", "sales", "orders", "read"), false},
		{"malformed permission", perm("root", "sales", "orders"), false},
		{"empty domain", raw("user:root", "", "orders", "read"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.can(); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNodeDomain(t *testing.T) {
	for _, tc := range []struct{ order, node, want string }{
		{"sales", "", "sales"}, {"sales", "*", "sales"}, {"sales", "finance", "finance"},
	} {
		if got := NodeDomain(tc.order, tc.node); got != tc.want {
			t.Errorf("NodeDomain(%q, %q) = %q, want %q", tc.order, tc.node, got, tc.want)
		}
	}
	if !slices.Equal(Derive(nil, nil, nil, []string{"x"})[0], []string{"g", "user:x", "role:admin", "*"}) {
		t.Fatal("admin grouping row")
	}
}

// The permissions Go knows are the ones the role schema lets a role grant.
func TestPermissionsMatchTheRoleSchema(t *testing.T) {
	raw, err := schemas.MetaSchema("role")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Properties struct {
			Permissions struct {
				Items struct {
					Enum []string `json:"enum"`
				} `json:"items"`
			} `json:"permissions"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Properties.Permissions.Items.Enum; !slices.Equal(got, Permissions) {
		t.Fatalf("role schema permissions %v, authz.Permissions %v", got, Permissions)
	}
	for _, p := range Permissions {
		if _, _, ok := Permission(p); !ok {
			t.Fatalf("%q does not split into object and action", p)
		}
	}
}
