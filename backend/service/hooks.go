package service

import (
	"context"
	"time"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/pluginhost"
	"sluice/backend/store"
	"sluice/plugins"
)

// ended reports whether status means the order left review for good.
func ended(status string) bool {
	switch status {
	case engine.StatusRejected, engine.StatusCompleted, "withdrawn", "cancelled":
		return true
	}
	return false
}

// hooks applies, in the transaction of a state change, the effects the plugins of the
// engine's result asked for — whichever plugin that was: a stock.low event for every
// low-stock crossing (with notifications to the stock desks), the hold_expiry timer of
// a hold_for — and calls OrderEnded of every plugin that implements it when the order
// left review (r is nil when the order ended outside the engine: a withdrawal).
func (w *writer) hooks(r *engine.Result) error {
	if r != nil {
		for _, v := range r.Visits {
			eff, _ := v.Effects.(plugins.Effects)
			for _, l := range eff.StockLow {
				if err := w.s.stockLow(w.ctx, w.tx.Client(), w.j, &l, w.o); err != nil {
					return err
				}
			}
			if err := w.armHold(v.NodeID, eff.HoldFor); err != nil {
				return err
			}
		}
		if r.Status == "" {
			return nil
		}
	}
	if err := w.caseEnded(); err != nil {
		return err
	}
	if err := w.childEnded(); err != nil {
		return err
	}
	if !ended(w.o.Status) {
		return nil
	}
	o := w.o
	in := plugins.EndInput{Status: o.Status, Ports: pluginhost.Ports(w.tx.Client(), false), Order: plugins.Order{
		ID: o.ID, Number: o.Number, Flow: o.FlowKey, Department: o.Department, Submitter: o.Submitter, Data: o.Data}}
	for _, e := range plugins.Enders() {
		if err := e.OrderEnded(w.ctx, in); err != nil {
			return err
		}
	}
	return nil
}

// NoticeTask is the type of the notice a person gets when a task opens for them
// (store.Journal.Tell; no inbox entry: the inbox lists their tasks already).
const NoticeTask = "task.assigned"

// NoticeHook is told, in the transaction of a change and just before it commits, of
// every notification (reminder, escalation, mention, digest, …) and every task opened
// for a person in it, so a feature can reach them outside the web app
// (backend/notify: email and chat, through the outbox). An error aborts the change:
// what it writes commits with it or not at all.
type NoticeHook interface {
	Noticed(ctx context.Context, tx *ent.Tx, at time.Time, notices []store.Notification) error
}

// tell calls the notice hook with the journal's notices, if any.
func (s *Service) tell(ctx context.Context, tx *ent.Tx, j *store.Journal) error {
	if s.Notices == nil || len(j.Notices()) == 0 {
		return nil
	}
	return s.Notices.Noticed(ctx, tx, j.At(), j.Notices())
}
