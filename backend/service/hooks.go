package service

import (
	"sluice/backend/engine"
	"sluice/backend/inventory"
	"sluice/plugins"
)

// TopicWarehouse is where stock alerts go.
const TopicWarehouse = "department:warehouse"

// ended reports whether status means the order left review for good.
func ended(status string) bool {
	switch status {
	case engine.StatusRejected, engine.StatusCompleted, "withdrawn", "cancelled":
		return true
	}
	return false
}

// hooks runs, in the transaction of a state change, what plugins ask for besides the
// engine's result: a stock.low event for every low-stock crossing an inventory task
// reported (with notifications to the stock desks), the hold_expiry timer of an
// inventory.check with hold_for, and OrderEnded of every plugin that implements it when the order left
// review (r is nil when the order ended outside the engine: a withdrawal).
func (w *writer) hooks(r *engine.Result) error {
	if r != nil {
		for _, v := range r.Visits {
			lows, _ := v.Detail["low_stock"].([]inventory.Low)
			for _, l := range lows {
				if err := w.s.stockLow(w.ctx, w.tx.Client(), w.j, &l, w.o); err != nil {
					return err
				}
			}
			if err := w.armHold(v); err != nil {
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
	in := plugins.EndInput{Status: o.Status, DB: w.tx.Client(), Order: plugins.Order{
		ID: o.ID, Number: o.Number, Flow: o.FlowKey, Department: o.Department, Submitter: o.Submitter, Data: o.Data}}
	for _, e := range plugins.Enders() {
		if err := e.OrderEnded(w.ctx, in); err != nil {
			return err
		}
	}
	return nil
}
