package engine

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/expr-lang/expr"

	"sluice/backend/i18n"
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
	// LastApprovers approved the review node passed most recently (for auto-pass).
	LastApprovers []string
	// Joins are the joins waiting for branches, by node id.
	Joins map[string]JoinState
}

// JoinState counts the branches a join waits for.
type JoinState struct {
	Expected, Arrived int
	// New: a fork (re)started it in this transition; a waiting one of the same node is
	// superseded.
	New bool
}

// Env is how the engine asks the outside world. Implementations may use the database
// (inside the caller's transaction); simulation passes a dry-run one.
type Env interface {
	// Resolve lists the usernames who hold role in department, or the given users.
	Resolve(a Approvers, department string, o Order) ([]string, error)
	// Run runs the plugin of an automatic node and returns its outcome, the detail for
	// the audit trail and the effects the caller applies with the result (opaque to the
	// engine, kept on the visit; dropped when the node does not pass). A *Failure error
	// stops the order at the node for a person (an exception); any other error aborts
	// the transition.
	Run(n *NodeDoc, o Order) (outcome string, detail map[string]any, effects any, err error)
	// Eligible says whether username is an active user (a transfer or delegation target).
	Eligible(username string) (bool, error)
}

// Failure is the error Env.Run returns when the order cannot go on without a person.
// The engine does not fail the transition: it raises an exception of that reason at the
// node, so nothing is lost and someone owns the problem.
type Failure struct {
	Reason  string
	Message string // in English: traces, logs, audit
	Detail  map[string]any
	// Text is the message as data (i18n.M, or a list of them), rendered in each
	// reader's language when the exception is read; nil when there is none.
	Text any
}

func (f *Failure) Error() string { return f.Reason + ": " + f.Message }

// Exception reasons the engine raises itself.
const (
	ReasonNoApprover = "no_approver" // a review node nobody can decide
	ReasonError      = "error"       // an automatic node that went wrong in an untyped way
)

// Task kinds.
const (
	KindReview   = "review"   // a vote of the node's mode
	KindBefore   = "before"   // a signer added before the parent task: decides first, then the parent reopens
	KindDelegate = "delegate" // decides for the parent, whose owner then confirms
)

// TaskRef is an open or waiting task of the node.
type TaskRef struct {
	ID        int
	Assignees []string
	Kind      string // review (default) | before | delegate
	Parent    int    // the task a before/delegate task answers to
	Waiting   bool   // suspended until its before-signer or delegate decides
}

// NodeState is the live state of one active review node instance.
type NodeState struct {
	NodeID     string
	Mode       string
	Need       int // approvals that pass the node
	Pool       int // voters in all
	Approvals  int
	Rejections int
	Queue      []string // sequential: who comes next, in order
	After      []string // signers added after: they open when the node would pass
	ReturnTo   string   // re-entered by a direct return: pass goes straight back there
	Tasks      []TaskRef
}

// Actions.
const (
	ActApprove   = "approve"
	ActReject    = "reject"
	ActComment   = "comment"
	ActReturn    = "return"
	ActTransfer  = "transfer"
	ActDelegate  = "delegate"
	ActAddSigner = "add_signer"
)

// TaskActions are the actions the engine decides on a task.
var TaskActions = []string{ActApprove, ActReject, ActComment, ActReturn, ActTransfer, ActDelegate, ActAddSigner}

// Action is a reviewer's decision on a task.
type Action struct {
	Kind    string
	TaskID  int
	Actor   string
	Reason  string
	Comment string
	// Node is where a return goes (an earlier review node); empty = the previous one.
	Node string
	// User is the other person of a transfer, delegation or added signer.
	User string
	// Position of an added signer: before or after (default).
	Position  string
	Checklist []bool
	// Visited lists the review nodes this order has passed, oldest first (for return).
	Visited []string
	// Approved lists who approved this node before this action (for auto-pass later).
	Approved []string
	// Then, on a return, lists the nodes the order goes straight to after the target
	// passes, in order (the nodes whose approvals an edit voided, then this one).
	Then []string
	// Auto marks an automatic decision (a reminder timer's approve, reject or return):
	// Actor names the system (SystemActor), not an assignee. The engine applies the
	// node's rules as for a reviewer, except that the system needs no assignment, is
	// never the submitter, and its approval never makes anyone auto-pass later.
	Auto bool
}

// SystemActor is the actor of automatic decisions (Action.Auto).
const SystemActor = "system"

// AutoActions are the decisions an automatic action may take.
var AutoActions = []string{ActApprove, ActReject, ActReturn}

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
	// Joins are the joins this transition started or advanced.
	Joins map[string]*JoinState
	// CancelRest: every other open node of the order closes (a return or a rejection
	// that re-enters the flow sends the whole order back, parallel branches included).
	CancelRest bool
	// last are the approvers of the review node passed most recently (for auto-pass).
	last []string
}

