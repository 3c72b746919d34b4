package service

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"sluice/backend/definitions"
	"sluice/backend/durations"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/definition"
	"sluice/backend/ent/membership"
	"sluice/backend/ent/order"
	"sluice/backend/ent/task"
	"sluice/backend/ent/taskassignee"
	"sluice/backend/ent/timer"
	"sluice/backend/ent/user"
	"sluice/backend/store"
)

// Timer kinds and statuses.
const (
	TimerRemind   = "remind"
	TimerEscalate = "escalate"
	TimerAuto     = "auto"
	// TimerDigest is a cron schedule's next run: no order or task (ids 0), node = the
	// schedule's key. Firing it sends the digest and writes the following run.
	TimerDigest = "digest"
	// TimerExceptionOverdue fires at an exception's deadline (task_id 0; the order and
	// node name the exception).
	TimerExceptionOverdue = "exception_overdue"

	TimerPending   = "pending"
	TimerFired     = "fired"
	TimerCancelled = "cancelled"
)

// timerState caches the compiled published reminder definitions (immutable per
// version) and which one applies to each flow (refreshed after latestTTL).
type timerState struct {
	mu       sync.Mutex
	compiled map[string]*definitions.Reminder // key@version
	byFlow   map[string]reminderRef           // flow key -> newest published reminder for it
	loadedAt time.Time
}

type reminderRef struct {
	r       *definitions.Reminder
	version int
}

// reminderFor returns the newest published reminder definition whose flow is flowKey
// (nil if none).
func (s *Service) reminderFor(ctx context.Context, flowKey string) (*definitions.Reminder, int, error) {
	ts := &s.timers
	ts.mu.Lock()
	if ts.byFlow != nil && time.Since(ts.loadedAt) < s.Catalog.ttl {
		ref := ts.byFlow[flowKey]
		ts.mu.Unlock()
		return ref.r, ref.version, nil
	}
	ts.mu.Unlock()
	defs, err := s.Store.Read.Definition.Query().Where(definition.Kind("reminder"), definition.Status("published")).
		Order(ent.Asc(definition.FieldKey), ent.Desc(definition.FieldVersion)).
		Select(definition.FieldKey, definition.FieldVersion).All(ctx)
	if err != nil {
		return nil, 0, err
	}
	byFlow := map[string]reminderRef{}
	seen := map[string]bool{}
	for _, d := range defs {
		if seen[d.Key] {
			continue // an older version
		}
		seen[d.Key] = true
		r, err := s.reminderVersion(ctx, d.Key, d.Version)
		if err != nil {
			return nil, 0, err
		}
		if r == nil {
			continue
		}
		if _, taken := byFlow[r.Flow]; !taken {
			byFlow[r.Flow] = reminderRef{r, d.Version}
		}
	}
	ts.mu.Lock()
	ts.byFlow, ts.loadedAt = byFlow, time.Now()
	ts.mu.Unlock()
	ref := byFlow[flowKey]
	return ref.r, ref.version, nil
}

// reminderVersion compiles (once) a published reminder version; nil if it is gone or
// no longer compiles (logged: its timers then do nothing).
func (s *Service) reminderVersion(ctx context.Context, key string, v int) (*definitions.Reminder, error) {
	ts := &s.timers
	ts.mu.Lock()
	r, ok := ts.compiled[vkey(key, v)]
	ts.mu.Unlock()
	if ok {
		return r, nil
	}
	d, err := version(ctx, s.Store.Read, "reminder", key, v)
	if err != nil || d == nil {
		return nil, err
	}
	look := s.Catalog.lookup(ctx)
	r, probs := definitions.ParseReminder(d.Body, look)
	if look.err != nil {
		return nil, look.err // not cached: a fault must not silence the reminder for good
	}
	if len(probs) > 0 {
		s.Log.Error("published reminder no longer compiles; its timers are skipped", "key", key, "version", v,
			"pointer", probs[0].Pointer, "problem", probs[0].Message)
		r = nil
	}
	ts.mu.Lock()
	if ts.compiled == nil {
		ts.compiled = map[string]*definitions.Reminder{}
	}
	ts.compiled[vkey(key, v)] = r
	ts.mu.Unlock()
	return r, nil
}

