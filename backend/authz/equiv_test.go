package authz

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"

	"sluice/backend/ent"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// seed returns the seed of a randomised test: SLUICE_SEED replays a failure.
func seed(t *testing.T) uint64 {
	t.Helper()
	s := rand.Uint64()
	if v := os.Getenv("SLUICE_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SLUICE_SEED=%q: %v", v, err)
		}
		s = n
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d (SLUICE_SEED=%d replays it)", s, s)
		}
	})
	return s
}

// org is what Derive is given: the generator's world.
type org struct {
	roles   []RoleGrant
	nodes   []NodeGrant
	members []Member
	admins  []string
}

// genSizes bound a generated organisation.
type genSizes struct{ depts, roles, flows, nodes, users, members int }

var (
	depts   = func(n int) []string { return names("d", n) }
	actions = []string{"approve", "reject", "comment", "return", "transfer", "delegate", "add_signer"}
)

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// randomOrg generates roles (department and global, with valid and malformed
// permissions), node grants (in the order's department or fixed to one), memberships
// (with some Derive must skip) and admins.
func randomOrg(r *rand.Rand, z genSizes) org {
	var o org
	for _, role := range names("r", z.roles) {
		o.roles = append(o.roles, randomRole(r, role))
	}
	for range z.nodes {
		o.nodes = append(o.nodes, randomNode(r, z))
	}
	for range z.members {
		o.members = append(o.members, randomMember(r, z))
	}
	for _, u := range names("u", z.users) {
		if r.IntN(40) == 0 {
			o.admins = append(o.admins, u)
		}
	}
	return o
}

func randomRole(r *rand.Rand, key string) RoleGrant {
	g := RoleGrant{Role: key, Scope: ScopeDepartment}
	if r.IntN(6) == 0 {
		g.Scope = ScopeGlobal
	}
	for range r.IntN(4) {
		g.Permissions = append(g.Permissions, pick(r, Permissions))
	}
	if r.IntN(20) == 0 {
		g.Permissions = append(g.Permissions, pick(r, []string{"*.*", "orders", ".read", "orders.*"}))
	}
	return g
}

func randomNode(r *rand.Rand, z genSizes) NodeGrant {
	n := NodeGrant{Flow: fmt.Sprintf("f%d", r.IntN(z.flows)), Node: fmt.Sprintf("n%d", r.IntN(6)),
		Role: fmt.Sprintf("r%d", r.IntN(z.roles)), Actions: actions[:1+r.IntN(len(actions))]}
	if r.IntN(4) == 0 {
		n.Department = pick(r, depts(z.depts))
	}
	return n
}

func randomMember(r *rand.Rand, z genSizes) Member {
	m := Member{Username: fmt.Sprintf("u%d", r.IntN(z.users)), Department: pick(r, depts(z.depts)),
		Role: fmt.Sprintf("r%d", r.IntN(z.roles))}
	switch r.IntN(30) {
	case 0:
		m.Department = ""
	case 1:
		m.Department = Global
	case 2:
		m.Role = AdminRole
	}
	return m
}

func (o org) rows() [][]string { return Derive(o.roles, o.nodes, o.members, o.admins) }

// change applies one random change and says what it was. Revocations are as likely
// as grants.
func (o org) change(r *rand.Rand, z genSizes) (org, string) {
	o = org{slices.Clone(o.roles), slices.Clone(o.nodes), slices.Clone(o.members), slices.Clone(o.admins)}
	switch k := r.IntN(9); {
	case k == 0 && len(o.members) > 0:
		i := r.IntN(len(o.members))
		m := o.members[i]
		o.members = slices.Delete(o.members, i, i+1)
		return o, fmt.Sprintf("revoke membership %v", m)
	case k == 1:
		m := randomMember(r, z)
		o.members = append(o.members, m)
		return o, fmt.Sprintf("add membership %v", m)
	case k == 2 && len(o.members) > 0:
		i := r.IntN(len(o.members))
		o.members[i].Department = pick(r, depts(z.depts))
		return o, fmt.Sprintf("move membership %v", o.members[i])
	case k == 3 && len(o.nodes) > 0:
		i := r.IntN(len(o.nodes))
		n := o.nodes[i]
		o.nodes = slices.Delete(o.nodes, i, i+1)
		return o, fmt.Sprintf("revoke node grant %v", n)
	case k == 4:
		n := randomNode(r, z)
		o.nodes = append(o.nodes, n)
		return o, fmt.Sprintf("grant node %v", n)
	case k == 5:
		i := r.IntN(len(o.roles))
		o.roles[i] = randomRole(r, o.roles[i].Role)
		return o, fmt.Sprintf("redefine role %v", o.roles[i])
	case k == 6:
		i := r.IntN(len(o.roles))
		if o.roles[i].Scope == ScopeGlobal {
			o.roles[i].Scope = ScopeDepartment
		} else {
			o.roles[i].Scope = ScopeGlobal
		}
		return o, fmt.Sprintf("rescope role %v", o.roles[i])
	case k == 7 && len(o.admins) > 0:
		i := r.IntN(len(o.admins))
		u := o.admins[i]
		o.admins = slices.Delete(o.admins, i, i+1)
		return o, "revoke admin " + u
	default:
		u := fmt.Sprintf("u%d", r.IntN(z.users))
		o.admins = append(o.admins, u)
		return o, "make admin " + u
	}
}