// NodeChange is the acted node's new state and what happens to its tasks.
type NodeChange struct {
	Status                      string // active | approved | rejected | returned
	Need, Pool                  int
	Approvals, Rejections       int
	Queue, After                []string
	Done                        []int            // tasks decided by this action
	Cancel                      []int            // tasks that end unanswered
	Suspend                     []int            // tasks that wait for another
	Reopen                      []int            // waiting tasks that open again
	Reassign                    map[int][]string // transfers
	New                         []NewTask
	Recommendation, RecommendBy string // a delegate's decision, for the delegator
}

// NewTask is a task to open.
type NewTask struct {
	Assignees []string
	Kind      string
	Parent    int
	// Granted tasks were given by someone's action (transfer, delegation, added signer):
	// that action is their authority, not a role.
	Granted bool
}

// Visit is one node reached by a transition.
type Visit struct {
	NodeID  string
	Type    string
	Status  string // done (passed) | active (waiting for reviewers) | exception | approved (auto-passed)
	Outcome string
	Detail  map[string]any
	// Effects are what the plugin of a passed task node asked for (Env.Run).
	Effects      any
	Mode         string
	Department   string
	Need, Pool   int
	Queue        []string
	ReturnTo     string
	Tasks        []NewTask
	CC           []string
	AutoApproved []string
	// Hold says what a wait or subflow visit with status waiting waits for.
	Hold *Hold
	// Reason and Message describe an exception visit (Status "exception").
	Reason, Message string
}

// Trace is one line of the rule trace.
type Trace struct {
	Node string `json:"node"`
	// Text is the line in English (logs, and readers of lines stored before Msg).
	Text string `json:"text"`
	// Msg is the line as data (i18n.M): a reader gets it in their own language.
	Msg map[string]any `json:"msg,omitempty"`
}

// traceLine is a trace line from its catalogue key ("trace.…") and parameters.
func traceLine(node, key string, p i18n.Params) Trace {
	msg := i18n.M(key, p)
	return Trace{Node: node, Text: english(msg), Msg: msg}
}

// Rendered is the line in lang when it carries its message, else its stored text.
func (t Trace) Rendered(lang string) string {
	if s, ok := i18n.Text(lang, t.Msg); ok {
		return s
	}
	return t.Text
}

// Localized is lines with Text in lang and Msg dropped, for an answer read by one
// person (the text is all they need).
func Localized(lang string, lines []Trace) []Trace {
	out := make([]Trace, len(lines))
	for i, t := range lines {
		out[i] = Trace{Node: t.Node, Text: t.Rendered(lang)}
	}
	return out
}

// ExceptionLine is the trace line of an exception raised at node: its reason and its
// message (text, as data, when there is one; else the English message).
func ExceptionLine(node, reason, message string, text any) Trace {
	var why any = message
	if _, ok := i18n.Text("en", text); ok {
		why = text
	}
	var r any = reason
	if k := "exception.reason." + reason; i18n.Has(k) {
		r = i18n.M(k, nil)
	}
	return traceLine(node, "trace.exception", i18n.Params{"Reason": r, "Message": why})
}

// list is names for a trace line: data, joined the same way in every language.
func list(s []string) string { return strings.Join(s, ", ") }

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

func invalidf(ptr, format string, a ...any) error {
	return &Error{Kind: Invalid, Pointer: ptr, Message: fmt.Sprintf(format, a...)}
}

// Start runs a new order from the start node until it waits for reviewers or ends.
// o.LastApprovers is ignored; a new order has none.
func Start(f *Flow, o Order, env Env) (*Result, error) {
	r := &Result{Current: []string{}, Status: StatusInReview}
	if err := r.enter(f, f.Start, o, env, ""); err != nil {
		return nil, err
	}
	return r, nil
}

