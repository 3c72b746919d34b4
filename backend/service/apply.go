package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/order"
	"sluice/backend/ent/task"
	"sluice/backend/ent/taskassignee"
	"sluice/backend/store"
)

// writer applies one engine result inside the transaction: node instances and tasks,
// the order's status, audit entries for every automatic step, and live events.
type writer struct {
	ctx    context.Context
	tx     *ent.Tx
	j      *store.Journal
	a      Actor
	o      *ent.Order
	now    time.Time
	notify map[string]string // username -> event type
	opened []openTask        // tasks opened, with their node's mode
	s      *Service          // for the reminder timers of opened tasks (timers.go)
	// wait and subflow nodes (hold.go): why a child could not start (the order goes
	// to exception), and parents to resume once this write is done
	exception string
	resumes   []resume
	// decided is the task decision this write carries out (nil for other writes): the
	// order.updated events name it and its audit entry, so a decision whose entry was
	// cut off the audit chain shows in `sluice audit verify`.
	decided *decided
}

// decided is a task's decision and where its audit entry is (chain and number there).
type decided struct {
	TaskID     int
	Action     string
	AuditChain string
	AuditSeq   int64
}

func (s *Service) apply(ctx context.Context, tx *ent.Tx, j *store.Journal, a Actor, o *ent.Order, acted *ent.NodeInstance, r *engine.Result) ([]openTask, error) {
	return s.applyDecided(ctx, tx, j, a, o, acted, r, nil)
}

// applyDecided is apply for a write that carries out a task's decision (d, when not nil).
func (s *Service) applyDecided(ctx context.Context, tx *ent.Tx, j *store.Journal, a Actor, o *ent.Order, acted *ent.NodeInstance, r *engine.Result, d *decided) ([]openTask, error) {
	w := &writer{ctx: ctx, tx: tx, j: j, a: a, o: o, now: j.At(), notify: map[string]string{}, s: s, decided: d}
	if acted != nil && r.Acted != nil {
		if err := w.change(acted, r.Acted); err != nil {
			return nil, err
		}
	}
	// A return (or a rejection that re-enters the flow) takes the whole order back:
	// other parallel branches and waiting joins close before it re-enters.
	if r.CancelRest {
		if err := w.closeRest(acted); err != nil {
			return nil, err
		}
	}
	for _, v := range r.Visits {
		if err := w.visit(v); err != nil {
			return nil, err
		}
	}
	if w.exception != "" {
		r.Status, r.Current = engine.StatusException, []string{}
	}
	if err := w.joins(r.Joins); err != nil {
		return nil, err
	}
	// Nothing stays open on an order that ended (a rejection in one branch ends all).
	if r.Status != "" && r.Status != engine.StatusInReview && r.Status != engine.StatusException {
		if err := w.closeRest(acted); err != nil {
			return nil, err
		}
	}
	if err := w.order(acted, r); err != nil {
		return nil, err
	}
	if err := w.hooks(r); err != nil {
		return nil, err
	}
	if err := w.events(); err != nil {
		return nil, err
	}
	return w.settle()
}

