package engine

import (
	"errors"
	"fmt"
	"slices"

	"github.com/expr-lang/expr"
)

// maxSteps bounds how many automatic nodes one transition may pass, so a definition
// mistake can never spin forever inside a request.
const maxSteps = 256

// Order is what the engine reads of an order.
type Order struct {
	ID         int
	Number     string
	Department string
	Submitter  string
	Data       map[string]any
}

// Env is how the engine asks the outside world. Implementations may use the database
// (inside the caller's transaction); simulation passes a dry-run one.
type Env interface {
	// Resolve lists the usernames who hold role in department, or the given users.
	Resolve(a Approvers, department string, o Order) ([]string, error)
	// Run runs the plugin of an automatic node and returns its outcome.
	Run(n *NodeDoc, o Order) (outcome string, detail map[string]any, err error)
}

// NodeState is the live state of one active review node instance.
type NodeState struct {
	NodeID     string
	Mode       string
	Required   int
	Approvals  int
	Rejections int
	Open       []TaskRef // the node's open tasks
}

// TaskRef is an open task: who may act on it.
type TaskRef struct {
	ID        int
	Assignees []string
}

// Actions.
const (
	ActApprove = "approve"
	ActReject  = "reject"
	ActComment = "comment"
)

// Action is a reviewer's decision on a task.
type Action struct {
	Kind    string
	TaskID  int
	Actor   string
	Reason  string
	Comment string
}

// Result is everything a transition changes, for the caller to apply in one transaction.
type Result struct {
	// Acted is the new state of the node that was acted on (nil for Start and comments).
	Acted *NodeChange
	// Visits are the nodes passed or entered after the action, in order.
	Visits []Visit
	// Status is the order's new status; "" leaves it unchanged.
	Status string
	// Current lists the review nodes open after the transition (set when Status or the
	// active node changes; nil means unchanged).
	Current []string
	// Trace explains each decision in words, for the history ("why is this order here").
	Trace []Trace
}

// NodeChange updates the acted node's counters and, when it closed, its status.
type NodeChange struct {
	Approvals, Rejections int
	Status                string // active | approved | rejected
	CancelTasks           []int  // other open tasks of the node that end with it
}

// Visit is one node reached by a transition.
type Visit struct {
	NodeID     string
	Type       string
	Status     string // done (passed) | active (waiting for reviewers) | exception
	Outcome    string
	Detail     map[string]any
	Mode       string
	Department string
	Required   int
	Tasks      [][]string // review: assignees of each task to create
}

// Trace is one line of the rule trace.
type Trace struct {
	Node string `json:"node"`
	Text string `json:"text"`
}

// Error is a refused action; Kind tells the caller which HTTP answer fits.
type Error struct {
	Kind    ErrorKind
	Pointer string // JSON pointer into the action body, for invalid input
	Message string
}

// ErrorKind classifies refusals.
type ErrorKind int

const (
	Invalid   ErrorKind = iota // the action body is wrong (422)
	Forbidden                  // this actor may not do this (403)
	Conflict                   // the state changed; the action no longer applies (409)
)

func (e *Error) Error() string { return e.Message }

// AsError unwraps an *Error.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Start runs a new order from the start node until it waits for reviewers or ends.
func Start(f *Flow, o Order, env Env) (*Result, error) {
	r := &Result{Current: []string{}}
	r.Status = StatusInReview
	if err := r.enter(f, f.Start, o, env); err != nil {
		return nil, err
	}
	return r, nil
}