// Act applies an action to one task of an active review node.
func Act(f *Flow, st NodeState, a Action, o Order, env Env) (*Result, error) {
	n, ok := f.Nodes[st.NodeID]
	if !ok || n.Type != TypeReview {
		return nil, &Error{Kind: Conflict, Message: fmt.Sprintf("node %q is not a review node of this flow version", st.NodeID)}
	}
	i := slices.IndexFunc(st.Tasks, func(t TaskRef) bool { return t.ID == a.TaskID })
	if i < 0 {
		return nil, &Error{Kind: Conflict, Message: "the task is no longer open"}
	}
	t := st.Tasks[i]
	if a.Auto {
		if !slices.Contains(AutoActions, a.Kind) {
			return nil, invalidf("/action", "an automatic action is one of %v, not %q", AutoActions, a.Kind)
		}
		if a.Actor == "" {
			a.Actor = SystemActor
		}
	} else if !slices.Contains(t.Assignees, a.Actor) {
		return nil, &Error{Kind: Forbidden, Message: "you are not an assignee of this task"}
	}
	if t.Waiting {
		return nil, &Error{Kind: Conflict, Message: "this task waits for an added signer or a delegate to decide first"}
	}
	r := &Result{last: o.LastApprovers}
	ch := &NodeChange{Status: "active", Need: st.Need, Pool: st.Pool, Approvals: st.Approvals, Rejections: st.Rejections,
		Queue: slices.Clone(st.Queue), After: slices.Clone(st.After)}
	m := &move{f: f, n: n, st: st, t: t, a: a, o: o, env: env, r: r, ch: ch}
	if a.Kind != ActComment {
		r.Acted = ch
	}
	switch a.Kind {
	case ActComment:
		if strings.TrimSpace(a.Comment) == "" {
			return nil, invalidf("/comment", "a comment needs text")
		}
		r.Trace = append(r.Trace, traceLine(n.ID, "trace.comment", i18n.Params{"Actor": a.Actor}))
		return r, nil
	case ActTransfer, ActDelegate, ActAddSigner:
		return r, m.reassign()
	case ActReturn:
		return r, m.ret()
	case ActApprove, ActReject:
		return r, m.decide()
	}
	return nil, invalidf("/action", "action %q is not one of %v", a.Kind, TaskActions)
}

// move is one Act in progress.
type move struct {
	f   *Flow
	n   *NodeDoc
	st  NodeState
	t   TaskRef
	a   Action
	o   Order
	env Env
	r   *Result
	ch  *NodeChange
}

// other returns the ids of the node's tasks except the acted one.
func (m *move) others() []int {
	var ids []int
	for _, t := range m.st.Tasks {
		if t.ID != m.t.ID && !slices.Contains(m.ch.Done, t.ID) {
			ids = append(ids, t.ID)
		}
	}
	return ids
}

func (m *move) trace(key string, p i18n.Params) {
	m.r.Trace = append(m.r.Trace, traceLine(m.n.ID, key, p))
}

// reassign handles transfer, delegate and add_signer: who holds the work changes, no vote.
func (m *move) reassign() error {
	u := strings.TrimSpace(m.a.User)
	switch {
	case u == "":
		return invalidf("/user", "name the user to %s to", strings.ReplaceAll(m.a.Kind, "_", " "))
	case u == m.a.Actor:
		return invalidf("/user", "you cannot %s to yourself", strings.ReplaceAll(m.a.Kind, "_", " "))
	case u == m.o.Submitter && !m.n.AllowSelf:
		return invalidf("/user", "the submitter may not decide this node")
	}
	for _, t := range m.st.Tasks {
		if slices.Contains(t.Assignees, u) {
			return invalidf("/user", "%s already holds a task at this node", u)
		}
	}
	if slices.Contains(m.st.Queue, u) || slices.Contains(m.st.After, u) {
		return invalidf("/user", "%s is already among this node's signers", u)
	}
	ok, err := m.env.Eligible(u)
	if err != nil {
		return err
	}
	if !ok {
		return invalidf("/user", "no active user %q", u)
	}
	switch m.a.Kind {
	case ActTransfer:
		m.ch.Reassign = map[int][]string{m.t.ID: {u}}
		m.trace("trace.transfer", i18n.Params{"Actor": m.a.Actor, "User": u})
	case ActDelegate:
		m.ch.Suspend = []int{m.t.ID}
		m.ch.New = []NewTask{{Assignees: []string{u}, Kind: KindDelegate, Parent: m.t.ID, Granted: true}}
		m.trace("trace.delegate", i18n.Params{"Actor": m.a.Actor, "User": u})
	case ActAddSigner:
		pos := m.a.Position
		if pos == "" {
			pos = "after"
		}
		switch {
		case pos != "before" && pos != "after":
			return invalidf("/position", "before or after")
		case m.st.Mode == ModeRatio:
			// a new voter: the pool grows and a share-based pass mark with it
			m.ch.Pool++
			m.ch.Need = m.n.Ratio.Need(m.ch.Pool)
			m.ch.New = []NewTask{{Assignees: []string{u}, Kind: KindReview, Granted: true}}
			m.trace("trace.add_signer.voter", i18n.Params{"Actor": m.a.Actor, "User": u, "Need": m.ch.Need, "Pool": m.ch.Pool})
		case pos == "before":
			m.ch.Suspend = []int{m.t.ID}
			m.ch.New = []NewTask{{Assignees: []string{u}, Kind: KindBefore, Parent: m.t.ID, Granted: true}}
			m.trace("trace.add_signer.before", i18n.Params{"Actor": m.a.Actor, "User": u})
		default:
			m.ch.After = append(m.ch.After, u)
			m.trace("trace.add_signer.after", i18n.Params{"Actor": m.a.Actor, "User": u})
		}
	}
	return nil
}

