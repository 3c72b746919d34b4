package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"sluice/backend/definitions"
	"sluice/backend/ent"
	"sluice/backend/ent/definition"
	"sluice/backend/ent/membership"
	"sluice/backend/ent/timer"
	"sluice/backend/ent/user"
	"sluice/backend/store"
)

// The timer table: rows that fall due, claimed and fired exactly once (backend/remind
// runs the loop). The core fires the kinds it owns (a wait node's, a hold's expiry, an
// overdue exception) and hands the reminder kinds (remind, escalate, auto, digest) to
// the reminders feature through its Reminders port.

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

// Reminders is the reminders feature as the core calls it (backend/remind fills it;
// backend/app wires it): the hooks of a task opened, tasks closed and a reminder
// definition published, each in the transaction that did it, and the firing of the
// feature's timer kinds. Without it no reminder timer is written.
type Reminders interface {
	// TaskOpened writes the timers the flow's reminder rule asks for task t.
	TaskOpened(ctx context.Context, tx *ent.Tx, o *ent.Order, t *ent.Task, now time.Time) error
	// TasksClosed cancels the pending timers of tasks that closed.
	TasksClosed(ctx context.Context, tx *ent.Tx, taskIDs []int) error
	// ReminderPublished arms the cron schedules of version ver of a reminder.
	ReminderPublished(ctx context.Context, tx *ent.Tx, r *definitions.Reminder, ver int, now time.Time) error
	// FireReminder carries out timer tm of one of the feature's kinds, which the core
	// has just moved pending -> fired in tx. An AutoFailed error spends the timer.
	FireReminder(ctx context.Context, tx *ent.Tx, j *store.Journal, tm *ent.Timer, now time.Time) error
}

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

// openTimers calls the task-opened hook in the transaction that opens task t.
func (w *writer) openTimers(t *ent.Task) error {
	if w.s == nil || w.s.Reminders == nil {
		return nil
	}
	return w.s.Reminders.TaskOpened(w.ctx, w.tx, w.o, t, w.now)
}

// tasksClosed calls the tasks-closed hook in the transaction that closed them.
func (w *writer) tasksClosed(taskIDs []int) error {
	if len(taskIDs) == 0 || w.s == nil || w.s.Reminders == nil {
		return nil
	}
	return w.s.Reminders.TasksClosed(w.ctx, w.tx, taskIDs)
}

// armSchedules calls the reminder-published hook in the publishing transaction.
func (s *Service) armSchedules(ctx context.Context, tx *ent.Tx, r *definitions.Reminder, ver int, now time.Time) error {
	if s.Reminders == nil {
		return nil
	}
	return s.Reminders.ReminderPublished(ctx, tx, r, ver, now)
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

// AutoFailed wraps a refusal of an automatic action (the engine or a check said no):
// FireTimer then rolls its writes back and spends the timer with the reason recorded,
// never retrying it forever.
type AutoFailed struct{ Err error }

func (e AutoFailed) Error() string { return e.Err.Error() }

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
	var af AutoFailed
	if errors.As(err, &af) {
		// the automatic action's writes are rolled back; spend the timer and say why
		err = s.change(ctx, sys, func(tx *ent.Tx, j *store.Journal) error {
			if err := lockTimerOrder(ctx, tx, id); err != nil {
				return err
			}
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

// lockTimerOrder takes the lock of the order a timer belongs to (none for a timer of
// no order: a digest), before the timer's row is claimed.
func lockTimerOrder(ctx context.Context, tx *ent.Tx, id int) error {
	tm, err := tx.Timer.Query().Where(timer.ID(id)).Select(timer.FieldOrderID).Only(ctx)
	if ent.IsNotFound(err) {
		return errNotFired
	}
	if err != nil || tm.OrderID == 0 {
		return err
	}
	if _, err := lockOrder(ctx, tx, tm.OrderID); ent.IsNotFound(err) {
		return nil // the claim decides what a timer of a deleted order does
	} else if err != nil {
		return err
	}
	return nil
}

func (s *Service) fire(ctx context.Context, tx *ent.Tx, j *store.Journal, id int, now time.Time, by string) error {
	if err := lockTimerOrder(ctx, tx, id); err != nil {
		return err
	}
	tm, err := s.claimFire(ctx, tx, id, now, by)
	if err != nil {
		return err
	}
	outcome := func(o string) error { return tx.Timer.UpdateOneID(id).SetOutcome(o).Exec(ctx) }
	switch tm.Kind {
	case TimerWait:
		return s.fireWait(ctx, tx, j, tm)
	case TimerHoldExpiry:
		msg, err := s.holdExpired(ctx, tx, j, tm)
		if err != nil {
			return err
		}
		return outcome(msg)
	case TimerExceptionOverdue:
		msg, err := s.exceptionOverdue(ctx, tx, j, tm)
		if err != nil {
			return err
		}
		return outcome(msg)
	}
	if s.Reminders == nil {
		return fmt.Errorf("timer %d is a %s timer and no reminders feature is attached", id, tm.Kind)
	}
	return s.Reminders.FireReminder(ctx, tx, j, tm, now)
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