// reference is plain Casbin over rows, built in memory apart from the table and the
// index: what the fast path must equal.
func reference(t testing.TB, rows [][]string) *casbin.Enforcer {
	t.Helper()
	m, err := model.NewModelFromString(ModelText)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if err := persist.LoadPolicyArray(row, m); err != nil {
			t.Fatal(err)
		}
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.BuildRoleLinks(); err != nil {
		t.Fatal(err)
	}
	return e
}

type request struct{ sub, dom, obj, act string }

// asker makes requests about one policy: mostly about what its rows grant (a member
// asking in their department about a line of their role), so allows are common, and
// sometimes about anything.
type asker struct {
	z      genSizes
	g      [][]string
	grants map[string][][]string // p lines by subject
}

func newAsker(z genSizes, rows [][]string) asker {
	k := asker{z: z, grants: map[string][][]string{}}
	for _, row := range rows {
		if row[0] == "g" {
			k.g = append(k.g, row)
		} else {
			k.grants[row[1]] = append(k.grants[row[1]], row)
		}
	}
	return k
}

func (k asker) request(r *rand.Rand) request {
	z := k.z
	q := request{
		sub: Subject(fmt.Sprintf("u%d", r.IntN(z.users+2))),
		dom: pick(r, append(depts(z.depts+1), Global)),
		obj: pick(r, []string{"orders", "audit", "stock", Global, NodeObject(fmt.Sprintf("f%d", r.IntN(z.flows)), fmt.Sprintf("n%d", r.IntN(6)))}),
		act: pick(r, append(slices.Clone(actions), "read", "create", "read_all", "manage", Global)),
	}
	if len(k.g) == 0 || r.IntN(4) == 0 {
		return q
	}
	g := pick(r, k.g)
	q.sub = g[1]
	if g[3] != Global || r.IntN(2) == 0 {
		q.dom = g[3]
	}
	if ps := k.grants[g[2]]; len(ps) > 0 && r.IntN(5) > 0 {
		p := pick(r, ps)
		if p[2] != Global && r.IntN(3) > 0 {
			q.dom = p[2]
		}
		if p[3] != Global {
			q.obj = p[3]
		}
		if p[4] != Global && r.IntN(8) > 0 {
			q.act = p[4]
		}
	}
	return q
}

// anywhere is CanAnywhere as plain Casbin answers it: globally, or in a department the
// subject holds a role in.
func anywhere(t testing.TB, e *casbin.Enforcer, sub, obj, act string) bool {
	t.Helper()
	domains, err := e.GetDomainsForUser(sub)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range append([]string{Global}, domains...) {
		ok, err := e.Enforce(sub, d, obj, act)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestIndexEqualsEnforce: over generated policies and random changes between checks,
// Can and CanAnywhere answer exactly what plain Casbin Enforce answers on the same
// policy. Two Authz instances on two stores sharing one database (SQLite, and
// PostgreSQL when SLUICE_TEST_PG is set) take turns making each change; the other one
// hears no notification: it checks with Current inside a transaction, or with Fresh,
// as the service does, and must still answer as the new policy does — in particular no
// stale allow right after a revoke.
func TestIndexEqualsEnforce(t *testing.T) {
	s := seed(t)
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			url := storetest.SQLiteURL(t)
			if b.Name == "postgres" {
				url = storetest.PostgresURL(t)
			}
			one := storetest.OpenURL(t, url)
			if err := one.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			two := storetest.OpenURL(t, url)
			checkEquivalence(t, rand.New(rand.NewPCG(s, 1)), one, two)
		})
	}
}