// decide handles approve and reject, by the task's kind and the node's mode.
func (m *move) decide() error {
	a, n := m.a, m.n
	if a.Kind == ActApprove && len(n.Checklist) > 0 {
		if len(a.Checklist) != len(n.Checklist) {
			return invalidf("/checklist", "tick all %d checklist items to approve", len(n.Checklist))
		}
		for i, ok := range a.Checklist {
			if !ok {
				return invalidf(fmt.Sprintf("/checklist/%d", i), "this checklist item is not ticked")
			}
		}
	}
	if a.Kind == ActReject {
		if strings.TrimSpace(a.Reason) == "" {
			return invalidf("/reason", "a reason is required to reject")
		}
		if len(n.Reasons) > 0 && !slices.Contains(n.Reasons, a.Reason) {
			return invalidf("/reason", "reason %q is not one of this node's reasons %v", a.Reason, n.Reasons)
		}
	}
	if !a.Auto && a.Actor == m.o.Submitter && !n.AllowSelf {
		return &Error{Kind: Forbidden, Message: "the submitter may not decide their own order at this node"}
	}
	m.ch.Done = []int{m.t.ID}
	switch m.t.Kind {
	case KindDelegate:
		// the delegate recommends; the delegator confirms with their own vote
		m.ch.Reopen = []int{m.t.Parent}
		m.ch.Recommendation, m.ch.RecommendBy = a.Kind, a.Actor
		key := "trace.delegate.recommends_approve"
		if a.Kind == ActReject {
			key = "trace.delegate.recommends_reject"
		}
		m.trace(key, i18n.Params{"Actor": a.Actor})
		return nil
	case KindBefore:
		if a.Kind == ActApprove {
			m.ch.Reopen = []int{m.t.Parent}
			m.trace("trace.before.approved", i18n.Params{"Actor": a.Actor})
			return nil
		}
		// an added signer's rejection is the rejection of the vote they were added to
		m.ch.Done = append(m.ch.Done, m.t.Parent)
		m.trace("trace.before.rejected", i18n.Params{"Actor": a.Actor, "Reason": a.Reason})
	}
	if a.Kind == ActApprove {
		m.ch.Approvals++
		return m.afterApproval()
	}
	m.ch.Rejections++
	if m.st.Mode == ModeRatio {
		left := m.ch.Pool - m.ch.Approvals - m.ch.Rejections
		if m.ch.Approvals+left >= m.ch.Need {
			m.trace("trace.rejected.still_possible", i18n.Params{"Actor": a.Actor, "Reason": a.Reason, "Approvals": m.ch.Approvals, "Left": left, "Need": m.ch.Need})
			return nil
		}
		m.trace("trace.rejected.unreachable", i18n.Params{"Actor": a.Actor, "Reason": a.Reason, "Need": m.ch.Need})
	} else {
		m.trace("trace.rejected", i18n.Params{"Actor": a.Actor, "Reason": a.Reason})
	}
	return m.fail()
}

func (m *move) afterApproval() error {
	ch, a := m.ch, m.a
	switch m.st.Mode {
	case ModeSequential:
		if len(ch.Queue) > 0 {
			next := ch.Queue[0]
			ch.Queue = ch.Queue[1:]
			ch.New = append(ch.New, NewTask{Assignees: []string{next}, Kind: KindReview})
			m.trace("trace.approved.next", i18n.Params{"Actor": a.Actor, "Approvals": ch.Approvals, "Need": ch.Need, "Next": next})
			return nil
		}
	case ModeAll, ModeRatio:
		if ch.Approvals < ch.Need {
			m.trace("trace.approved.more", i18n.Params{"Actor": a.Actor, "Approvals": ch.Approvals, "Need": ch.Need})
			return nil
		}
	}
	if len(ch.After) > 0 {
		for _, u := range ch.After {
			ch.New = append(ch.New, NewTask{Assignees: []string{u}, Kind: KindReview, Granted: true})
		}
		ch.Need += len(ch.After)
		ch.Pool += len(ch.After)
		m.trace("trace.approved.after", i18n.Params{"Actor": a.Actor, "Users": list(ch.After)})
		ch.After = nil
		return nil
	}
	m.trace("trace.approved.passes", i18n.Params{"Actor": a.Actor, "Approvals": ch.Approvals})
	return m.pass()
}