// Act applies a decision on one task of an active review node.
func Act(f *Flow, st NodeState, a Action, o Order, env Env) (*Result, error) {
	n, ok := f.Nodes[st.NodeID]
	if !ok || n.Type != TypeReview {
		return nil, &Error{Kind: Conflict, Message: fmt.Sprintf("node %q is not a review node of this flow version", st.NodeID)}
	}
	i := slices.IndexFunc(st.Open, func(t TaskRef) bool { return t.ID == a.TaskID })
	if i < 0 {
		return nil, &Error{Kind: Conflict, Message: "the task is no longer open"}
	}
	task := st.Open[i]
	if !slices.Contains(task.Assignees, a.Actor) {
		return nil, &Error{Kind: Forbidden, Message: "you are not an assignee of this task"}
	}
	r := &Result{}
	switch a.Kind {
	case ActComment:
		if a.Comment == "" {
			return nil, &Error{Kind: Invalid, Pointer: "/comment", Message: "a comment needs text"}
		}
		r.Trace = append(r.Trace, Trace{n.ID, "comment by " + a.Actor})
		return r, nil
	case ActApprove, ActReject:
	default:
		return nil, &Error{Kind: Invalid, Pointer: "/action", Message: fmt.Sprintf("action %q is not supported here (approve, reject, comment)", a.Kind)}
	}
	if a.Actor == o.Submitter && !n.AllowSelf {
		return nil, &Error{Kind: Forbidden, Message: "the submitter may not decide their own order at this node"}
	}
	ch := &NodeChange{Approvals: st.Approvals, Rejections: st.Rejections, Status: "active"}
	r.Acted = ch
	others := func() []int {
		var ids []int
		for _, t := range st.Open {
			if t.ID != a.TaskID {
				ids = append(ids, t.ID)
			}
		}
		return ids
	}
	if a.Kind == ActReject {
		if a.Reason == "" {
			return nil, &Error{Kind: Invalid, Pointer: "/reason", Message: "a reason is required to reject"}
		}
		if len(n.Reasons) > 0 && !slices.Contains(n.Reasons, a.Reason) {
			return nil, &Error{Kind: Invalid, Pointer: "/reason", Message: fmt.Sprintf("reason %q is not one of this node's reasons %v", a.Reason, n.Reasons)}
		}
		ch.Rejections++
		ch.Status = "rejected"
		ch.CancelTasks = others()
		r.Trace = append(r.Trace, Trace{n.ID, fmt.Sprintf("rejected by %s (%s)", a.Actor, a.Reason)})
		if n.OnReject != "" {
			r.Status = StatusInReview
			r.Current = []string{}
			return r, r.enter(f, n.OnReject, o, env)
		}
		r.Status, r.Current = StatusRejected, []string{}
		return r, nil
	}
	ch.Approvals++
	switch st.Mode {
	case ModeAll:
		if ch.Approvals < st.Required {
			r.Trace = append(r.Trace, Trace{n.ID, fmt.Sprintf("approved by %s (%d of %d)", a.Actor, ch.Approvals, st.Required)})
			return r, nil
		}
		r.Trace = append(r.Trace, Trace{n.ID, fmt.Sprintf("approved by %s: all %d approved", a.Actor, st.Required)})
	default:
		r.Trace = append(r.Trace, Trace{n.ID, "approved by " + a.Actor})
	}
	ch.Status = "approved"
	ch.CancelTasks = others()
	next, err := forward(f, n.ID)
	if err != nil {
		return nil, err
	}
	r.Current = []string{}
	return r, r.enter(f, next, o, env)
}

// forward is the unconditional way on from a node.
func forward(f *Flow, id string) (string, error) {
	for _, e := range f.Out[id] {
		if e.When == "" && e.Outcome == "" {
			return e.To, nil
		}
	}
	return "", fmt.Errorf("engine: node %q has no way forward", id)
}

