// Package authz decides who may do what in which department, with Casbin (RBAC with
// domains: a domain is a department key, "*" means every department). Policy lives in the
// ent CasbinRule table, is derived from roles, flow definitions and memberships by Derive,
// written with Replace inside the caller's transaction, and loaded with Reload; checks
// are answered in constant time by an index of the loaded lines proven equal to
// Casbin's Enforce (index.go).
//
// Request vocabulary (see the helpers in derive.go):
//
//	sub  Subject(username)            "user:alice"
//	dom  the department the action is in: the order's department; for a review node fixed
//	     to a department, that department (NodeDomain). "*" asks about no particular
//	     department, which only global roles and admins satisfy.
//	obj  "orders", "definitions", "users", "audit" (Permission) or NodeObject(flow, node)
//	act  "create", "read", "read_all", "manage", … or a node action: approve, reject, comment
package authz

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"

	"sluice/backend/ent"
	"sluice/backend/store"
)

// ModelText is Sluice's Casbin model. Matchers stay with equality and g() (regex and
// keyMatch matchers cost seconds per Enforce on a few thousand lines). A subject holds a
// role either in the request's department or globally ("*"); a policy line's dom is the
// department it is limited to, or "*". Anything not allowed is denied.
const ModelText = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = (g(r.sub, p.sub, r.dom) || g(r.sub, p.sub, "*")) && (p.dom == "*" || r.dom == p.dom) && (p.obj == "*" || r.obj == p.obj) && (p.act == "*" || r.act == p.act)
`

// Authz answers permission questions from an in-memory snapshot of the policy table.
//
// Each Reload builds a complete new snapshot off to the side — Casbin's enforcer over the
// table's lines and the index compiled from the same lines (index.go), which answers Can
// in constant time — and swaps it in atomically, so Can never sees a half-loaded policy
// and never shares Casbin's maps with a writer (Casbin has crashed with "concurrent map
// read and map write" when policy changed during Enforce). Reloads are serialised; Can
// does not wait for them.
//
// Scale-out: with several instances on one PostgreSQL, a policy change committed by one
// instance reaches the others via LISTEN/NOTIFY: Replace notifies store.ChannelPolicy in
// its transaction and the live hub (backend/live) of every instance calls Reload when it
// hears it. A notification can arrive late, so the table also carries a version that
// every change replaces: Current reads it (one indexed row) and reloads when the
// snapshot is older, and the service calls it at the start of every request (Fresh)
// and inside every write transaction, so no instance decides on a policy older than
// the one committed when the request or the transaction began.
type Authz struct {
	client *ent.Client
	mu     sync.Mutex // serialises Reload
	cur    atomic.Pointer[snapshot]
	// stale: the last Reload failed, so the snapshot may be older than the policy table
	// (see Fresh).
	stale atomic.Bool
}

// snapshot is one loaded policy.
type snapshot struct {
	casbin  *casbin.Enforcer
	index   *index // nil: the policy chains roles; Casbin's Enforce decides
	version string // the table's version when it was read ("" before the first change)
}

// New loads the policy from client's CasbinRule table. Give it a reading client (the
// store's Read): Current reloads through it from inside a write transaction.
func New(ctx context.Context, client *ent.Client) (*Authz, error) {
	if client == nil {
		return nil, errors.New("authz: nil ent client")
	}
	a := &Authz{client: client}
	if err := a.Reload(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// Reload rereads the policy table and swaps the new snapshot in. Call it after the
// transaction that ran Replace has committed (and when another instance reports a
// change). On error the previous snapshot stays in force, marked stale.
func (a *Authz) Reload(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reload(ctx)
}

func (a *Authz) reload(ctx context.Context) error {
	lines, version, err := NewAdapter(a.client).load(ctx)
	if err == nil {
		var s *snapshot
		if s, err = compile(lines, version); err == nil {
			a.cur.Store(s)
			a.stale.Store(false)
			return nil
		}
	}
	a.stale.Store(true)
	return err
}

// compile loads lines into Casbin's model and indexes the same lines.
func compile(lines []line, version string) (*snapshot, error) {
	m, err := model.NewModelFromString(ModelText)
	if err != nil {
		return nil, fmt.Errorf("authz: model: %w", err)
	}
	var p, g [][]string
	for _, l := range lines {
		vals := l.values()
		want := map[string]int{"p": 4, "g": 3}[vals[0]]
		if want == 0 || len(vals)-1 != want || slices.Contains(vals[1:], "") {
			return nil, fmt.Errorf("authz: load policy: stored line %q does not fit the model", vals)
		}
		if err := persist.LoadPolicyArray(vals, m); err != nil {
			return nil, fmt.Errorf("authz: load policy line %v: %w", vals, err)
		}
		if vals[0] == "p" {
			p = append(p, vals[1:])
		} else {
			g = append(g, vals[1:])
		}
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("authz: load policy: %w", err)
	}
	e.EnableAutoSave(false)
	if err := e.BuildRoleLinks(); err != nil {
		return nil, fmt.Errorf("authz: load policy: roles: %w", err)
	}
	return &snapshot{casbin: e, index: compileIndex(p, g), version: version}, nil
}

// Current makes sure the snapshot is the policy the database holds as rules sees it
// (pass a transaction's tx.CasbinRule to check inside it, before it changes policy
// itself): it reads the table's version and reloads when the snapshot's differs or the
// last Reload failed. An error is a fault for the request to answer (500), never a
// reason to decide on the old snapshot.
func (a *Authz) Current(ctx context.Context, rules *ent.CasbinRuleClient) error {
	v, err := readVersion(ctx, rules)
	if err != nil {
		return err
	}
	if a.holds(v) {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.holds(v) { // another request reloaded meanwhile
		return nil
	}
	return a.reload(ctx)
}

func (a *Authz) holds(version string) bool {
	s := a.cur.Load()
	return s != nil && s.version == version && !a.stale.Load()
}

// Fresh is Current through Authz's own client: the service runs it as each request is
// authenticated. A snapshot whose Reload failed after a committed change, or one older
// than the table (a change by another instance whose notification has not arrived),
// is reloaded first; if that fails the request answers 500.
func (a *Authz) Fresh(ctx context.Context) error {
	return a.Current(ctx, a.client.CasbinRule)
}

// Version is the snapshot's policy version.
func (a *Authz) Version() string {
	if s := a.cur.Load(); s != nil {
		return s.version
	}
	return ""
}

// Can reports whether the user subject sub (Subject(username)) may do act on obj in
// department dom. It is false for any other kind of subject (a role would pass its own
// policies) and for empty arguments. The index answers; a policy it does not cover
// goes to Casbin's Enforce.
//
// An evaluation error is not a "no": with this model and equality matchers Enforce fails
// only when the model or the snapshot is broken, a fault, so Can panics; the transaction
// rolls back and the request answers 500 with its id (the API's recover), instead of
// telling the user they lack a permission.
func (a *Authz) Can(sub, dom, obj, act string) bool {
	if len(sub) <= len(userPrefix) || !strings.HasPrefix(sub, userPrefix) || dom == "" || obj == "" || act == "" {
		return false
	}
	s := a.snapshot()
	if s.index != nil {
		return s.index.allows(sub, dom, obj, act)
	}
	return s.enforce(sub, dom, obj, act)
}

// Enforce asks Casbin's Enforce over the whole snapshot, without the index: the
// reference the index is tested against and the benchmark's plain figure.
func (a *Authz) Enforce(sub, dom, obj, act string) (bool, error) {
	return a.snapshot().casbin.Enforce(sub, dom, obj, act)
}

func (a *Authz) snapshot() *snapshot {
	s := a.cur.Load()
	if s == nil {
		panic(errors.New("authz: no policy loaded"))
	}
	return s
}

func (s *snapshot) enforce(sub, dom, obj, act string) bool {
	ok, err := s.casbin.Enforce(sub, dom, obj, act)
	if err != nil {
		panic(fmt.Errorf("authz: enforce %s %s %s.%s: %w", sub, dom, obj, act, err))
	}
	return ok
}

// CanAnywhere reports whether sub may do act on obj globally or in any department it
// holds a role in. The departments come from the same policy snapshot as Can (the
// membership lines), so the answer needs no database and cannot fail on one.
func (a *Authz) CanAnywhere(sub, obj, act string) bool {
	if a.Can(sub, Global, obj, act) {
		return true
	}
	s := a.snapshot()
	var domains []string
	if s.index != nil {
		domains = s.index.domains[sub]
	} else {
		var err error
		if domains, err = s.casbin.GetDomainsForUser(sub); err != nil {
			panic(fmt.Errorf("authz: departments of %s: %w", sub, err))
		}
	}
	for _, d := range domains {
		if d != Global && a.Can(sub, d, obj, act) {
			return true
		}
	}
	return false
}

// CanPermission reports whether user holds permission (e.g. "orders.create") in dept.
// Pass dept "*" for a check tied to no department (e.g. "users.manage" on the admin
// screens); only global roles and admins pass those.
func (a *Authz) CanPermission(username, dept, permission string) bool {
	obj, act, ok := Permission(permission)
	return ok && username != "" && a.Can(Subject(username), dept, obj, act)
}

// CanNode reports whether user may take action (approve, reject, comment) on a review
// node of an order in orderDept. n.Department is the node's fixed department, or "" when
// the node belongs to the order's department.
func (a *Authz) CanNode(username, orderDept string, n NodeRef, action string) bool {
	return username != "" && n.Flow != "" && n.Node != "" &&
		a.Can(Subject(username), NodeDomain(orderDept, n.Department), NodeObject(n.Flow, n.Node), action)
}

// Replace rewrites the CasbinRule table to hold exactly rows (in the Derive format), inside
// the caller's transaction: lines no longer wanted are deleted, new ones inserted,
// unchanged ones kept. The live snapshot is untouched until Reload, which the caller runs
// after tx commits.
func (a *Authz) Replace(ctx context.Context, tx *ent.Tx, rows [][]string) error {
	if tx == nil {
		return errors.New("authz: Replace needs a transaction")
	}
	lines, err := rowsToLines(rows)
	if err != nil {
		return err
	}
	if err := NewTxAdapter(tx).sync(ctx, lines); err != nil {
		return err
	}
	// Once tx commits, every instance hears of it (PostgreSQL NOTIFY on
	// store.ChannelPolicy; in-process through Store.OnCommit) and calls Reload.
	return store.Notify(ctx, tx, store.ChannelPolicy, "")
}
