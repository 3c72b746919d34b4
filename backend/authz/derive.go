package authz

import (
	"slices"
	"strings"
)

// Vocabulary shared by Derive and the request helpers.
const (
	// Global is the domain meaning every department.
	Global = "*"
	// AdminRole is reserved: only the admins argument of Derive confers it, and it may do
	// anything anywhere. Memberships and role grants that name it are ignored.
	AdminRole = "admin"

	ScopeDepartment = "department"
	ScopeGlobal     = "global"
)

// Permissions are every permission a role may grant (the role schema's enum, which a
// test keeps equal), in the order the schema lists them.
var Permissions = []string{
	"orders.create", "orders.read", "orders.read_all", "definitions.manage", "users.manage",
	"audit.read", "exceptions.resolve", "customers.manage", "stock.manage",
}

// RoleGrant lists a role's permissions ("orders.create", "orders.read", "orders.read_all",
// "definitions.manage", "users.manage", "audit.read"). Scope "global" makes the role hold
// in every department; anything else ("department") only where the member holds it.
type RoleGrant struct {
	Role        string
	Scope       string
	Permissions []string
}

// NodeGrant lets a role act on a review node of a flow. Department "" (or "*") means the
// order's department: the role must be held there. A fixed department means holders in
// that department act on the node whatever the order's department.
type NodeGrant struct {
	Flow, Node, Role string
	Department       string
	Actions          []string // approve, reject, comment, …
}

// Member says a user holds a role in a department.
type Member struct{ Username, Department, Role string }

// NodeRef names a review node for CanNode; Department as in NodeGrant.
type NodeRef struct{ Flow, Node, Department string }

const userPrefix = "user:"

// Subject is the Casbin subject of a user.
func Subject(username string) string { return userPrefix + username }

// RoleSubject is the Casbin subject of a role.
func RoleSubject(key string) string { return "role:" + key }

// NodeObject is the Casbin object of a review node: "flow:<flow>:<node>". ':' and '%' in
// the keys are percent-escaped so that distinct (flow, node) pairs never collide.
func NodeObject(flow, node string) string { return "flow:" + escape(flow) + ":" + escape(node) }

var escaper = strings.NewReplacer("%", "%25", ":", "%3A")

func escape(s string) string { return escaper.Replace(s) }

// NodeDomain is the request domain for a node: its fixed department if it has one,
// otherwise the order's department.
func NodeDomain(orderDept, nodeDept string) string {
	if nodeDept != "" && nodeDept != Global {
		return nodeDept
	}
	return orderDept
}

// Permission splits "orders.read_all" into object "orders" and action "read_all". It
// refuses empty parts and the wildcard "*", which only the admin role carries.
func Permission(p string) (obj, act string, ok bool) {
	i := strings.LastIndexByte(p, '.')
	if i <= 0 || i == len(p)-1 {
		return "", "", false
	}
	obj, act = p[:i], p[i+1:]
	if obj == Global || act == Global {
		return "", "", false
	}
	return obj, act, true
}

// Derive computes the full policy from what the rest of Sluice knows. Rows are
// {"p", sub, dom, obj, act} and {"g", user, role, dom}, sorted and without duplicates:
//
//   - a role's permissions: p role:<r> * <obj> <act>; its members: g user:<u> role:<r> <dept>
//     for a department-scoped role (so the role holds only in that department), or
//     g user:<u> role:<r> * for a global one;
//   - a node grant: p role:<r> <fixed dept or *> flow:<flow>:<node> <action>;
//   - admins: g user:<a> role:admin * and p role:admin * * *.
//
// Invalid entries (empty names, malformed permissions, a department-scoped membership
// without a department, the reserved admin role) are skipped, never widened.
func Derive(roles []RoleGrant, nodes []NodeGrant, members []Member, admins []string) [][]string {
	var rows [][]string
	global := map[string]bool{}
	for _, r := range roles {
		if r.Role == "" || r.Role == AdminRole {
			continue
		}
		if r.Scope == ScopeGlobal {
			global[r.Role] = true
		}
		for _, perm := range r.Permissions {
			obj, act, ok := Permission(perm)
			if !ok {
				continue
			}
			rows = append(rows, []string{"p", RoleSubject(r.Role), Global, obj, act})
		}
	}
	for _, n := range nodes {
		if n.Flow == "" || n.Node == "" || n.Role == "" {
			continue
		}
		dom := n.Department
		if dom == "" {
			dom = Global
		}
		for _, act := range n.Actions {
			if act == "" || act == Global {
				continue
			}
			rows = append(rows, []string{"p", RoleSubject(n.Role), dom, NodeObject(n.Flow, n.Node), act})
		}
	}
	for _, m := range members {
		if m.Username == "" || m.Role == "" || m.Role == AdminRole {
			continue
		}
		dom := m.Department
		if global[m.Role] {
			dom = Global
		} else if dom == "" || dom == Global {
			continue // a department role needs a real department
		}
		rows = append(rows, []string{"g", Subject(m.Username), RoleSubject(m.Role), dom})
	}
	if len(admins) > 0 {
		rows = append(rows, []string{"p", RoleSubject(AdminRole), Global, Global, Global})
	}
	for _, u := range admins {
		if u != "" {
			rows = append(rows, []string{"g", Subject(u), RoleSubject(AdminRole), Global})
		}
	}
	slices.SortFunc(rows, slices.Compare)
	return slices.CompactFunc(rows, slices.Equal)
}
