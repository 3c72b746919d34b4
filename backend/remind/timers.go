package remind

import (
	"context"
	"fmt"
	"slices"
	"time"

	"sluice/backend/definitions"
	"sluice/backend/durations"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/task"
	"sluice/backend/ent/taskassignee"
	"sluice/backend/ent/timer"
	"sluice/backend/i18n"
	"sluice/backend/service"
	"sluice/backend/store"
)

// Reminders is the reminders feature over the core: the SLA timers of review tasks
// (remind, escalate, an automatic action) and the cron schedules' digests. The core
// keeps the timer table (claiming, firing, the kinds it owns) and calls this through
// its Reminders port.
type Reminders struct {
	*service.Service
}

// Attach attaches the reminders feature to the core and makes it the core's Reminders.
func Attach(core *service.Service) *Reminders {
	r := &Reminders{Service: core}
	core.Reminders = r
	return r
}

// TaskOpened writes, in the transaction that opens task t, the timers the flow's
// reminder rule for its node asks for.
func (r *Reminders) TaskOpened(ctx context.Context, tx *ent.Tx, o *ent.Order, t *ent.Task, now time.Time) error {
	rem, ver, err := r.ReminderFor(ctx, o.FlowKey)
	if err != nil || rem == nil {
		return err
	}
	rule := rem.Rules[t.NodeID]
	if rule == nil {
		return nil
	}
	var bulk []*ent.TimerCreate
	deadline, hasDeadline := definitions.OrderDeadline(rem, o.Data)
	add := func(kind string, d durations.Duration) {
		if d.IsZero() {
			return
		}
		due := definitions.AddWorking(rem.Calendar, now, d)
		if hasDeadline && kind != service.TimerAuto {
			// the customer's deadline comes first: remind and escalate no later than a
			// day before it
			due = definitions.CapDue(due, deadline, now)
		}
		bulk = append(bulk, tx.Timer.Create().SetOrderID(o.ID).SetTaskID(t.ID).SetNode(t.NodeID).SetKind(kind).
			SetReminder(rem.Key).SetReminderVersion(ver).SetDueAt(due).SetCreatedAt(now))
	}
	add(service.TimerRemind, rule.RemindAfter)
	add(service.TimerEscalate, rule.EscalateAfter)
	if rule.AutoAction != "" {
		add(service.TimerAuto, rule.AutoAfter)
	}
	if len(bulk) == 0 {
		return nil
	}
	return tx.Timer.CreateBulk(bulk...).Exec(ctx)
}

// TasksClosed cancels the pending timers of tasks that closed, in their transaction.
func (r *Reminders) TasksClosed(ctx context.Context, tx *ent.Tx, taskIDs []int) error {
	if len(taskIDs) == 0 {
		return nil
	}
	return tx.Timer.Update().Where(timer.TaskIDIn(taskIDs...), timer.Status(service.TimerPending)).
		SetStatus(service.TimerCancelled).SetOutcome("task closed").Exec(ctx)
}

