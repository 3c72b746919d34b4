// Package authz decides who may do what in which department, with Casbin (RBAC with
// domains: a domain is a department key, "*" means every department). Policy lives in the
// ent CasbinRule table, is derived from roles, flow definitions and memberships by Derive,
// written with Replace inside the caller's transaction, and loaded with Reload.
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
	"strings"
	"sync"
	"sync/atomic"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

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
// Each Reload builds a complete new enforcer off to the side and swaps it in atomically, so
// Can never sees a half-loaded policy and never shares Casbin's maps with a writer (Casbin
// has crashed with "concurrent map read and map write" when policy changed during Enforce).
// Reloads are serialised; Can does not wait for them.
//
// Scale-out: with several instances on one PostgreSQL, a policy change committed by one
// instance reaches the others via LISTEN/NOTIFY: Replace notifies store.ChannelPolicy in
// its transaction and the live hub (backend/live) of every instance calls Reload when it
// hears it. Until then other instances keep their snapshot.
type Authz struct {
	client *ent.Client
	mu     sync.Mutex // serialises Reload
	cur    atomic.Pointer[casbin.Enforcer]
	// stale: the last Reload failed, so the snapshot may be older than the policy table
	// (see Fresh).
	stale atomic.Bool
}

// New loads the policy from client's CasbinRule table.
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
// change). On error the previous snapshot stays in force.
func (a *Authz) Reload(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	m, err := model.NewModelFromString(ModelText)
	if err != nil {
		return fmt.Errorf("authz: model: %w", err)
	}
	// The enforcer keeps the adapter only for auto-save, which Authz never triggers.
	e, err := casbin.NewEnforcer(m, NewAdapter(a.client).withContext(ctx))
	if err != nil {
		a.stale.Store(true)
		return fmt.Errorf("authz: load policy: %w", err)
	}
	e.EnableAutoSave(false)
	a.cur.Store(e)
	a.stale.Store(false)
	return nil
}

// Fresh reloads the snapshot if the last Reload failed. A policy change has committed
// by then, so the old snapshot must not answer: the error is a fault for the request
// to answer (500), never a decision from an outdated policy.
func (a *Authz) Fresh(ctx context.Context) error {
	if !a.stale.Load() {
		return nil
	}
	return a.Reload(ctx)
}

// Can reports whether the user subject sub (Subject(username)) may do act on obj in
// department dom. It is false for any other kind of subject (a role would pass its own
// policies) and for empty arguments.
//
// An evaluation error is not a "no": with this model and equality matchers Enforce fails
// only when the model or the snapshot is broken, a fault, so Can panics; the transaction
// rolls back and the request answers 500 with its id (the API's recover), instead of
// telling the user they lack a permission.
func (a *Authz) Can(sub, dom, obj, act string) bool {
	if len(sub) <= len(userPrefix) || !strings.HasPrefix(sub, userPrefix) || dom == "" || obj == "" || act == "" {
		return false
	}
	e := a.cur.Load()
	if e == nil {
		panic(errors.New("authz: no policy loaded"))
	}
	ok, err := e.Enforce(sub, dom, obj, act)
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
	e := a.cur.Load()
	domains, err := e.GetDomainsForUser(sub)
	if err != nil {
		panic(fmt.Errorf("authz: departments of %s: %w", sub, err))
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