// change writes the acted node's new state and its tasks' fate.
func (w *writer) change(ni *ent.NodeInstance, ch *engine.NodeChange) error {
	ctx, tx := w.ctx, w.tx
	upd := tx.NodeInstance.Update().Where(nodeinstance.ID(ni.ID), nodeinstance.Version(ni.Version)).
		SetStatus(ch.Status).SetApprovals(ch.Approvals).SetRejections(ch.Rejections).
		SetRequired(ch.Need).SetPool(ch.Pool).SetQueue(ch.Queue).SetAfter(ch.After).AddVersion(1)
	if ch.Status != "active" {
		upd.SetEndedAt(w.now)
	}
	n, err := upd.Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return conflict("the review node changed while you acted; reload and try again")
	}
	setStatus := func(ids []int, from []string, to string) error {
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Task.Update().Where(task.IDIn(ids...), task.StatusIn(from...)).SetStatus(to).AddVersion(1).Exec(ctx); err != nil {
			return err
		}
		return tx.TaskAssignee.Update().Where(taskassignee.TaskIDIn(ids...)).SetOpen(to == "open").Exec(ctx)
	}
	if err := setStatus(ch.Done, []string{"open", "waiting"}, "done"); err != nil {
		return err
	}
	if err := setStatus(ch.Cancel, []string{"open", "waiting"}, "cancelled"); err != nil {
		return err
	}
	if err := w.tasksClosed(append(slices.Clone(ch.Done), ch.Cancel...)); err != nil {
		return err
	}
	if err := setStatus(ch.Suspend, []string{"open"}, "waiting"); err != nil {
		return err
	}
	if err := setStatus(ch.Reopen, []string{"waiting"}, "open"); err != nil {
		return err
	}
	for _, id := range ch.Reopen {
		if ch.Recommendation != "" {
			if err := tx.Task.UpdateOneID(id).SetComment(fmt.Sprintf("%s recommends %s", ch.RecommendBy, ch.Recommendation)).Exec(ctx); err != nil {
				return err
			}
		}
		t, err := tx.Task.Get(ctx, id)
		if err != nil {
			return err
		}
		for _, u := range t.Assignees {
			w.notify[u] = "task.reopened"
		}
		w.opened = append(w.opened, openTask{t, ni.Mode})
	}
	for id, users := range ch.Reassign {
		if err := tx.Task.UpdateOneID(id).SetAssignees(users).SetGranted(true).AddVersion(1).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.TaskAssignee.Delete().Where(taskassignee.TaskID(id)).Exec(ctx); err != nil {
			return err
		}
		if err := w.assignees(id, users, true); err != nil {
			return err
		}
	}
	for _, nt := range ch.New {
		if err := w.task(ni.ID, ni.NodeID, ni.Department, ni.Mode, nt); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) assignees(taskID int, users []string, open bool) error {
	bulk := make([]*ent.TaskAssigneeCreate, len(users))
	for i, u := range users {
		bulk[i] = w.tx.TaskAssignee.Create().SetTaskID(taskID).SetUsername(u).SetOpen(open)
		if open {
			w.notify[u] = "task.assigned"
		} else if w.notify[u] == "" {
			w.notify[u] = "task.cc"
		}
	}
	return w.tx.TaskAssignee.CreateBulk(bulk...).Exec(w.ctx)
}

func (w *writer) task(niID int, node, dept, mode string, nt engine.NewTask) error {
	kind := nt.Kind
	if kind == "" {
		kind = engine.KindReview
	}
	c := w.tx.Task.Create().SetOrderID(w.o.ID).SetNodeInstanceID(niID).SetNodeID(node).SetDepartment(dept).
		SetAssignees(nt.Assignees).SetKind(kind).SetGranted(nt.Granted).SetCreatedAt(w.now)
	if nt.Parent != 0 {
		c.SetParentID(nt.Parent)
	}
	t, err := c.Save(w.ctx)
	if err != nil {
		return err
	}
	w.opened = append(w.opened, openTask{t, mode})
	if err := w.openTimers(t); err != nil {
		return err
	}
	return w.assignees(t.ID, nt.Assignees, true)
}

// closeRest cancels the order's open tasks and nodes other than the acted one.
func (w *writer) closeRest(acted *ent.NodeInstance) error {
	ctx, tx := w.ctx, w.tx
	keep := 0
	if acted != nil {
		keep = acted.ID
	}
	ids, err := tx.Task.Query().Where(task.OrderID(w.o.ID), task.StatusIn("open", "waiting"), task.NodeInstanceIDNEQ(keep)).IDs(ctx)
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		if err := tx.Task.Update().Where(task.IDIn(ids...)).SetStatus("cancelled").AddVersion(1).Exec(ctx); err != nil {
			return err
		}
		if err := tx.TaskAssignee.Update().Where(taskassignee.TaskIDIn(ids...)).SetOpen(false).Exec(ctx); err != nil {
			return err
		}
		if err := w.tasksClosed(ids); err != nil {
			return err
		}
	}
	if err := cancelWaits(ctx, tx, w.o.ID); err != nil {
		return err
	}
	subs, err := w.waitingSubflows(keep)
	if err != nil {
		return err
	}
	if err := tx.NodeInstance.Update().Where(nodeinstance.OrderID(w.o.ID), nodeinstance.StatusIn("active", "waiting"), nodeinstance.IDNEQ(keep)).
		SetStatus("cancelled").SetEndedAt(w.now).AddVersion(1).Exec(ctx); err != nil {
		return err
	}
	return w.cancelChildren(subs)
}

