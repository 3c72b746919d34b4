// Package engine is Sluice's flow interpreter. It is pure: given a compiled flow, the
// state of an order's active node and an action, it decides what changes, and says so as
// a Result the caller applies in one transaction. It knows nothing of HTTP or SQL; the
// few things it must ask the outside world (who holds a role, what a plugin says) go
// through the Env interface.
package engine

import (
	"bytes"
	"encoding/json"
	"math"

	"github.com/expr-lang/expr/vm"
)

// Node types.
const (
	TypeStart  = "start"
	TypeReview = "review"
	TypeSwitch = "switch"
	TypeTask   = "task" // automatic node run by a plugin
	TypeEnd    = "end"
	// TypeParallel forks into every outgoing edge; TypeInclusive into every edge whose
	// condition holds (the default edge when none does). Both are closed by a TypeJoin
	// node that names them in Fork and waits for every branch they started.
	TypeParallel  = "parallel"
	TypeInclusive = "inclusive"
	TypeJoin      = "join"
)

// Review modes.
const (
	ModeAny        = "any"        // 或簽: the first decision of any candidate decides
	ModeAll        = "all"        // 會簽: every assignee must approve; one reject rejects
	ModeSequential = "sequential" // 依次: one after another, in the resolved order
	ModeRatio      = "ratio"      // 票簽: passes at a share or count of approvals; fails when that is out of reach
)

// Withdraw policies: until when the submitter may withdraw an order.
const (
	WithdrawUntouched = "untouched" // until anyone decided anything (default)
	WithdrawUntilEnd  = "until_end" // while the order is in review
	WithdrawNever     = "never"
)

// Order statuses the engine sets.
const (
	StatusInReview  = "in_review"
	StatusApproved  = "approved"
	StatusRejected  = "rejected"
	StatusCompleted = "completed"
	StatusException = "exception"
)

// Text is a string in several UI languages, keyed by BCP 47 tag (zh-TW, zh-CN, en).
// In a definition it may also be a plain string, which stands for every language and is
// kept as its zh-TW text (the fallback of every other language), so definitions written
// before texts were per language keep working.
type Text map[string]string

// UnmarshalJSON accepts an object of strings or a plain string.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = nil
		if s != "" {
			*t = Text{DefaultLanguage: s}
		}
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*t = m
	return nil
}

// DefaultLanguage is the language a text falls back to, and the one a plain string is.
const DefaultLanguage = "zh-TW"

// FlowDoc is the JSON shape of a flow definition as admins write it.
type FlowDoc struct {
	Key         string    `json:"key"`
	Name        Text      `json:"name,omitempty"`
	Description Text      `json:"description,omitempty"`
	Form        string    `json:"form"`
	Withdraw    string    `json:"withdraw,omitempty"` // untouched (default) | until_end | never
	Nodes       []NodeDoc `json:"nodes"`
	Edges       []EdgeDoc `json:"edges"`
}

// NodeDoc is one node of a flow definition.
type NodeDoc struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Name Text   `json:"name,omitempty"`
	// review
	Mode      string     `json:"mode,omitempty"`
	Approvers *Approvers `json:"approvers,omitempty"`
	Reasons   []string   `json:"reasons,omitempty"`    // reject reason codes; empty = free text
	AllowSelf bool       `json:"allow_self,omitempty"` // the submitter may decide this node
	OnReject  string     `json:"on_reject,omitempty"`  // node to go to on reject; empty ends the order as rejected
	Ratio     *Ratio     `json:"ratio,omitempty"`      // ratio mode: the share or count that passes
	// AutoPass approves on a reviewer's behalf when they approved the previous review node.
	AutoPass bool `json:"auto_pass,omitempty"`
	// ReturnDirect: after this node returns an order, the node it went back to sends it
	// straight here again instead of along the graph.
	ReturnDirect bool       `json:"return_direct,omitempty"`
	CC           *Approvers `json:"cc,omitempty"` // watchers told when the node opens
	// Fields sets what reviewers here may do with each form field: hidden, read
	// (default) or edit.
	Fields    map[string]string `json:"fields,omitempty"`
	Checklist []Text            `json:"checklist,omitempty"`
	// Shipping marks the step where the order's goods leave: shipments may be posted
	// while it is open, and the last one completes it.
	Shipping bool `json:"shipping,omitempty"`
	// FreshSignIn: approving an order whose total is above its threshold needs a
	// sign-in (password entered) within its window.
	FreshSignIn *FreshSignIn `json:"fresh_sign_in,omitempty"`
	// task
	Plugin   string          `json:"plugin,omitempty"`
	Settings json.RawMessage `json:"settings,omitempty"`
	// Config is what the task's plugin made of Settings when the flow version was
	// compiled (provisioned once, then handed to every run). The engine does not look
	// into it; nil when the flow was built without provisioning.
	Config any `json:"-"`
	// end
	Status string `json:"status,omitempty"` // order status this end sets (default completed)
	// join
	Fork string `json:"fork,omitempty"` // the parallel or inclusive node this join closes
	// wait and subflow (wait.go)
	Wait    *WaitSpec    `json:"wait,omitempty"`
	Subflow *SubflowSpec `json:"subflow,omitempty"`
	// Exception says who owns an exception raised at this node (review or task) and by
	// when it should be resolved; without it the order's department owns it for 24h.
	Exception *ExceptionPolicy `json:"exception,omitempty"`
}