// AddWorking returns from + d. Without a calendar a day is 24 hours. With one, d
// counts working time only (a day being one working day's hours): the walk steps over
// nights, weekends and holidays in the calendar's zone. Durations are absolute, so a
// DST change neither adds nor removes an hour of working time; the result is UTC.
func AddWorking(cal *definitions.Calendar, from time.Time, d durations.Duration) time.Time {
	if cal == nil || cal.Location == nil || cal.End <= cal.Start {
		return from.Add(d.Std()).UTC()
	}
	left := time.Duration(d.Days)*(cal.End-cal.Start) + time.Duration(d.Hours)*time.Hour + time.Duration(d.Minutes)*time.Minute
	t := from.In(cal.Location)
	// A calendar without a single working day would loop forever: give up after ten
	// years of days and fall back to wall-clock time.
	for i := 0; left > 0; i++ {
		if i > 3660 {
			return from.Add(d.Std()).UTC()
		}
		y, m, day := t.Date()
		start, end := wallClock(y, m, day, cal.Start, cal.Location), wallClock(y, m, day, cal.End, cal.Location)
		next := time.Date(y, m, day+1, 0, 0, 0, 0, cal.Location)
		if !cal.IsWorkingDay(t) || !t.Before(end) {
			t = next
			continue
		}
		if t.Before(start) {
			t = start
		}
		if span := end.Sub(t); span >= left {
			return t.Add(left).UTC()
		} else {
			left -= span
		}
		t = next
	}
	return t.UTC()
}

func wallClock(y int, m time.Month, d int, off time.Duration, loc *time.Location) time.Time {
	return time.Date(y, m, d, int(off/time.Hour), int(off%time.Hour/time.Minute), 0, 0, loc)
}

// openTimers writes, in the transaction that opens task t, the timers the flow's
// reminder rule for its node asks for.
func (w *writer) openTimers(t *ent.Task) error {
	if w.s == nil {
		return nil
	}
	rem, ver, err := w.s.reminderFor(w.ctx, w.o.FlowKey)
	if err != nil || rem == nil {
		return err
	}
	rule := rem.Rules[t.NodeID]
	if rule == nil {
		return nil
	}
	var bulk []*ent.TimerCreate
	deadline, hasDeadline := orderDeadline(rem, w.o.Data)
	add := func(kind string, d durations.Duration) {
		if d.IsZero() {
			return
		}
		due := AddWorking(rem.Calendar, w.now, d)
		if hasDeadline && kind != TimerAuto {
			// the customer's deadline comes first: remind and escalate no later than a
			// day before it
			due = capDue(due, deadline, w.now)
		}
		bulk = append(bulk, w.tx.Timer.Create().SetOrderID(w.o.ID).SetTaskID(t.ID).SetNode(t.NodeID).SetKind(kind).
			SetReminder(rem.Key).SetReminderVersion(ver).SetDueAt(due).SetCreatedAt(w.now))
	}
	add(TimerRemind, rule.RemindAfter)
	add(TimerEscalate, rule.EscalateAfter)
	if rule.AutoAction != "" {
		add(TimerAuto, rule.AutoAfter)
	}
	if len(bulk) == 0 {
		return nil
	}
	return w.tx.Timer.CreateBulk(bulk...).Exec(w.ctx)
}

// DeadlineLead is how long before an order's deadline (the reminder definition's
// deadline_field) its reminders and escalations fall due at the latest.
const DeadlineLead = 24 * time.Hour

// orderDeadline reads the reminder's deadline_field from the order's data: a date
// (YYYY-MM-DD, the start of that day in the calendar's zone, else UTC) or an RFC 3339
// time. ok is false when the rule names none or the order has no valid value.
func orderDeadline(rem *definitions.Reminder, data map[string]any) (time.Time, bool) {
	if rem == nil || rem.DeadlineField == "" {
		return time.Time{}, false
	}
	var v any = data
	for _, part := range strings.Split(rem.DeadlineField, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return time.Time{}, false
		}
		v = m[part]
	}
	str, _ := v.(string)
	loc := time.UTC
	if rem.Calendar != nil && rem.Calendar.Location != nil {
		loc = rem.Calendar.Location
	}
	if t, err := time.ParseInLocation(time.DateOnly, str, loc); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.RFC3339, str); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// capDue moves a due time forward to DeadlineLead before the deadline when that is
// still ahead. A deadline already that close or past leaves the rule's own timing (the
// reminders then say urgent) rather than firing every timer of the task at once.
func capDue(due, deadline, now time.Time) time.Time {
	latest := deadline.Add(-DeadlineLead)
	if due.Before(latest) || !latest.After(now) {
		return due
	}
	return latest.UTC()
}