// enter walks from id through automatic nodes until reviewers are needed or an end.
func (r *Result) enter(f *Flow, id string, o Order, env Env) error {
	for step := 0; ; step++ {
		if step >= maxSteps {
			return fmt.Errorf("engine: more than %d automatic steps from %q; the flow loops", maxSteps, id)
		}
		n, ok := f.Nodes[id]
		if !ok {
			return fmt.Errorf("engine: unknown node %q", id)
		}
		switch n.Type {
		case TypeStart:
			r.Visits = append(r.Visits, Visit{NodeID: id, Type: n.Type, Status: "done"})
			next, err := forward(f, id)
			if err != nil {
				return err
			}
			id = next
		case TypeSwitch:
			next, why, err := choose(f, id, o)
			if err != nil {
				return err
			}
			r.Visits = append(r.Visits, Visit{NodeID: id, Type: n.Type, Status: "done", Outcome: next})
			r.Trace = append(r.Trace, Trace{id, why})
			id = next
		case TypeTask:
			out, detail, err := env.Run(n, o)
			if err != nil {
				return fmt.Errorf("engine: plugin %s at %q: %w", n.Plugin, id, err)
			}
			next := ""
			for _, e := range f.Out[id] {
				if out != "" && out != "ok" && e.Outcome == out {
					next = e.To
					break
				}
			}
			if next == "" {
				if out != "" && out != "ok" {
					return fmt.Errorf("engine: plugin %s at %q returned outcome %q with no edge for it", n.Plugin, id, out)
				}
				if next, err = forward(f, id); err != nil {
					return err
				}
			}
			if out == "" {
				out = "ok"
			}
			r.Visits = append(r.Visits, Visit{NodeID: id, Type: n.Type, Status: "done", Outcome: out, Detail: detail})
			r.Trace = append(r.Trace, Trace{id, fmt.Sprintf("%s: %s → %s", n.Plugin, out, next)})
			id = next
		case TypeReview:
			return r.review(n, o, env)
		case TypeEnd:
			st := n.Status
			if st == "" {
				st = StatusCompleted
			}
			r.Visits = append(r.Visits, Visit{NodeID: id, Type: n.Type, Status: "done", Outcome: st})
			r.Trace = append(r.Trace, Trace{id, "order ends: " + st})
			r.Status, r.Current = st, []string{}
			return nil
		default:
			return fmt.Errorf("engine: node %q has unknown type %q", id, n.Type)
		}
	}
}

// choose picks a switch's edge: the first whose condition holds, else the default.
func choose(f *Flow, id string, o Order) (string, string, error) {
	env := map[string]any{"order": o.Data}
	def := ""
	for _, e := range f.Out[id] {
		if e.Cond == nil {
			if def == "" {
				def = e.To
			}
			continue
		}
		v, err := expr.Run(e.Cond, env)
		if err != nil {
			return "", "", fmt.Errorf("engine: condition %q at %q: %w", e.When, id, err)
		}
		if b, _ := v.(bool); b {
			return e.To, fmt.Sprintf("%s is true → %s", e.When, e.To), nil
		}
	}
	if def == "" {
		return "", "", fmt.Errorf("engine: no condition of switch %q holds and it has no default", id)
	}
	return def, fmt.Sprintf("no condition holds → default %s", def), nil
}

// review opens a review node: resolves who decides and shapes the tasks by mode.
func (r *Result) review(n *NodeDoc, o Order, env Env) error {
	dept := o.Department
	if n.Approvers != nil && n.Approvers.Department != "" {
		dept = n.Approvers.Department
	}
	var a Approvers
	if n.Approvers != nil {
		a = *n.Approvers
	}
	users, err := env.Resolve(a, dept, o)
	if err != nil {
		return fmt.Errorf("engine: resolve approvers of %q: %w", n.ID, err)
	}
	users = slices.Compact(slices.Sorted(slices.Values(users)))
	excludedSelf := false
	if !n.AllowSelf {
		if i := slices.Index(users, o.Submitter); i >= 0 {
			users = slices.Delete(users, i, i+1)
			excludedSelf = true
		}
	}
	mode := n.Mode
	if mode == "" {
		mode = ModeAny
	}
	v := Visit{NodeID: n.ID, Type: n.Type, Mode: mode, Department: dept}
	if len(users) == 0 {
		why := fmt.Sprintf("nobody holds role %q in department %q", a.Role, dept)
		if excludedSelf {
			why = "only the submitter could decide, and this node forbids self-approval"
		}
		v.Status = "exception"
		v.Detail = map[string]any{"reason": why}
		r.Visits = append(r.Visits, v)
		r.Trace = append(r.Trace, Trace{n.ID, "no approvers: " + why})
		r.Status, r.Current = StatusException, []string{}
		return nil
	}
	v.Status = "active"
	if mode == ModeAll {
		for _, u := range users {
			v.Tasks = append(v.Tasks, []string{u})
		}
		v.Required = len(users)
	} else {
		v.Tasks = [][]string{users}
		v.Required = 1
	}
	r.Visits = append(r.Visits, v)
	r.Trace = append(r.Trace, Trace{n.ID, fmt.Sprintf("waiting for %s (%s) in %s: %v", roleOrUsers(a), mode, dept, users)})
	r.Status = StatusInReview
	r.Current = append(r.Current, n.ID)
	return nil
}

func roleOrUsers(a Approvers) string {
	if a.Role != "" {
		return "role " + a.Role
	}
	return "named users"
}
