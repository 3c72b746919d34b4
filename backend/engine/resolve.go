package engine

import (
	"fmt"
	"strings"

	"sluice/backend/i18n"
)

// The functions here move an order out of an exception. The caller knows where the
// order stopped (the node and the direct-return chain recorded with the exception) and
// applies the result like any other; the engine only decides where the walk goes.

// Retry enters node id again: a task runs its plugin again, a review resolves its
// approvers again. It may raise the same exception again.
func Retry(f *Flow, id string, o Order, env Env, returnTo string) (*Result, error) {
	if _, err := stopNode(f, id); err != nil {
		return nil, err
	}
	r := &Result{Current: []string{}, Status: StatusInReview, last: o.LastApprovers}
	r.Trace = append(r.Trace, traceLine(id, "trace.retried", nil))
	if err := r.enter(f, id, o, env, returnTo); err != nil {
		return nil, err
	}
	return r, nil
}

// Skip leaves node id as if it had passed: a task on its ok (default) edge, a review
// along the graph or straight back where a direct return sends it.
func Skip(f *Flow, id string, o Order, env Env, returnTo string) (*Result, error) {
	n, err := stopNode(f, id)
	if err != nil {
		return nil, err
	}
	r := &Result{Current: []string{}, Status: StatusInReview, last: o.LastApprovers}
	next, rest := "", returnTo
	if n.Type == TypeReview {
		next, rest, _ = strings.Cut(returnTo, ",")
	}
	if next == "" {
		if next, err = forward(f, id); err != nil {
			return nil, err
		}
	}
	v := Visit{NodeID: id, Type: n.Type, Status: "done", Outcome: "ok", Detail: map[string]any{"overridden": true}}
	if n.Type == TypeReview {
		v.Status, v.Outcome = "approved", ""
		r.last = []string{} // an overridden review was approved by nobody: no one auto-passes on it
	}
	r.Visits = append(r.Visits, v)
	r.Trace = append(r.Trace, traceLine(id, "trace.overridden", i18n.Params{"Next": next}))
	if err := r.enter(f, next, o, env, rest); err != nil {
		return nil, err
	}
	return r, nil
}

// Assign opens review node id with user as its only approver, for a node that resolved
// nobody. The task is granted: the override is its authority, not a role.
func Assign(f *Flow, id, user string, o Order, env Env, returnTo string) (*Result, error) {
	n, err := stopNode(f, id)
	if err != nil {
		return nil, err
	}
	if n.Type != TypeReview {
		return nil, invalidf("/user", "node %q is not a review node; only a review takes an assignee", id)
	}
	user = strings.TrimSpace(user)
	ok, err := env.Eligible(user)
	if err != nil {
		return nil, err
	}
	if user == "" || !ok {
		return nil, invalidf("/user", "no active user %q", user)
	}
	if user == o.Submitter && !n.AllowSelf {
		return nil, invalidf("/user", "the submitter may not decide this node")
	}
	dept := o.Department
	if n.Approvers != nil && n.Approvers.Department != "" {
		dept = n.Approvers.Department
	}
	r := &Result{Current: []string{id}, Status: StatusInReview, last: o.LastApprovers}
	r.Visits = append(r.Visits, Visit{NodeID: id, Type: n.Type, Status: "active", Mode: ModeAny, Department: dept,
		Need: 1, Pool: 1, ReturnTo: returnTo, Tasks: []NewTask{{Assignees: []string{user}, Kind: KindReview, Granted: true}}})
	r.Trace = append(r.Trace, traceLine(id, "trace.assigned", i18n.Params{"User": user}))
	return r, nil
}

func stopNode(f *Flow, id string) (*NodeDoc, error) {
	n := f.Nodes[id]
	if n == nil {
		return nil, &Error{Kind: Conflict, Message: fmt.Sprintf("flow %s v%d has no node %q", f.Key, f.Version, id)}
	}
	if n.Type != TypeTask && n.Type != TypeReview {
		return nil, &Error{Kind: Conflict, Message: fmt.Sprintf("node %q (%s) cannot hold an exception", id, n.Type)}
	}
	return n, nil
}