// cancelTimers cancels the pending timers of tasks that closed, in their transaction.
func cancelTimers(ctx context.Context, tx *ent.Tx, taskIDs []int) error {
	if len(taskIDs) == 0 {
		return nil
	}
	return tx.Timer.Update().Where(timer.TaskIDIn(taskIDs...), timer.Status(TimerPending)).
		SetStatus(TimerCancelled).SetOutcome("task closed").Exec(ctx)
}

// TimerLease describes the timers table to store.Claim.
var TimerLease = store.Leased{Table: timer.Table, ID: timer.FieldID, Due: timer.FieldDueAt, Status: timer.FieldStatus,
	Pending: TimerPending, Holder: timer.FieldClaimedBy, Until: timer.FieldClaimedUntil}

// ClaimTimers leases up to limit timers due at now to owner for lease (store.Claim), so
// several instances share the work. A claim only spreads work; whether a timer fires
// is decided by FireTimer's conditional update alone, so an expired or stolen lease can
// never fire a timer twice (firing needs no fencing by the lease: the status is the
// stronger guard). A timer whose firing failed stays claimed until its lease ends,
// then any instance retries it.
func (s *Service) ClaimTimers(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]int, error) {
	l, err := s.Store.Claim(ctx, TimerLease, owner, now, lease, limit)
	return l.IDs, err
}

var errNotFired = errors.New("timer not fired")

// autoFailed wraps a refusal of an automatic action (the engine or a check said no):
// the timer is then spent with the reason recorded, never retried forever.
type autoFailed struct{ err error }

func (e autoFailed) Error() string { return e.err.Error() }

// FireTimer fires timer id if it is pending and due at now, in one transaction with
// its effects: pending -> fired by a conditional update, so of any number of callers
// on any number of instances exactly one fires it; never before due_at. It reports
// whether this call fired it.
func (s *Service) FireTimer(ctx context.Context, id int, now time.Time, by string) (bool, error) {
	now = now.UTC()
	sys := Actor{Username: "system", RequestID: fmt.Sprintf("timer:%d", id)}
	err := s.change(ctx, sys, func(tx *ent.Tx, j *store.Journal) error {
		return s.fire(ctx, tx, j, id, now, by)
	})
	var af autoFailed
	if errors.As(err, &af) {
		// the automatic action's writes are rolled back; spend the timer and say why
		err = s.change(ctx, sys, func(tx *ent.Tx, j *store.Journal) error {
			tm, err := s.claimFire(ctx, tx, id, now, by)
			if err != nil {
				return err
			}
			if err := tx.Timer.UpdateOneID(id).SetOutcome("failed: " + af.Error()).Exec(ctx); err != nil {
				return err
			}
			return j.Audit(ctx, store.Audit{Actor: "system", Action: "timer.auto_failed", OrderID: tm.OrderID, Node: tm.Node, TaskID: tm.TaskID,
				Detail: map[string]any{"timer": id, "error": af.Error()}})
		})
	}
	if errors.Is(err, errNotFired) {
		return false, nil
	}
	return err == nil, err
}

// claimFire moves the timer pending -> fired if it is due; errNotFired otherwise.
func (s *Service) claimFire(ctx context.Context, tx *ent.Tx, id int, now time.Time, by string) (*ent.Timer, error) {
	n, err := tx.Timer.Update().Where(timer.ID(id), timer.Status(TimerPending), timer.DueAtLTE(now)).
		SetStatus(TimerFired).SetFiredAt(now).SetClaimedBy(by).Save(ctx)
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, errNotFired
	}
	return tx.Timer.Get(ctx, id)
}