// FireReminder carries out a timer of the feature's kinds that the core has just
// moved pending -> fired, in the same transaction.
func (r *Reminders) FireReminder(ctx context.Context, tx *ent.Tx, j *store.Journal, tm *ent.Timer, now time.Time) error {
	if tm.Kind == service.TimerDigest {
		return r.fireDigest(ctx, tx, j, tm, now)
	}
	id := tm.ID
	outcome := func(o string) error { return tx.Timer.UpdateOneID(id).SetOutcome(o).Exec(ctx) }
	t, err := tx.Task.Get(ctx, tm.TaskID)
	if ent.IsNotFound(err) {
		return tx.Timer.UpdateOneID(id).SetStatus(service.TimerCancelled).SetOutcome("task gone").Exec(ctx)
	}
	if err != nil {
		return err
	}
	if t.Status != "open" && t.Status != "waiting" {
		// closed by a path that did not cancel it: nothing to remind about
		return tx.Timer.UpdateOneID(id).SetStatus(service.TimerCancelled).SetOutcome("task " + t.Status).Exec(ctx)
	}
	o, err := tx.Order.Get(ctx, tm.OrderID)
	if err != nil {
		return err
	}
	rem, err := r.ReminderVersion(ctx, tm.Reminder, tm.ReminderVersion)
	if err != nil {
		return err
	}
	var rule *definitions.Rule
	if rem != nil {
		rule = rem.Rules[tm.Node]
	}
	if rule == nil {
		return outcome("skipped: the reminder rule is gone")
	}
	base := map[string]any{"timer": id, "task_id": t.ID, "node": t.NodeID, "number": o.Number, "due_at": tm.DueAt.UTC().Format(time.RFC3339)}
	if dl, ok := definitions.OrderDeadline(rem, o.Data); ok {
		base["deadline"] = dl.Format(time.RFC3339)
		base["urgent"] = !now.Before(dl.Add(-definitions.DeadlineLead))
	}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	switch tm.Kind {
	case service.TimerRemind:
		if t.Status == "open" {
			for _, u := range t.Assignees {
				if _, err := j.Notify(ctx, store.Notification{Username: u, Type: "reminder", OrderID: o.ID,
					Key: "notice.reminder", Params: i18n.Params{"Number": o.Number, "Node": r.NodeName(ctx, o, t.NodeID)}, Data: with("attempt", tm.Attempt)}); err != nil {
					return err
				}
			}
			if _, err := j.Event(ctx, "task.reminded", fmt.Sprintf("order:%d", o.ID), with("assignees", t.Assignees, "attempt", tm.Attempt)); err != nil {
				return err
			}
			if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "task.reminded", OrderID: o.ID, Node: t.NodeID, TaskID: t.ID,
				Detail: map[string]any{"timer": id, "assignees": t.Assignees, "attempt": tm.Attempt}}); err != nil {
				return err
			}
			if err := outcome(fmt.Sprintf("reminded %v", t.Assignees)); err != nil {
				return err
			}
		} else if err := outcome("skipped: task waiting"); err != nil {
			return err
		}
		if !rule.RepeatEvery.IsZero() && (rule.MaxTimes == 0 || tm.Attempt < rule.MaxTimes) {
			next := definitions.AddWorking(rem.Calendar, tm.DueAt, rule.RepeatEvery)
			if !next.After(now) {
				next = definitions.AddWorking(rem.Calendar, now, rule.RepeatEvery) // after a downtime: no burst
			}
			return tx.Timer.Create().SetOrderID(o.ID).SetTaskID(t.ID).SetNode(t.NodeID).SetKind(service.TimerRemind).
				SetReminder(tm.Reminder).SetReminderVersion(tm.ReminderVersion).SetAttempt(tm.Attempt + 1).
				SetDueAt(next).SetCreatedAt(now).Exec(ctx)
		}
		return nil
	case service.TimerEscalate:
		to, err := r.EscalationTargets(ctx, tx.Client(), rule.EscalateTo, o, t.Assignees)
		if err != nil {
			return err
		}
		for _, u := range to {
			if _, err := j.Notify(ctx, store.Notification{Username: u, Type: "escalation", OrderID: o.ID,
				Key: "notice.escalation", Params: i18n.Params{"Number": o.Number, "Node": r.NodeName(ctx, o, t.NodeID)}, Data: with("assignees", t.Assignees)}); err != nil {
				return err
			}
		}
		if _, err := j.Event(ctx, "task.escalated", fmt.Sprintf("order:%d", o.ID), with("assignees", t.Assignees, "to", to)); err != nil {
			return err
		}
		if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "task.escalated", OrderID: o.ID, Node: t.NodeID, TaskID: t.ID,
			Detail: map[string]any{"timer": id, "assignees": t.Assignees, "to": to}}); err != nil {
			return err
		}
		if len(to) == 0 {
			return outcome("no one to escalate to")
		}
		if t.Status == "open" {
			if err := handOver(ctx, tx, j, t, o, to, rule.EscalateTo.Reassign); err != nil {
				return err
			}
		}
		if rule.EscalateTo.Reassign {
			return outcome(fmt.Sprintf("reassigned to %v", to))
		}
		return outcome(fmt.Sprintf("escalated to %v", to))
	case service.TimerAuto:
		if t.Status != "open" {
			return outcome("skipped: task waiting")
		}
		if err := r.autoAct(ctx, tx, j, tm, t, o, rule.AutoAction, rule.AutoAfter.String()); err != nil {
			if _, ok := service.AsError(err); ok {
				return service.AutoFailed{Err: err}
			}
			return err
		}
		return outcome("auto " + rule.AutoAction)
	}
	return outcome("unknown kind " + tm.Kind)
}