// joins writes the joins a transition started (superseding a waiting one) or advanced.
func (w *writer) joins(js map[string]*engine.JoinState) error {
	ctx, tx := w.ctx, w.tx
	for _, id := range slices.Sorted(maps.Keys(js)) {
		st := js[id]
		status := "waiting"
		if st.Arrived >= st.Expected {
			status = "done"
		}
		if st.New {
			if err := tx.NodeInstance.Update().Where(nodeinstance.OrderID(w.o.ID), nodeinstance.NodeID(id), nodeinstance.Status("waiting")).
				SetStatus("cancelled").SetEndedAt(w.now).AddVersion(1).Exec(ctx); err != nil {
				return err
			}
			if err := tx.NodeInstance.Create().SetOrderID(w.o.ID).SetNodeID(id).SetNodeType(engine.TypeJoin).SetStatus(status).
				SetRequired(st.Expected).SetApprovals(st.Arrived).SetCreatedAt(w.now).SetNillableEndedAt(endedAt(map[bool]string{true: "done", false: "active"}[status == "done"], w.now)).Exec(ctx); err != nil {
				return err
			}
			continue
		}
		upd := tx.NodeInstance.Update().Where(nodeinstance.OrderID(w.o.ID), nodeinstance.NodeID(id), nodeinstance.Status("waiting")).
			SetApprovals(st.Arrived).SetStatus(status).AddVersion(1)
		if status == "done" {
			upd.SetEndedAt(w.now)
		}
		n, err := upd.Save(ctx)
		if err != nil {
			return err
		}
		if n != 1 {
			return conflict("the join %s changed meanwhile; reload and try again", id)
		}
	}
	return nil
}

// visit records a node the transition reached.
func (w *writer) visit(v engine.Visit) error {
	ctx, tx, j, o := w.ctx, w.tx, w.j, w.o
	switch v.Type {
	case engine.TypeStart:
		return nil // nothing happens there; the submit entry records it
	case engine.TypeSwitch, engine.TypeParallel, engine.TypeInclusive:
		// a routing decision, kept in the audit trail only
		return j.Audit(ctx, store.Audit{Actor: "system", Action: map[bool]string{true: "branch", false: "fork"}[v.Type == engine.TypeSwitch],
			OrderID: o.ID, Node: v.NodeID, Detail: v.Detail})
	case engine.TypeWait, engine.TypeSubflow:
		return w.hold(v)
	case engine.TypeJoin:
		// its state is written by joins(); the arrival goes into the trail
		return j.Audit(ctx, store.Audit{Actor: "system", Action: "join", OrderID: o.ID, Node: v.NodeID,
			Detail: map[string]any{"arrived": v.Pool, "expected": v.Need, "passed": v.Status == "done"}})
	}
	ni, err := tx.NodeInstance.Create().SetOrderID(o.ID).SetNodeID(v.NodeID).SetNodeType(v.Type).
		SetStatus(v.Status).SetMode(v.Mode).SetRequired(v.Need).SetPool(v.Pool).SetApprovals(len(v.AutoApproved)).
		SetQueue(v.Queue).SetReturnTo(v.ReturnTo).SetDepartment(v.Department).
		SetCreatedAt(w.now).SetNillableEndedAt(endedAt(v.Status, w.now)).Save(ctx)
	if err != nil {
		return err
	}
	if len(v.AutoApproved) > 0 {
		if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "auto_approved", OrderID: o.ID, Node: v.NodeID,
			Detail: map[string]any{"for": v.AutoApproved, "why": "they approved the previous review"}}); err != nil {
			return err
		}
	}
	if len(v.CC) > 0 {
		t, err := tx.Task.Create().SetOrderID(o.ID).SetNodeInstanceID(ni.ID).SetNodeID(v.NodeID).SetDepartment(v.Department).
			SetAssignees(v.CC).SetKind("cc").SetStatus("cc").SetCreatedAt(w.now).Save(ctx)
		if err != nil {
			return err
		}
		if err := w.assignees(t.ID, v.CC, false); err != nil {
			return err
		}
	}
	switch {
	case v.Status == "active":
		for _, nt := range v.Tasks {
			if err := w.task(ni.ID, v.NodeID, v.Department, v.Mode, nt); err != nil {
				return err
			}
		}
		tasks := make([][]string, len(v.Tasks))
		for i, t := range v.Tasks {
			tasks[i] = t.Assignees
		}
		return j.Audit(ctx, store.Audit{Actor: "system", Action: "node_entered", OrderID: o.ID, Node: v.NodeID,
			Detail: map[string]any{"mode": v.Mode, "department": v.Department, "assignees": tasks, "queue": v.Queue, "need": v.Need, "cc": v.CC}})
	case v.Status == "exception":
		return w.raise(v)
	case v.Type == engine.TypeTask:
		return j.Audit(ctx, store.Audit{Actor: "system", Action: "plugin", OrderID: o.ID, Node: v.NodeID,
			Detail: map[string]any{"outcome": v.Outcome, "detail": v.Detail}})
	}
	return nil
}