func (s *Service) fire(ctx context.Context, tx *ent.Tx, j *store.Journal, id int, now time.Time, by string) error {
	tm, err := s.claimFire(ctx, tx, id, now, by)
	if err != nil {
		return err
	}
	outcome := func(o string) error { return tx.Timer.UpdateOneID(id).SetOutcome(o).Exec(ctx) }
	if tm.Kind == TimerDigest {
		return s.fireDigest(ctx, tx, j, tm, now)
	}
	if tm.Kind == TimerWait {
		return s.fireWait(ctx, tx, j, tm)
	}
	if tm.Kind == TimerHoldExpiry {
		msg, err := s.holdExpired(ctx, tx, j, tm)
		if err != nil {
			return err
		}
		return outcome(msg)
	}
	if tm.Kind == TimerExceptionOverdue {
		msg, err := s.exceptionOverdue(ctx, tx, j, tm)
		if err != nil {
			return err
		}
		return outcome(msg)
	}
	t, err := tx.Task.Get(ctx, tm.TaskID)
	if ent.IsNotFound(err) {
		return tx.Timer.UpdateOneID(id).SetStatus(TimerCancelled).SetOutcome("task gone").Exec(ctx)
	}
	if err != nil {
		return err
	}
	if t.Status != "open" && t.Status != "waiting" {
		// closed by a path that did not cancel it: nothing to remind about
		return tx.Timer.UpdateOneID(id).SetStatus(TimerCancelled).SetOutcome("task " + t.Status).Exec(ctx)
	}
	o, err := tx.Order.Get(ctx, tm.OrderID)
	if err != nil {
		return err
	}
	rem, err := s.reminderVersion(ctx, tm.Reminder, tm.ReminderVersion)
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
	if dl, ok := orderDeadline(rem, o.Data); ok {
		base["deadline"] = dl.Format(time.RFC3339)
		base["urgent"] = !now.Before(dl.Add(-DeadlineLead))
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
	case TimerRemind:
		if t.Status == "open" {
			for _, u := range t.Assignees {
				if _, err := j.Notify(ctx, store.Notification{Username: u, Type: "reminder", OrderID: o.ID,
					Title: fmt.Sprintf("訂單 %s 待您處理 (%s)", o.Number, t.NodeID), Data: with("attempt", tm.Attempt)}); err != nil {
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
			next := AddWorking(rem.Calendar, tm.DueAt, rule.RepeatEvery)
			if !next.After(now) {
				next = AddWorking(rem.Calendar, now, rule.RepeatEvery) // after a downtime: no burst
			}
			return tx.Timer.Create().SetOrderID(o.ID).SetTaskID(t.ID).SetNode(t.NodeID).SetKind(TimerRemind).
				SetReminder(tm.Reminder).SetReminderVersion(tm.ReminderVersion).SetAttempt(tm.Attempt + 1).
				SetDueAt(next).SetCreatedAt(now).Exec(ctx)
		}
		return nil
	case TimerEscalate:
		to, err := escalationTargets(ctx, tx.Client(), rule.EscalateTo, o, t.Assignees)
		if err != nil {
			return err
		}
		for _, u := range to {
			if _, err := j.Notify(ctx, store.Notification{Username: u, Type: "escalation", OrderID: o.ID,
				Title: fmt.Sprintf("訂單 %s 逾時未處理 (%s)", o.Number, t.NodeID), Data: with("assignees", t.Assignees)}); err != nil {
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
	case TimerAuto:
		if t.Status != "open" {
			return outcome("skipped: task waiting")
		}
		if err := s.autoAct(ctx, tx, j, tm, t, o, rule.AutoAction, rule.AutoAfter.String()); err != nil {
			if _, ok := AsError(err); ok {
				return autoFailed{err}
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
func (s *Service) autoAct(ctx context.Context, tx *ent.Tx, j *store.Journal, tm *ent.Timer, t *ent.Task, o *ent.Order, action string, after string) error {
	f, err := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion)
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
	req := ActionRequest{Action: action, Comment: fmt.Sprintf("automatic %s: no decision before %s (timer %d)", action, tm.DueAt.UTC().Format(time.RFC3339), tm.ID), auto: auto}
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
	a := Actor{Username: engine.SystemActor, RequestID: fmt.Sprintf("timer:%d", tm.ID)}
	_, err = s.decide(ctx, tx, j, a, f, o, t, req)
	return err
}

// escalationTargets: holders of the role in the named department (empty: the order's),
// and/or each assignee's manager ManagerLevels levels up.
func escalationTargets(ctx context.Context, c *ent.Client, e *definitions.Escalation, o *ent.Order, assignees []string) ([]string, error) {
	if e == nil {
		return nil, nil
	}
	var out []string
	if e.Role != "" {
		dept := e.Department
		if dept == "" {
			dept = o.Department
		}
		ids, err := c.Membership.Query().Where(membership.Role(e.Role), membership.Department(dept)).Select(membership.FieldUserID).Ints(ctx)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 && e.Department == "" {
			// a global role is held without a department
			if ids, err = c.Membership.Query().Where(membership.Role(e.Role), membership.Department("")).Select(membership.FieldUserID).Ints(ctx); err != nil {
				return nil, err
			}
		}
		if len(ids) > 0 {
			names, err := c.User.Query().Where(user.IDIn(ids...), user.Disabled(false)).Order(ent.Asc(user.FieldUsername)).Select(user.FieldUsername).Strings(ctx)
			if err != nil {
				return nil, err
			}
			out = append(out, names...)
		}
	}
	if e.ManagerLevels > 0 {
		for _, name := range assignees {
			u, err := c.User.Query().Where(user.Username(name)).Only(ctx)
			if ent.IsNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			for i := 0; i < e.ManagerLevels && u != nil; i++ {
				if u.ManagerID == nil {
					u = nil
					break
				}
				if u, err = c.User.Get(ctx, *u.ManagerID); err != nil {
					return nil, err
				}
			}
			if u != nil && !u.Disabled {
				out = append(out, u.Username)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
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

// armSchedules writes, in the transaction that publishes version ver of a reminder
// definition, the first run of each of its cron schedules, and cancels the pending runs
// of its earlier versions: one chain per schedule, the newest version's.
func armSchedules(ctx context.Context, tx *ent.Tx, r *definitions.Reminder, ver int, now time.Time) error {
	if err := tx.Timer.Update().Where(timer.Kind(TimerDigest), timer.Reminder(r.Key), timer.Status(TimerPending)).
		SetStatus(TimerCancelled).SetOutcome(fmt.Sprintf("replaced by version %d", ver)).Exec(ctx); err != nil {
		return err
	}
	for _, sc := range r.Schedules {
		next := sc.Next(now)
		if next.IsZero() {
			continue
		}
		if err := tx.Timer.Create().SetOrderID(0).SetTaskID(0).SetNode(sc.Key).SetKind(TimerDigest).
			SetReminder(r.Key).SetReminderVersion(ver).SetDueAt(next.UTC()).SetCreatedAt(now).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// digestLimit caps the tasks listed in one person's digest (the count is exact).
const digestLimit = 50

// fireDigest sends each assignee of an open task of the schedule's flow one
// notification listing their tasks, then writes the schedule's next run (after a
// downtime: one digest now, the next at the next scheduled time, no burst).
func (s *Service) fireDigest(ctx context.Context, tx *ent.Tx, j *store.Journal, tm *ent.Timer, now time.Time) error {
	outcome := func(o string) error { return tx.Timer.UpdateOneID(tm.ID).SetOutcome(o).Exec(ctx) }
	rem, err := s.reminderVersion(ctx, tm.Reminder, tm.ReminderVersion)
	if err != nil {
		return err
	}
	var sc *definitions.Schedule
	if rem != nil {
		for _, x := range rem.Schedules {
			if x.Key == tm.Node {
				sc = x
			}
		}
	}
	if sc == nil {
		return outcome("skipped: the schedule is gone")
	}
	orders, err := tx.Order.Query().Where(order.FlowKey(rem.Flow), order.Status(engine.StatusInReview)).
		Select(order.FieldID, order.FieldNumber).All(ctx)
	if err != nil {
		return err
	}
	numbers := map[int]string{}
	ids := make([]int, len(orders))
	for i, o := range orders {
		numbers[o.ID], ids[i] = o.Number, o.ID
	}
	tasks, err := tx.Task.Query().Where(task.OrderIDIn(ids...), task.Status("open")).Order(ent.Asc(task.FieldCreatedAt)).All(ctx)
	if err != nil {
		return err
	}
	per := map[string][]map[string]any{}
	count := map[string]int{}
	for _, t := range tasks {
		for _, u := range t.Assignees {
			count[u]++
			if len(per[u]) < digestLimit {
				per[u] = append(per[u], map[string]any{"task_id": t.ID, "order_id": t.OrderID, "number": numbers[t.OrderID],
					"node": t.NodeID, "since": t.CreatedAt.UTC().Format(time.RFC3339)})
			}
		}
	}
	users := slices.Sorted(maps.Keys(count))
	for _, u := range users {
		if _, err := j.Notify(ctx, store.Notification{Username: u, Type: "digest",
			Title: fmt.Sprintf("待辦摘要：%d 件待處理", count[u]),
			Data:  map[string]any{"timer": tm.ID, "schedule": sc.Key, "flow": rem.Flow, "count": count[u], "tasks": per[u]}}); err != nil {
			return err
		}
	}
	if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "digest.sent",
		Detail: map[string]any{"timer": tm.ID, "reminder": rem.Key, "schedule": sc.Key, "people": len(users), "tasks": len(tasks)}}); err != nil {
		return err
	}
	if next := sc.Next(now); !next.IsZero() {
		if err := tx.Timer.Create().SetOrderID(0).SetTaskID(0).SetNode(sc.Key).SetKind(TimerDigest).
			SetReminder(tm.Reminder).SetReminderVersion(tm.ReminderVersion).SetDueAt(next.UTC()).SetCreatedAt(now).Exec(ctx); err != nil {
			return err
		}
	}
	return outcome(fmt.Sprintf("digest to %d people", len(users)))
}
