package service

import (
	"context"
	"encoding/json"
	"time"

	"sluice/backend/authz"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/idempotencykey"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// TaskView is a task as the API shows it.
type TaskView struct {
	ID        int           `json:"id"`
	Node      string        `json:"node"`
	NodeName  engine.Text   `json:"node_name,omitempty"`
	Mode      string        `json:"mode"`
	Kind      string        `json:"kind,omitempty"`
	Comment   string        `json:"comment,omitempty"`
	Assignees []string      `json:"assignees"`
	Status    string        `json:"status"`
	Decision  string        `json:"decision,omitempty"`
	DecidedBy string        `json:"decided_by,omitempty"`
	Version   int           `json:"version"`
	Reasons   []string      `json:"reasons,omitempty"`
	Checklist []engine.Text `json:"checklist,omitempty"`
	// Editable are the form fields the node's reviewers may change (with approve or
	// comment, in `fields`), sorted; omitted when none.
	Editable  []string  `json:"editable,omitempty"`
	CanAct    bool      `json:"can_act"`
	CreatedAt time.Time `json:"created_at"`
}

// OrderView is an order as the API shows it.
type OrderView struct {
	ID           int            `json:"id"`
	Number       string         `json:"number"`
	Flow         string         `json:"flow"`
	Version      int            `json:"version"`
	Status       string         `json:"status"`
	Department   string         `json:"department"`
	Submitter    string         `json:"submitter"`
	Data         map[string]any `json:"data"`
	Total        float64        `json:"total"`
	CurrentNodes []string       `json:"current_nodes"`
	Source       string         `json:"source"`
	Customer     string         `json:"customer,omitempty"`
	Parent       int            `json:"parent,omitempty"`
	// Existing is set when an intake submit found the order its reference made before.
	Existing bool       `json:"existing,omitempty"`
	Tasks    []TaskView `json:"tasks,omitempty"`
	// Lines, Shipments and Children are only in single-order answers: what shipped of
	// each line, the shipments, and the orders linked to this one (after-sales cases
	// about it, children its subflow nodes started).
	Lines     []LineView     `json:"lines,omitempty"`
	Shipments []ShipmentView `json:"shipments,omitempty"`
	Children  []CaseView     `json:"children,omitempty"`
	// Votes (single-order answers) is the vote state of each open review node.
	Votes     []VoteView `json:"votes,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// wholeOrderView renders all of o. Only fieldGuard.view calls it: every answer goes
// through the field permissions (fields.go).
func wholeOrderView(o *ent.Order) OrderView {
	cur := o.CurrentNodes
	if cur == nil {
		cur = []string{}
	}
	v := OrderView{ID: o.ID, Number: o.Number, Flow: o.FlowKey, Version: o.FlowVersion, Status: o.Status,
		Department: o.Department, Submitter: o.Submitter, Data: o.Data, Total: o.Total, CurrentNodes: cur,
		Source: o.Source, Customer: o.Customer, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
	if o.ParentID != nil {
		v.Parent = *o.ParentID
	}
	return v
}

func (s *Service) taskView(a Actor, f *engine.Flow, o *ent.Order, t *ent.Task, mode string) TaskView {
	v := TaskView{ID: t.ID, Node: t.NodeID, Mode: mode, Kind: t.Kind, Comment: t.Comment, Assignees: t.Assignees, Status: t.Status,
		Decision: t.Decision, DecidedBy: t.DecidedBy, Version: t.Version, CreatedAt: t.CreatedAt}
	if v.Assignees == nil {
		v.Assignees = []string{}
	}
	if f != nil {
		if n := f.Nodes[t.NodeID]; n != nil {
			v.NodeName, v.Reasons, v.Checklist = n.Name, n.Reasons, n.Checklist
			v.Editable = editableFields(n)
			v.CanAct = t.Status == "open" && t.Kind != "cc" && (a.Username != o.Submitter || n.AllowSelf) &&
				s.mayAct(a, f, t, engine.ActApprove)
		}
	}
	return v
}

func nodeObject(flow, node string) string { return authz.NodeObject(flow, node) }

// SubmitRequest is the body of POST /orders.
type SubmitRequest struct {
	Flow       string         `json:"flow" max:"100"`
	Data       map[string]any `json:"data"`
	Department string         `json:"department,omitempty" max:"64"`
	// Parent links an after-sales order (a return, a complaint) to the order it is about.
	Parent int `json:"parent,omitempty"`
	// Source and ExternalRef are set by intake (import, channel webhooks), never from a
	// request body: a second submit with the same pair returns the first order
	// (OrderView.Existing) instead of making another.
	Source      string `json:"-"`
	ExternalRef string `json:"-"`
}

// Idem carries an Idempotency-Key into the transaction that makes the change, so the
// remembered response is written atomically with it.
type Idem struct {
	Key, Scope, RequestHash string
	// Encode renders the response to remember (the caller's exact body).
	Encode func(v any) ([]byte, error)
}

// Replay is a remembered response for a repeated Idempotency-Key.
type Replay struct {
	Status int
	Body   []byte
}

// checkIdem looks the key up inside the write transaction (after the journal lock, so
// a concurrent twin has either committed or not started).
func checkIdem(ctx context.Context, tx *ent.Tx, a Actor, id *Idem) (*Replay, error) {
	if id == nil || id.Key == "" {
		return nil, nil
	}
	row, err := tx.IdempotencyKey.Query().Where(idempotencykey.User(a.Username),
		idempotencykey.Scope(id.Scope), idempotencykey.Key(id.Key)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if row.RequestHash != id.RequestHash {
		return nil, &Error{Status: 422, Detail: "this Idempotency-Key was used with a different request",
			Errors: []FieldError{{Pointer: "", Message: "use a new Idempotency-Key for a different request"}}}
	}
	return &Replay{Status: row.StatusCode, Body: row.Response}, nil
}

// rememberIdem stores the response under the key in the same transaction.
func rememberIdem(ctx context.Context, tx *ent.Tx, a Actor, id *Idem, status int, v any) error {
	if id == nil || id.Key == "" {
		return nil
	}
	b, err := id.Encode(v)
	if err != nil {
		return err
	}
	return tx.IdempotencyKey.Create().SetUser(a.Username).SetScope(id.Scope).SetKey(id.Key).
		SetRequestHash(id.RequestHash).SetStatusCode(status).SetResponse(b).Exec(ctx)
}