// FreshSignIn is a review node's demand that a large approval come from a recent
// sign-in: the session's password was entered within Within (default 15m) when the
// order's total is above Above.
type FreshSignIn struct {
	Above  float64 `json:"above"`
	Within string  `json:"within,omitempty"`
}

// DefaultFreshWithin is FreshSignIn.Within when it is not set.
const DefaultFreshWithin = "15m"

// ExceptionPolicy routes a node's exceptions to their owner.
type ExceptionPolicy struct {
	// OwnerRole: holders of this role own it, in OwnerDepartment or the order's.
	OwnerRole       string `json:"owner_role,omitempty"`
	OwnerDepartment string `json:"owner_department,omitempty"`
	// Owner names one user instead of a role.
	Owner string `json:"owner,omitempty"`
	// Within is the ISO 8601 duration to resolve it in (PT24H, P2D).
	Within string `json:"within,omitempty"`
}

// Ratio is the pass mark of a ratio node: a share of the voters (0 < share ≤ 1) or a count.
type Ratio struct {
	Share float64 `json:"share,omitempty"`
	Count int     `json:"count,omitempty"`
}

// Need is how many approvals pass among pool voters (at least 1, at most pool).
func (r *Ratio) Need(pool int) int {
	n := pool
	switch {
	case r == nil:
	case r.Count > 0:
		n = r.Count
	case r.Share > 0:
		n = int(math.Ceil(r.Share*float64(pool) - 1e-9))
	}
	return max(1, min(n, pool))
}

// Approvers says who may decide a review node.
type Approvers struct {
	// Field is a dotted path into the order's data holding a username (e.g. account_manager).
	Field string `json:"field,omitempty"`
	// Manager is the submitter's manager this many levels up (1 = direct manager).
	Manager int    `json:"manager,omitempty"`
	Role    string `json:"role,omitempty"`
	// Department fixes the department the role is looked up in; empty means the order's own.
	Department string   `json:"department,omitempty"`
	Users      []string `json:"users,omitempty"`
}

// EdgeDoc connects two nodes. From a switch, the first edge whose When holds is taken,
// else the Default one; from a task node, an edge with a matching Outcome is taken
// before the default.
type EdgeDoc struct {
	From    string `json:"from"`
	To      string `json:"to"`
	When    string `json:"when,omitempty"`
	Default bool   `json:"default,omitempty"`
	Outcome string `json:"outcome,omitempty"`
	Label   Text   `json:"label,omitempty"`
}

// Flow is a compiled, immutable flow version ready to interpret.
type Flow struct {
	Key     string
	Version int
	Doc     FlowDoc
	Nodes   map[string]*NodeDoc
	Start   string
	Out     map[string][]*Edge // outgoing edges per node, in document order
	// Branch marks nodes between a fork and its join: a direct return from one goes
	// along the graph instead, so the order never reaches a join around its fork.
	Branch map[string]bool
	// Section lists, for each parallel or inclusive node, the nodes between it and its
	// join (Branch is their union).
	Section map[string]map[string]bool
}

// Edge is a compiled edge; Cond is nil when the edge has no condition.
type Edge struct {
	EdgeDoc
	Cond *vm.Program
}