// pass closes the node as approved and moves on (straight back after a direct return).
func (m *move) pass() error {
	m.ch.Status = "approved"
	m.ch.Cancel = m.others()
	m.r.last = append([]string{}, m.a.Approved...) // never nil: this node is now the one passed last
	if !m.a.Auto {
		m.r.last = append(m.r.last, m.a.Actor)
	}
	next, rest, _ := strings.Cut(m.st.ReturnTo, ",")
	if next == "" {
		var err error
		if next, err = forward(m.f, m.n.ID); err != nil {
			return err
		}
	} else {
		m.trace("trace.return_direct", i18n.Params{"Node": next})
	}
	m.r.Current = []string{}
	return m.r.enter(m.f, next, m.o, m.env, rest)
}

func (m *move) fail() error {
	m.ch.Status = "rejected"
	m.ch.Cancel = m.others()
	if m.n.OnReject != "" {
		m.r.Current = []string{}
		m.r.last = []string{} // a re-entry asks for new decisions: nobody auto-passes on old ones
		if m.f.SameSection(m.n.ID, m.n.OnReject) {
			// a rework inside a parallel section: the other branches keep their tasks
			// and the join its count; the rework rejoins it as this branch
			m.trace("trace.rework_in_branch", i18n.Params{"Node": m.n.OnReject})
			return m.r.enter(m.f, m.n.OnReject, m.o, m.env, "")
		}
		m.r.Status, m.r.CancelRest = StatusInReview, true
		return m.r.enter(m.f, m.n.OnReject, m.o, m.env, "")
	}
	m.r.Status, m.r.Current = StatusRejected, []string{}
	return nil
}

// ret sends the order back to an earlier review node.
func (m *move) ret() error {
	a := m.a
	target := a.Node
	// Nodes inside a parallel branch cannot be returned to: the order would reach the
	// join without its fork. Return to a node before the fork instead.
	earlier := slices.DeleteFunc(slices.Clone(a.Visited), func(id string) bool { return id == m.n.ID || m.f.Branch[id] })
	if target == "" {
		if len(earlier) == 0 {
			return invalidf("/node", "there is no earlier review node to return to")
		}
		target = earlier[len(earlier)-1]
	}
	if !slices.Contains(earlier, target) {
		return invalidf("/node", "%q is not a review node this order passed before (%v)", target, earlier)
	}
	if len(m.n.Reasons) > 0 && a.Reason != "" && !slices.Contains(m.n.Reasons, a.Reason) {
		return invalidf("/reason", "reason %q is not one of this node's reasons %v", a.Reason, m.n.Reasons)
	}
	if !a.Auto && a.Actor == m.o.Submitter && !m.n.AllowSelf {
		return &Error{Kind: Forbidden, Message: "the submitter may not decide their own order at this node"}
	}
	m.ch.Status = "returned"
	m.ch.Done = []int{m.t.ID}
	m.ch.Cancel = m.others()
	back := ""
	switch {
	case len(a.Then) > 0:
		back = strings.Join(a.Then, ",")
	case m.n.ReturnDirect && !m.f.Branch[m.n.ID]:
		back = m.n.ID
	}
	key := "trace.returned"
	if back != "" {
		key = "trace.returned.back"
	}
	m.trace(key, i18n.Params{"Actor": a.Actor, "Node": target})
	m.r.Current, m.r.CancelRest = []string{}, true
	// A return asks the target's reviewers to look again: nobody auto-passes there on
	// an approval from before the return (the service keeps no approvers across it).
	m.r.last = []string{}
	return m.r.enter(m.f, target, m.o, m.env, back)
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
// returnTo, when set, is where the first review node reached sends the order on pass.
func (r *Result) enter(f *Flow, id string, o Order, env Env, returnTo string) error {
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
			next, detail, why, err := choose(f, id, o)
			if err != nil {
				return err
			}
			r.Visits = append(r.Visits, Visit{NodeID: id, Type: n.Type, Status: "done", Outcome: next, Detail: detail})
			r.Trace = append(r.Trace, why)
			id = next
		case TypeTask:
			out, detail, effects, err := env.Run(n, o)
			if fl, ok := errors.AsType[*Failure](err); ok {
				r.raise(n, fl.Reason, fl.Message, fl.Text, fl.Detail, returnTo)
				return nil
			}
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
					// the plugin and the flow disagree: a person must decide where it goes
					text := i18n.M("exception.no_edge", i18n.Params{"Plugin": n.Plugin, "Outcome": out})
					r.raise(n, ReasonError, english(text), text, detail, returnTo)
					return nil
				}
				if next, err = forward(f, id); err != nil {
					return err
				}
			}
			if out == "" {
				out = "ok"
			}
			r.Visits = append(r.Visits, Visit{NodeID: id, Type: n.Type, Status: "done", Outcome: out, Detail: detail, Effects: effects})
			r.Trace = append(r.Trace, traceLine(id, "trace.task", i18n.Params{"Plugin": n.Plugin, "Outcome": out, "Next": next}))
			id = next
		case TypeReview:
			waits, err := r.review(f, n, o, env, returnTo)
			if err != nil || waits {
				return err
			}
			next, rest, _ := strings.Cut(returnTo, ",")
			if next == "" {
				if next, err = forward(f, id); err != nil {
					return err
				}
			}
			returnTo = rest
			id = next
		case TypeWait, TypeSubflow:
			if r.hold(n, o) {
				return nil
			}
			next, err := forward(f, id)
			if err != nil {
				return err
			}
			id = next
		case TypeParallel, TypeInclusive:
			return r.fork(f, n, o, env)
		case TypeJoin:
			js := r.join(id, o)
			if js == nil {
				return fmt.Errorf("engine: join %q reached without its fork %q", id, n.Fork)
			}
			js.Arrived++
			if js.Arrived < js.Expected {
				r.Visits = append(r.Visits, Visit{NodeID: id, Type: n.Type, Status: "waiting", Need: js.Expected, Pool: js.Arrived})
				r.Trace = append(r.Trace, traceLine(id, "trace.join.waiting", i18n.Params{"Arrived": js.Arrived, "Expected": js.Expected}))
				return nil
			}
			r.Visits = append(r.Visits, Visit{NodeID: id, Type: n.Type, Status: "done", Need: js.Expected, Pool: js.Arrived})
			r.Trace = append(r.Trace, traceLine(id, "trace.join.done", i18n.Params{"Expected": js.Expected}))
			next, err := forward(f, id)
			if err != nil {
				return err
			}
			id = next
		case TypeEnd:
			st := n.Status
			if st == "" {
				st = StatusCompleted
			}
			r.Visits = append(r.Visits, Visit{NodeID: id, Type: n.Type, Status: "done", Outcome: st})
			r.Trace = append(r.Trace, traceLine(id, "trace.end", i18n.Params{"Status": statusName(st)}))
			r.Status, r.Current = st, []string{}
			return nil
		default:
			return fmt.Errorf("engine: node %q has unknown type %q", id, n.Type)
		}
	}
}

