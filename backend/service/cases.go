package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/order"
	"sluice/backend/store"
)

// CaseView is an order linked to this one: an after-sales case about it, or a child
// one of its subflow nodes started (Node names that node).
type CaseView struct {
	ID        int       `json:"id"`
	Number    string    `json:"number"`
	Flow      string    `json:"flow"`
	Status    string    `json:"status"`
	Source    string    `json:"source"`
	Node      string    `json:"node,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Audit actions and event types of after-sales cases.
const (
	ActionCaseOpened = "aftersales.opened"
	ActionCaseEnded  = "aftersales.ended"
)

// addCases adds to a single-order view the orders linked to it.
func addCases(ctx context.Context, c *ent.Client, o *ent.Order, v *OrderView) error {
	kids, err := c.Order.Query().Where(order.ParentID(o.ID)).Order(ent.Asc(order.FieldID)).All(ctx)
	if err != nil {
		return err
	}
	for _, k := range kids {
		cv := CaseView{ID: k.ID, Number: k.Number, Flow: k.FlowKey, Status: k.Status, Source: k.Source, CreatedAt: k.CreatedAt}
		if k.Source == SourceSubflow && k.ExternalRef != nil {
			if parts := strings.Split(*k.ExternalRef, ":"); len(parts) == 3 {
				cv.Node = parts[1]
			}
		}
		v.Children = append(v.Children, cv)
	}
	return nil
}

// caseOpened notes on the parent's timeline (and live topic) that an after-sales case
// about it was opened; in the submit's transaction.
func caseOpened(ctx context.Context, j *store.Journal, a Actor, o *ent.Order) error {
	if o.ParentID == nil {
		return nil
	}
	d := map[string]any{"case": o.ID, "number": o.Number, "flow": o.FlowKey}
	if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: ActionCaseOpened, OrderID: *o.ParentID, Detail: d}); err != nil {
		return err
	}
	_, err := j.Event(ctx, ActionCaseOpened, fmt.Sprintf("order:%d", *o.ParentID), d)
	return err
}

// caseEnded notes on the parent's timeline that an after-sales case left review (any
// status but in review and exception: flows may define their own end statuses).
func (w *writer) caseEnded() error {
	o := w.o
	if o.ParentID == nil || o.Source == SourceSubflow || o.Status == engine.StatusInReview || o.Status == engine.StatusException {
		return nil // a sub-flow's child resumes its parent instead (hold.go)
	}
	d := map[string]any{"case": o.ID, "number": o.Number, "flow": o.FlowKey, "status": o.Status}
	if err := w.j.Audit(w.ctx, store.Audit{Actor: "system", Action: ActionCaseEnded, OrderID: *o.ParentID, Detail: d}); err != nil {
		return err
	}
	_, err := w.j.Event(w.ctx, ActionCaseEnded, fmt.Sprintf("order:%d", *o.ParentID), d)
	return err
}