// autoAct applies the rule's automatic action to the task through the normal engine
// path (checks, conditional updates, audit, events), in the timer's transaction. The
// system decides, not an assignee: the engine takes the action with Auto set, the task's
// decided_by and the decision's audit entry say "system", and the audit detail names
// the timer and the rule (node, action, after). The request id is "timer:<id>".
func (r *Reminders) autoAct(ctx context.Context, tx *ent.Tx, j *store.Journal, tm *ent.Timer, t *ent.Task, o *ent.Order, action string, after string) error {
	f, err := r.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion)
	if err != nil {
		return err
	}
	if f == nil {
		return fmt.Errorf("order %d is pinned to flow %s v%d, which is missing", o.ID, o.FlowKey, o.FlowVersion)
	}
	rule := map[string]any{"reminder": tm.Reminder, "version": tm.ReminderVersion, "node": t.NodeID, "action": action}
	if after != "" {
		rule["after"] = after
	}
	auto := map[string]any{"timer": tm.ID, "rule": rule, "due_at": tm.DueAt.UTC().Format(time.RFC3339), "assignees": t.Assignees}
	req := service.ActionRequest{Action: action, Comment: fmt.Sprintf("automatic %s: no decision before %s (timer %d)", action, tm.DueAt.UTC().Format(time.RFC3339), tm.ID)}
	if n := f.Nodes[t.NodeID]; n != nil {
		switch action {
		case engine.ActApprove:
			req.Checklist = slices.Repeat([]bool{true}, len(n.Checklist))
		case engine.ActReject:
			req.Reason = "overdue"
			if len(n.Reasons) > 0 {
				req.Reason = n.Reasons[0]
			}
		}
	}
	if err := j.Audit(ctx, store.Audit{Actor: engine.SystemActor, Action: "timer.auto", OrderID: o.ID, Node: t.NodeID, TaskID: t.ID,
		Detail: auto}); err != nil {
		return err
	}
	a := service.Actor{Username: engine.SystemActor, RequestID: fmt.Sprintf("timer:%d", tm.ID)}
	_, err = r.Decide(ctx, tx, j, a, f, o, t, req.Automatic(auto))
	return err
}

// handOver gives an escalated task to the escalation's targets too (or, with reassign,
// to them instead of its assignees): they may act on it by the escalation's authority
// (granted), it appears in their inbox, and the task's version moves so an action
// prepared against the old assignee list gets a 409 instead of landing on a changed task.
func handOver(ctx context.Context, tx *ent.Tx, j *store.Journal, t *ent.Task, o *ent.Order, to []string, reassign bool) error {
	next := slices.Clone(to)
	if !reassign {
		next = append(slices.Clone(t.Assignees), to...)
	}
	slices.Sort(next)
	next = slices.Compact(next)
	n, err := tx.Task.Update().Where(task.ID(t.ID), task.Version(t.Version), task.Status("open")).
		SetAssignees(next).SetGranted(true).SetVersion(t.Version + 1).Save(ctx)
	if err != nil || n != 1 {
		return err // n == 0: acted on meanwhile; the escalation's notifications stand
	}
	if reassign {
		gone := slices.DeleteFunc(slices.Clone(t.Assignees), func(u string) bool { return slices.Contains(next, u) })
		if len(gone) > 0 {
			if err := tx.TaskAssignee.Update().Where(taskassignee.TaskID(t.ID), taskassignee.UsernameIn(gone...)).SetOpen(false).Exec(ctx); err != nil {
				return err
			}
			for _, u := range gone {
				if _, err := j.Event(ctx, "task.reassigned", "user:"+u, map[string]any{"order_id": o.ID, "number": o.Number, "task_id": t.ID}); err != nil {
					return err
				}
			}
		}
	}
	for _, u := range next {
		if slices.Contains(t.Assignees, u) {
			continue
		}
		if err := tx.TaskAssignee.Create().SetTaskID(t.ID).SetUsername(u).SetOpen(true).Exec(ctx); err != nil {
			return err
		}
		if _, err := j.Event(ctx, "task.assigned", "user:"+u, map[string]any{"order_id": o.ID, "number": o.Number, "nodes": o.CurrentNodes}); err != nil {
			return err
		}
	}
	return j.Audit(ctx, store.Audit{Actor: "system", Action: "task.handed_over", OrderID: o.ID, Node: t.NodeID, TaskID: t.ID,
		Detail: map[string]any{"from": t.Assignees, "to": next, "reassign": reassign}})
}