// order updates the order's status and current nodes.
func (w *writer) order(acted *ent.NodeInstance, r *engine.Result) error {
	o := w.o
	if r.Status == "" && r.Current == nil {
		return nil
	}
	upd := w.tx.Order.Update().Where(order.ID(o.ID), order.Version(o.Version)).SetUpdatedAt(w.now).AddVersion(1)
	if r.Status != "" {
		upd.SetStatus(r.Status)
		o.Status = r.Status
	}
	if r.Current != nil {
		// open nodes now: those still open (all of them unless the order went back or
		// ended), minus the acted one if it closed, plus the ones just entered
		var cur []string
		// (an exception holds the order where it stopped, its other branches open too)
		if !r.CancelRest && (r.Status == "" || r.Status == engine.StatusInReview || r.Status == engine.StatusException) {
			cur = slices.Clone(o.CurrentNodes)
			if acted != nil && r.Acted != nil && r.Acted.Status != "active" {
				if i := slices.Index(cur, acted.NodeID); i >= 0 {
					cur = slices.Delete(cur, i, i+1)
				}
			}
		}
		cur = append(cur, r.Current...)
		if cur == nil {
			cur = []string{}
		}
		upd.SetCurrentNodes(cur)
		o.CurrentNodes = cur
	}
	n, err := upd.Save(w.ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return conflict("the order changed while you acted; reload and try again")
	}
	o.Version++
	o.UpdatedAt = w.now
	if r.Status != "" && r.Status != engine.StatusInReview {
		return w.j.Audit(w.ctx, store.Audit{Actor: "system", Action: "order_" + r.Status, OrderID: o.ID})
	}
	return nil
}

func (w *writer) events() error {
	o := w.o
	data := map[string]any{"order_id": o.ID, "number": o.Number, "status": o.Status, "current_nodes": o.CurrentNodes, "actor": w.a.Username}
	if d := w.decided; d != nil {
		data["task_id"], data["decision"], data["audit_chain"], data["audit_seq"] = d.TaskID, d.Action, d.AuditChain, d.AuditSeq
	}
	for _, topic := range []string{fmt.Sprintf("order:%d", o.ID), "department:" + o.Department} {
		if _, err := w.j.Event(w.ctx, "order.updated", topic, data); err != nil {
			return err
		}
	}
	users := make([]string, 0, len(w.notify))
	for u := range w.notify {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		if _, err := w.j.Event(w.ctx, w.notify[u], "user:"+u, map[string]any{"order_id": o.ID, "number": o.Number, "nodes": o.CurrentNodes}); err != nil {
			return err
		}
	}
	// the tasks opened, for the notice hook (NoticeHook) that reaches people elsewhere
	for _, t := range w.opened {
		for _, u := range t.Assignees {
			w.j.Tell(store.Notification{Username: u, Type: NoticeTask, OrderID: o.ID,
				Data: map[string]any{"task_id": t.ID, "node": t.NodeID, "number": o.Number}})
		}
	}
	return nil
}

func endedAt(status string, now time.Time) *time.Time {
	if status == "active" {
		return nil
	}
	return &now
}