// fork starts every branch a parallel node (or an inclusive one's holding conditions)
// names, and tells its join how many to wait for.
func (r *Result) fork(f *Flow, n *NodeDoc, o Order, env Env) error {
	var targets []string
	detail := map[string]any{}
	if n.Type == TypeParallel {
		for _, e := range f.Out[n.ID] {
			targets = append(targets, e.To)
		}
	} else {
		seen := map[string]any{}
		def := ""
		var rules []string
		for _, e := range f.Out[n.ID] {
			if e.Cond == nil {
				def = e.To
				continue
			}
			ok, err := holds(e, n.ID, o, seen)
			if err != nil {
				return err
			}
			if ok {
				targets = append(targets, e.To)
				rules = append(rules, e.When)
			}
		}
		if len(targets) == 0 && def != "" {
			targets, rules = []string{def}, []string{"default"}
		}
		detail = map[string]any{"rules": rules, "values": seen}
	}
	if len(targets) == 0 {
		return fmt.Errorf("engine: fork %q starts no branch", n.ID)
	}
	detail["branches"] = targets
	r.Visits = append(r.Visits, Visit{NodeID: n.ID, Type: n.Type, Status: "done", Detail: detail})
	r.Trace = append(r.Trace, traceLine(n.ID, "trace.fork", i18n.Params{"N": len(targets), "Branches": list(targets)}))
	for id, jn := range f.Nodes {
		if jn.Type == TypeJoin && jn.Fork == n.ID {
			if r.Joins == nil {
				r.Joins = map[string]*JoinState{}
			}
			r.Joins[id] = &JoinState{Expected: len(targets), New: true}
		}
	}
	for _, t := range targets {
		// An exception in one branch holds the order but the others still start, so
		// the join counts right once the exception is resolved.
		if r.Status != "" && r.Status != StatusInReview && r.Status != StatusException {
			break
		}
		if err := r.enter(f, t, o, env, ""); err != nil {
			return err
		}
	}
	return nil
}

// join is the state of a join as this transition sees it.
func (r *Result) join(id string, o Order) *JoinState {
	if js, ok := r.Joins[id]; ok {
		return js
	}
	js, ok := o.Joins[id]
	if !ok {
		return nil
	}
	if r.Joins == nil {
		r.Joins = map[string]*JoinState{}
	}
	js.New = false
	r.Joins[id] = &js
	return &js
}

