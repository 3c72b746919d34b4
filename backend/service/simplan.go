package service

import (
	"time"

	"sluice/backend/definitions"
	"sluice/backend/durations"
	"sluice/backend/engine"
	"sluice/plugins"
)

// SimReminder is a reminder timer a simulated order would set: per review node it
// reaches, the remind, escalate and auto timers of the flow's published reminder rule
// for that node, due from the simulation's time in the reminder's working calendar
// (the simulation decides at once, so every node opens at that time).
type SimReminder struct {
	Node string `json:"node"`
	Kind string `json:"kind"` // remind | escalate | auto
	// After is the rule's offset (working time when the reminder has a calendar).
	After string    `json:"after"`
	DueAt time.Time `json:"due_at"`
	// RepeatEvery and MaxTimes (remind): how the reminder repeats after the first.
	RepeatEvery string `json:"repeat_every,omitempty"`
	MaxTimes    int    `json:"max_times,omitempty"`
	// Capped: the order's deadline field brought it forward (a day before the deadline).
	Capped bool `json:"capped,omitempty"`
	// Action (auto): approve, reject or return.
	Action string `json:"action,omitempty"`
	// To (escalate): who it would go to now; Reassign: they would get the task instead.
	To       []string `json:"to,omitempty"`
	Reassign bool     `json:"reassign,omitempty"`
}

// SimStock is what a simulated order would hold of one line after a stock-holding
// task's dry run: Qty reserved in Warehouse, Shortage the units it lacks.
type SimStock struct {
	Node      string `json:"node"`
	SKU       string `json:"sku"`
	Warehouse string `json:"warehouse"`
	Qty       int    `json:"qty"`
	Shortage  int    `json:"shortage"`
	// Reason of a shortage: insufficient_stock, over_max_qty, sku_short.
	Reason string `json:"reason,omitempty"`
}

// PlanReminders lists the reminder timers a simulated path would set, from at. targets
// names the escalation's people for a node's assignees (nil: none are named).
func PlanReminders(rem *definitions.Reminder, res engine.SimResult, data map[string]any, at time.Time,
	targets func(e *definitions.Escalation, assignees []string) []string) []SimReminder {
	if rem == nil {
		return nil
	}
	at = at.UTC()
	deadline, hasDeadline := definitions.OrderDeadline(rem, data)
	var out []SimReminder
	for _, st := range res.Path {
		rule := rem.Rules[st.Node]
		if st.Type != engine.TypeReview || st.Status != "active" || rule == nil {
			continue
		}
		add := func(kind string, d durations.Duration) *SimReminder {
			if d.IsZero() {
				return nil
			}
			due := definitions.AddWorking(rem.Calendar, at, d)
			r := SimReminder{Node: st.Node, Kind: kind, After: d.String(), DueAt: due}
			if hasDeadline && kind != TimerAuto {
				r.DueAt = definitions.CapDue(due, deadline, at)
				r.Capped = !r.DueAt.Equal(due)
			}
			out = append(out, r)
			return &out[len(out)-1]
		}
		if r := add(TimerRemind, rule.RemindAfter); r != nil && !rule.RepeatEvery.IsZero() {
			r.RepeatEvery, r.MaxTimes = rule.RepeatEvery.String(), rule.MaxTimes
		}
		if r := add(TimerEscalate, rule.EscalateAfter); r != nil && rule.EscalateTo != nil {
			r.Reassign = rule.EscalateTo.Reassign
			if targets != nil {
				r.To = targets(rule.EscalateTo, st.Approvers)
			}
		}
		if rule.AutoAction != "" {
			if r := add(TimerAuto, rule.AutoAfter); r != nil {
				r.Action = rule.AutoAction
			}
		}
	}
	return out
}

// StockHeld reads what the task nodes of a simulated path would hold, from the
// Holds their plugins reported (plugins.Effects).
func StockHeld(_ *engine.Flow, res engine.SimResult) []SimStock {
	var out []SimStock
	for _, st := range res.Path {
		eff, ok := st.Effects.(plugins.Effects)
		if st.Type != engine.TypeTask || !ok {
			continue
		}
		for _, h := range eff.Holds {
			out = append(out, SimStock{Node: st.Node, SKU: h.SKU, Warehouse: h.Warehouse, Qty: h.Qty, Shortage: h.Shortage, Reason: h.Reason})
		}
	}
	return out
}