func checkEquivalence(t *testing.T, r *rand.Rand, stores ...*store.Store) {
	ctx := context.Background()
	z := genSizes{depts: 6, roles: 12, flows: 5, nodes: 30, users: 25, members: 40}
	inst := make([]*Authz, len(stores))
	for i, st := range stores {
		a, err := New(ctx, st.Read)
		if err != nil {
			t.Fatal(err)
		}
		inst[i] = a
	}
	o := randomOrg(r, z)
	var allowed []request // allowed before this change: a revoke must reach them
	reloads := 0
	for step := range equivalenceSteps {
		what := "initial policy"
		if step > 0 {
			o, what = o.change(r, z)
		}
		rows := o.rows()
		writer := r.IntN(len(stores))
		if err := stores[writer].Tx(ctx, func(tx *ent.Tx) error { return inst[writer].Replace(ctx, tx, rows) }); err != nil {
			t.Fatal(err)
		}
		if err := inst[writer].Reload(ctx); err != nil {
			t.Fatal(err)
		}
		for i, a := range inst {
			if i == writer {
				continue
			}
			before := a.Version()
			var err error
			if r.IntN(2) == 0 {
				err = stores[i].Tx(ctx, func(tx *ent.Tx) error { return a.Current(ctx, tx.CasbinRule) })
			} else {
				err = a.Fresh(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Version() != inst[writer].Version() {
				t.Fatalf("step %d (%s): instance %d is at version %q, the writer at %q", step, what, i, a.Version(), inst[writer].Version())
			}
			if a.Version() != before {
				reloads++
			}
		}
		ref := reference(t, rows)
		ask := newAsker(z, rows)
		qs := allowed[max(0, len(allowed)-150):] // the latest allows, asked again after this change
		allowed = nil
		for range equivalenceRequests {
			qs = append(qs, ask.request(r))
		}
		for _, q := range qs {
			want, err := ref.Enforce(q.sub, q.dom, q.obj, q.act)
			if err != nil {
				t.Fatal(err)
			}
			if want {
				allowed = append(allowed, q)
			}
			wantAnywhere := anywhere(t, ref, q.sub, q.obj, q.act)
			for i, a := range inst {
				if a.cur.Load().index == nil {
					t.Fatalf("step %d: Derive's policy was not indexed", step)
				}
				if got := a.Can(q.sub, q.dom, q.obj, q.act); got != want {
					t.Fatalf("step %d (%s), instance %d: Can%v = %v, Enforce says %v", step, what, i, q, got, want)
				}
				if got := a.CanAnywhere(q.sub, q.obj, q.act); got != wantAnywhere {
					t.Fatalf("step %d (%s), instance %d: CanAnywhere(%s %s %s) = %v, Casbin says %v", step, what, i, q.sub, q.obj, q.act, got, wantAnywhere)
				}
			}
		}
		t.Logf("step %d: %s: %d lines, %d of %d requests allowed", step, what, len(rows), len(allowed), len(qs))
	}
	if reloads == 0 {
		t.Fatal("no instance ever had to catch up: the test proves nothing about changes made elsewhere")
	}
}

// TestChainedRolesGoToCasbin: a table whose roles chain (which Derive never writes)
// is not indexed; Casbin's Enforce decides, with its own depth limit.
func TestChainedRolesGoToCasbin(t *testing.T) {
	ctx := context.Background()
	client := openClient(t)
	a, err := New(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	rows := append(Derive(orgRoles, orgNodes, orgMembers, orgAdmins),
		[]string{"g", "role:clerk", "role:auditor", "sales"})
	replace(t, a, client, rows)
	if a.cur.Load().index != nil {
		t.Fatal("a chained policy was indexed")
	}
	if !a.Can(Subject("alice"), "sales", "audit", "read") {
		t.Fatal("alice's clerk role inherits auditor in sales")
	}
	if a.Can(Subject("alice"), "finance", "audit", "read") {
		t.Fatal("the inherited role held outside sales")
	}
}
