// Package engine is Sluice's flow interpreter. It is pure: given a compiled flow, the
// state of an order's active node and an action, it decides what changes, and says so as
// a Result the caller applies in one transaction. It knows nothing of HTTP or SQL; the
// few things it must ask the outside world (who holds a role, what a plugin says) go
// through the Env interface.
package engine

import (
	"encoding/json"

	"github.com/expr-lang/expr/vm"
)

// Node types.
const (
	TypeStart  = "start"
	TypeReview = "review"
	TypeSwitch = "switch"
	TypeTask   = "task" // automatic node run by a plugin
	TypeEnd    = "end"
)

// Review modes.
const (
	ModeAny = "any" // 或簽: the first decision of any candidate decides
	ModeAll = "all" // 會簽: every assignee must approve; one reject rejects
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
type Text map[string]string

// FlowDoc is the JSON shape of a flow definition as admins write it.
type FlowDoc struct {
	Key         string    `json:"key"`
	Name        Text      `json:"name,omitempty"`
	Description Text      `json:"description,omitempty"`
	Form        string    `json:"form"`
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
	Checklist []Text     `json:"checklist,omitempty"`
	// task
	Plugin   string          `json:"plugin,omitempty"`
	Settings json.RawMessage `json:"settings,omitempty"`
	// end
	Status string `json:"status,omitempty"` // order status this end sets (default completed)
}

// Approvers says who may decide a review node.
type Approvers struct {
	Role string `json:"role,omitempty"`
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
}

// Edge is a compiled edge; Cond is nil when the edge has no condition.
type Edge struct {
	EdgeDoc
	Cond *vm.Program
}