// choose picks a switch's edge: the first whose condition holds, else the default.
// It reports the rule that decided and the order values that rule read.
func choose(f *Flow, id string, o Order) (string, map[string]any, Trace, error) {
	def := ""
	seen := map[string]any{}
	for _, e := range f.Out[id] {
		if e.Cond == nil {
			if def == "" {
				def = e.To
			}
			continue
		}
		ok, err := holds(e, id, o, seen)
		if err != nil {
			return "", nil, Trace{}, err
		}
		if ok {
			why := traceLine(id, "trace.switch.rule", i18n.Params{"Rule": e.When, "Values": showValues(seen), "Next": e.To})
			return e.To, map[string]any{"rule": e.When, "to": e.To, "values": seen}, why, nil
		}
	}
	if def == "" {
		return "", nil, Trace{}, fmt.Errorf("engine: no condition of switch %q holds and it has no default", id)
	}
	why := traceLine(id, "trace.switch.default", i18n.Params{"Values": showValues(seen), "Next": def})
	return def, map[string]any{"rule": "default", "to": def, "values": seen}, why, nil
}

// holds evaluates an edge's condition on the order and records in seen the order
// fields it reads, for the explanation.
func holds(e *Edge, node string, o Order, seen map[string]any) (bool, error) {
	for _, p := range orderPaths.FindAllString(e.When, -1) {
		seen[p] = Lookup(o.Data, strings.TrimPrefix(p, "order."))
	}
	v, err := expr.Run(e.Cond, map[string]any{"order": o.Data})
	if err != nil {
		return false, fmt.Errorf("engine: condition %q at %q: %w", e.When, node, err)
	}
	b, _ := v.(bool)
	return b, nil
}

// orderPaths finds the order fields a condition reads, for the explanation.
var orderPaths = regexp.MustCompile(`\border(?:\.[A-Za-z_][A-Za-z0-9_]*)+`)

// Lookup reads a dotted path (customer.tier) from order data; nil when absent.
func Lookup(data map[string]any, path string) any {
	var cur any = data
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

func showValues(v map[string]any) string {
	keys := slices.Sorted(maps.Keys(v))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s = %v", k, v[k])
	}
	return strings.Join(parts, ", ")
}

// review opens a review node: resolves who decides and shapes the tasks by mode. It
// reports false when the node passed at once (auto-pass) and the walk goes on.
func (r *Result) review(f *Flow, n *NodeDoc, o Order, env Env, returnTo string) (bool, error) {
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
		return false, fmt.Errorf("engine: resolve approvers of %q: %w", n.ID, err)
	}
	if n.Mode != ModeSequential { // sequential keeps the resolved order
		users = slices.Sorted(slices.Values(users))
	}
	users = dedupe(users)
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
	v := Visit{NodeID: n.ID, Type: n.Type, Mode: mode, Department: dept, ReturnTo: returnTo}
	if n.CC != nil {
		// copying nobody is fine; failing to find out whom to copy fails the transition
		cc, err := env.Resolve(*n.CC, ccDept(n.CC, o), o)
		if err != nil {
			return false, fmt.Errorf("engine: resolve the copies of %q: %w", n.ID, err)
		}
		v.CC = dedupe(slices.Sorted(slices.Values(cc)))
	}
	if len(users) == 0 {
		text := i18n.M("exception.no_approver.role", i18n.Params{"Role": a.Role, "Department": dept})
		switch {
		case excludedSelf:
			text = i18n.M("exception.no_approver.self", nil)
		case a.Field != "":
			text = i18n.M("exception.no_approver.field", i18n.Params{"Field": a.Field})
		case a.Manager > 0:
			text = i18n.M("exception.no_approver.manager", i18n.Params{"Levels": a.Manager})
		case len(a.Users) > 0:
			text = i18n.M("exception.no_approver.users", i18n.Params{"Users": strings.Join(a.Users, ", ")})
		}
		r.raise(n, ReasonNoApprover, english(text), text, nil, returnTo)
		return true, nil
	}
	v.Pool = len(users)
	switch mode {
	case ModeAny:
		v.Need, v.Pool = 1, 1
	case ModeAll, ModeSequential:
		v.Need = len(users)
	case ModeRatio:
		v.Need = n.Ratio.Need(len(users))
	}
	var auto []string
	if n.AutoPass && len(r.last) > 0 {
		for _, u := range users {
			if slices.Contains(r.last, u) {
				auto = append(auto, u)
			}
		}
	}
	approvals := len(auto)
	if mode == ModeAny && approvals > 0 {
		approvals = 1
	}
	if approvals >= v.Need {
		v.Status, v.AutoApproved = "approved", auto
		r.Visits = append(r.Visits, v)
		r.Trace = append(r.Trace, traceLine(n.ID, "trace.auto_approved", i18n.Params{"Users": list(auto)}))
		r.last = auto
		return false, nil
	}
	v.AutoApproved = auto
	open := slices.DeleteFunc(slices.Clone(users), func(u string) bool { return slices.Contains(auto, u) })
	switch mode {
	case ModeAny:
		v.Tasks = []NewTask{{Assignees: open, Kind: KindReview}}
	case ModeSequential:
		v.Tasks = []NewTask{{Assignees: []string{open[0]}, Kind: KindReview}}
		v.Queue = open[1:]
	default:
		for _, u := range open {
			v.Tasks = append(v.Tasks, NewTask{Assignees: []string{u}, Kind: KindReview})
		}
	}
	v.Status = "active"
	r.Visits = append(r.Visits, v)
	key := "trace.waiting"
	if mode == ModeRatio {
		key = "trace.waiting.ratio"
	}
	if len(auto) > 0 {
		key += "_auto"
	}
	r.Trace = append(r.Trace, traceLine(n.ID, key, i18n.Params{"Who": describe(a), "Mode": modeName(mode),
		"Need": v.Need, "Pool": v.Pool, "Department": dept, "Users": list(users), "Auto": list(auto)}))
	if r.Status != StatusException { // an exception in another branch holds the whole order
		r.Status = StatusInReview
	}
	r.Current = append(r.Current, n.ID)
	return true, nil
}

// raise stops the walk at n with an exception: the order waits there (it stays one of
// its current nodes) until a person retries, overrides or cancels.
func (r *Result) raise(n *NodeDoc, reason, message string, text any, detail map[string]any, returnTo string) {
	d := map[string]any{"reason": reason, "message": message}
	if text != nil {
		d["text"] = text
	}
	if len(detail) > 0 {
		d["detail"] = detail
	}
	r.Visits = append(r.Visits, Visit{NodeID: n.ID, Type: n.Type, Status: "exception", Reason: reason, Message: message,
		Detail: d, ReturnTo: returnTo})
	r.Trace = append(r.Trace, ExceptionLine(n.ID, reason, message, text))
	r.Status = StatusException
	if r.Current == nil {
		r.Current = []string{}
	}
	r.Current = append(r.Current, n.ID)
}

func ccDept(a *Approvers, o Order) string {
	if a.Department != "" {
		return a.Department
	}
	return o.Department
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0:0]
	for _, v := range s {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// describe is who a review node waits for, as data for a trace line.
func describe(a Approvers) map[string]any {
	switch {
	case a.Role != "":
		return i18n.M("trace.approvers.role", i18n.Params{"Role": a.Role})
	case a.Field != "":
		return i18n.M("trace.approvers.field", i18n.Params{"Field": a.Field})
	case a.Manager > 0:
		return i18n.M("trace.approvers.manager", i18n.Params{"Levels": a.Manager})
	}
	return i18n.M("trace.approvers.users", nil)
}

// statusName is an end status as data for a trace line (its code when unknown).
func statusName(st string) any {
	switch st {
	case StatusCompleted:
		return i18n.M("trace.status.completed", nil)
	case StatusApproved:
		return i18n.M("trace.status.approved", nil)
	case StatusRejected:
		return i18n.M("trace.status.rejected", nil)
	}
	return st
}

// modeName is a review mode as data for a trace line (its code when unknown).
func modeName(mode string) any {
	switch mode {
	case ModeAny:
		return i18n.M("trace.mode.any", nil)
	case ModeAll:
		return i18n.M("trace.mode.all", nil)
	case ModeSequential:
		return i18n.M("trace.mode.sequential", nil)
	case ModeRatio:
		return i18n.M("trace.mode.ratio", nil)
	}
	return mode
}

// Enter runs an order from a given node (a migration to another version places it
// there), as Start does from the start node.
func Enter(f *Flow, id string, o Order, env Env) (*Result, error) {
	if f.Nodes[id] == nil {
		return nil, fmt.Errorf("engine: flow %s v%d has no node %q", f.Key, f.Version, id)
	}
	r := &Result{Current: []string{}, Status: StatusInReview, CancelRest: true}
	if err := r.enter(f, id, o, env, ""); err != nil {
		return nil, err
	}
	return r, nil
}

// english is a message kept as data, in English: the engine's trace and the
// exception's stored message (readers get Text in their own language).
func english(text map[string]any) string {
	s, _ := i18n.Text("en", text)
	return s
}
