package service

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sluice/backend/definitions"
	"sluice/backend/durations"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/order"
	"sluice/backend/ent/task"
	"sluice/backend/ent/timer"
	"sluice/backend/store"
)

// TimerWait is a wait node's timer: order id and node set, task id 0. Firing it
// resumes the order from the node's waiting instance.
const TimerWait = "wait"

// SourceSubflow marks an order started by a parent's subflow node. Its external_ref is
// "<parent id>:<node id>:<node instance id>", unique by the (source, external_ref) index.
const SourceSubflow = "subflow"

// parentWriterKey carries the writer of a parent order into the apply of the child it
// starts: a child that ends as it starts must resume its parent only after the
// parent's own write is done (it holds the parent's row and version).
type parentWriterKey struct{}

// hold records a wait or subflow visit: a node instance (waiting, or done when a wait
// passed at once) and what it waits for, in the transaction of the visit.
func (w *writer) hold(v engine.Visit) error {
	ctx, tx, j, o := w.ctx, w.tx, w.j, w.o
	if v.Status != "waiting" || v.Hold == nil {
		if err := tx.NodeInstance.Create().SetOrderID(o.ID).SetNodeID(v.NodeID).SetNodeType(v.Type).SetStatus("done").
			SetCreatedAt(w.now).SetEndedAt(w.now).Exec(ctx); err != nil {
			return err
		}
		return j.Audit(ctx, store.Audit{Actor: "system", Action: "wait_passed", OrderID: o.ID, Node: v.NodeID, Detail: v.Detail})
	}
	if v.Type == engine.TypeSubflow {
		return w.startChild(v)
	}
	due := v.Hold.Until
	if v.Hold.After != "" {
		d, err := durations.Parse(v.Hold.After)
		if err != nil {
			return fmt.Errorf("wait %s: %w", v.NodeID, err)
		}
		due = w.now.Add(d.Std())
	}
	if err := tx.NodeInstance.Create().SetOrderID(o.ID).SetNodeID(v.NodeID).SetNodeType(v.Type).SetStatus("waiting").
		SetCreatedAt(w.now).Exec(ctx); err != nil {
		return err
	}
	if err := tx.Timer.Create().SetOrderID(o.ID).SetTaskID(0).SetNode(v.NodeID).SetKind(TimerWait).
		SetDueAt(due.UTC()).SetCreatedAt(w.now).Exec(ctx); err != nil {
		return err
	}
	detail := map[string]any{"until": due.UTC().Format(time.RFC3339)}
	for k, x := range v.Detail {
		if k != "until" {
			detail[k] = x
		}
	}
	return j.Audit(ctx, store.Audit{Actor: "system", Action: "wait", OrderID: o.ID, Node: v.NodeID, Detail: detail})
}

// startChild starts the child order of a subflow visit on the latest published version
// of its flow, with the data the engine mapped. Data the child's form refuses sends the
// parent to exception (as a review without approvers does), recorded on the node.
func (w *writer) startChild(v engine.Visit) error {
	ctx, tx, j, o, s := w.ctx, w.tx, w.j, w.o, w.s
	f, err := s.Catalog.Flow(ctx, v.Hold.Flow, 0)
	if err != nil {
		return err
	}
	var why string
	var probs []map[string]any
	var form *definitions.Form
	if f == nil {
		why = fmt.Sprintf("sub-flow %q is not published", v.Hold.Flow)
	} else if form, err = s.Catalog.Form(ctx, f.Doc.Form); err != nil {
		return err
	} else if form == nil {
		why = fmt.Sprintf("the form %q of sub-flow %q is not published", f.Doc.Form, f.Key)
	}
	data := v.Hold.Data
	if why == "" {
		for _, p := range form.Prepare(data) {
			probs = append(probs, map[string]any{"pointer": p.Pointer, "message": p.Message})
		}
		if len(probs) > 0 {
			why = fmt.Sprintf("the data mapped for sub-flow %s does not match its form %q", f.Key, form.Key)
		}
	}
	if why != "" {
		if err := tx.NodeInstance.Create().SetOrderID(o.ID).SetNodeID(v.NodeID).SetNodeType(v.Type).SetStatus("exception").
			SetCreatedAt(w.now).SetEndedAt(w.now).Exec(ctx); err != nil {
			return err
		}
		w.exception = why
		return j.Audit(ctx, store.Audit{Actor: "system", Action: "exception", OrderID: o.ID, Node: v.NodeID,
			Detail: map[string]any{"reason": why, "flow": v.Hold.Flow, "errors": probs}})
	}
	ni, err := tx.NodeInstance.Create().SetOrderID(o.ID).SetNodeID(v.NodeID).SetNodeType(v.Type).SetStatus("waiting").
		SetCreatedAt(w.now).Save(ctx)
	if err != nil {
		return err
	}
	total, _ := data["total"].(float64)
	customer, _ := data["customer"].(string)
	ref := fmt.Sprintf("%d:%s:%d", o.ID, v.NodeID, ni.ID)
	seq, err := j.NextOrderSeq(ctx)
	if err != nil {
		return err
	}
	child, err := tx.Order.Create().SetNumber(fmt.Sprintf("SO-%s-%06d", w.now.Format("20060102"), seq)).
		SetFlowKey(f.Key).SetFlowVersion(f.Version).SetStatus(engine.StatusInReview).SetDepartment(o.Department).
		SetSubmitter(o.Submitter).SetData(data).SetTotal(total).SetCurrentNodes([]string{}).SetCustomer(customer).
		SetSource(SourceSubflow).SetExternalRef(ref).SetParentID(o.ID).SetCreatedAt(w.now).SetUpdatedAt(w.now).Save(ctx)
	if err != nil {
		return err
	}
	if err := store.LockOrders(ctx, tx, child.ID); err != nil {
		return err
	}
	if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "subflow_started", OrderID: o.ID, Node: v.NodeID,
		Detail: map[string]any{"child": child.ID, "number": child.Number, "flow": f.Key, "version": f.Version}}); err != nil {
		return err
	}
	r, err := engine.Start(f, engineOrder(child), &txEnv{ctx: ctx, c: tx.Client(), flow: child.FlowKey})
	if err != nil {
		return err
	}
	if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "submitted", OrderID: child.ID,
		Detail: map[string]any{"flow": f.Key, "version": f.Version, "department": child.Department, "source": SourceSubflow,
			"external_ref": ref, "parent": o.ID, "parent_number": o.Number, "trace": r.Trace}}); err != nil {
		return err
	}
	_, err = s.apply(context.WithValue(ctx, parentWriterKey{}, w), tx, j, w.a, child, nil, r)
	return err
}

// resume is a waiting node of w.o to resume once w is done.
type resume struct {
	ni      int
	outcome string
	child   *ent.Order
}

// childEnded resumes the parent of a subflow child that has just ended (any status but
// in review or exception), in the child's transaction. When the parent is being
// written in this very transaction (the child ended as it started), it resumes after
// the parent's write instead.
func (w *writer) childEnded() error {
	o := w.o
	if o.Source != SourceSubflow || o.ParentID == nil || o.ExternalRef == nil ||
		o.Status == "" || o.Status == engine.StatusInReview || o.Status == engine.StatusException {
		return nil
	}
	ni, err := refNode(*o.ExternalRef)
	if err != nil {
		return err
	}
	if pw, ok := w.ctx.Value(parentWriterKey{}).(*writer); ok && pw.o.ID == *o.ParentID {
		pw.resumes = append(pw.resumes, resume{ni: ni, outcome: o.Status, child: o})
		return nil
	}
	parent, err := w.tx.Order.Get(w.ctx, *o.ParentID)
	if err != nil {
		return err
	}
	_, err = w.s.resumeChild(w.ctx, w.tx, w.j, parent, resume{ni: ni, outcome: o.Status, child: o})
	return err
}

// refNode reads the node instance id from a child's external_ref.
func refNode(ref string) (int, error) {
	i := strings.LastIndexByte(ref, ':')
	id, err := strconv.Atoi(ref[i+1:])
	if i < 0 || err != nil {
		return 0, fmt.Errorf("subflow reference %q names no node instance", ref)
	}
	return id, nil
}

// settle runs the resumes deferred while w was written, returning every task opened.
func (w *writer) settle() ([]openTask, error) {
	opened := w.opened
	for _, rs := range w.resumes {
		// the parent's write of this transaction (an auto-passed review, say) must be
		// readable by the resume: lastApprovers reads its audit entries
		if err := w.j.FlushAudits(w.ctx); err != nil {
			return nil, err
		}
		more, err := w.s.resumeChild(w.ctx, w.tx, w.j, w.o, rs)
		if err != nil {
			return nil, err
		}
		opened = append(opened, more...)
	}
	return opened, nil
}

// resumeChild records a child's end on its parent's timeline and resumes the parent
// from the subflow node, along the edge of the child's end status. The node instance's
// conditional update makes this happen once; a node that no longer waits (the parent
// went back or ended meanwhile) only gets the history line.
func (s *Service) resumeChild(ctx context.Context, tx *ent.Tx, j *store.Journal, parent *ent.Order, rs resume) ([]openTask, error) {
	detail := map[string]any{"child": rs.child.ID, "number": rs.child.Number, "outcome": rs.outcome, "flow": rs.child.FlowKey}
	ni, err := tx.NodeInstance.Get(ctx, rs.ni)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	node := ""
	if ni != nil {
		node = ni.NodeID
	}
	if ni == nil || ni.OrderID != parent.ID || ni.Status != "waiting" || parent.Status != engine.StatusInReview {
		detail["resumed"] = false
		return nil, j.Audit(ctx, store.Audit{Actor: "system", Action: "subflow_ended", OrderID: parent.ID, Node: node, Detail: detail})
	}
	r, err := s.resumeAt(ctx, tx, parent, ni, rs.outcome)
	if err != nil {
		return nil, err
	}
	detail["resumed"], detail["trace"] = true, r.Trace
	if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "subflow_ended", OrderID: parent.ID, Node: node, Detail: detail}); err != nil {
		return nil, err
	}
	return s.apply(ctx, tx, j, Actor{Username: "system"}, parent, ni, r)
}

// resumeAt runs the engine's Resume for a waiting node instance of o, with the joins
// that wait for branches (the node may sit inside a parallel branch).
func (s *Service) resumeAt(ctx context.Context, tx *ent.Tx, o *ent.Order, ni *ent.NodeInstance, outcome string) (*engine.Result, error) {
	f, err := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, fmt.Errorf("order %d is pinned to flow %s v%d, which is missing", o.ID, o.FlowKey, o.FlowVersion)
	}
	joins, err := tx.NodeInstance.Query().Where(nodeinstance.OrderID(o.ID), nodeinstance.NodeType(engine.TypeJoin),
		nodeinstance.Status("waiting")).All(ctx)
	if err != nil {
		return nil, err
	}
	eo := engineOrder(o)
	for _, jn := range joins {
		if eo.Joins == nil {
			eo.Joins = map[string]engine.JoinState{}
		}
		eo.Joins[jn.NodeID] = engine.JoinState{Expected: jn.Required, Arrived: jn.Approvals}
	}
	// auto_pass on a review after the wait looks at who approved the review before it
	if eo.LastApprovers, err = lastApprovers(ctx, tx, o.ID); err != nil {
		return nil, err
	}
	return engine.Resume(f, ni.NodeID, outcome, eo, &txEnv{ctx: ctx, c: tx.Client(), flow: o.FlowKey})
}

// fireWait resumes the order from the wait node the timer was set for. closeRest
// cancels an order's pending wait timers whenever it closes its waiting nodes, so a
// pending timer always belongs to the node's current waiting instance.
func (s *Service) fireWait(ctx context.Context, tx *ent.Tx, j *store.Journal, tm *ent.Timer) error {
	outcome := func(o string) error { return tx.Timer.UpdateOneID(tm.ID).SetOutcome(o).Exec(ctx) }
	ni, err := tx.NodeInstance.Query().Where(nodeinstance.OrderID(tm.OrderID), nodeinstance.NodeID(tm.Node),
		nodeinstance.NodeType(engine.TypeWait), nodeinstance.Status("waiting")).Order(ent.Asc(nodeinstance.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return outcome("skipped: the node no longer waits")
	}
	if err != nil {
		return err
	}
	o, err := tx.Order.Get(ctx, tm.OrderID)
	if err != nil {
		return err
	}
	if o.Status != engine.StatusInReview {
		return outcome("skipped: the order is " + o.Status)
	}
	r, err := s.resumeAt(ctx, tx, o, ni, "")
	if err != nil {
		return err
	}
	if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "wait_over", OrderID: o.ID, Node: tm.Node,
		Detail: map[string]any{"timer": tm.ID, "due_at": tm.DueAt.UTC().Format(time.RFC3339), "trace": r.Trace}}); err != nil {
		return err
	}
	if _, err := s.apply(ctx, tx, j, Actor{Username: "system"}, o, ni, r); err != nil {
		return err
	}
	return outcome("resumed")
}

// cancelWaits cancels the order's pending wait timers when its waiting nodes close (a
// return or an end), so a stale timer can never resume a later visit of the node.
func cancelWaits(ctx context.Context, tx *ent.Tx, orderID int) error {
	return tx.Timer.Update().Where(timer.OrderID(orderID), timer.Kind(TimerWait), timer.Status(TimerPending)).
		SetStatus(TimerCancelled).SetOutcome("the wait was cancelled").Exec(ctx)
}

// compilingKey holds the flow versions being compiled up the call chain (Catalog.Flow).
type compilingKey struct{}

func compiling(ctx context.Context, k string) bool {
	for c, _ := ctx.Value(compilingKey{}).(*chain); c != nil; c = c.up {
		if c.key == k {
			return true
		}
	}
	return false
}

type chain struct {
	key string
	up  *chain
}

func withCompiling(ctx context.Context, k string) context.Context {
	up, _ := ctx.Value(compilingKey{}).(*chain)
	return context.WithValue(ctx, compilingKey{}, &chain{k, up})
}

// waitingSubflows lists the order's subflow node instances that wait for a child,
// except keep.
func (w *writer) waitingSubflows(keep int) ([]int, error) {
	return w.tx.NodeInstance.Query().Where(nodeinstance.OrderID(w.o.ID), nodeinstance.NodeType(engine.TypeSubflow),
		nodeinstance.Status("waiting"), nodeinstance.IDNEQ(keep)).IDs(w.ctx)
}

// cancelChildren cancels the running children of subflow node instances that closed
// (a return or an end took the parent's branch away): nobody waits for their outcome,
// and their tasks must not linger in anyone's inbox. Each child's end is recorded on
// the parent's timeline as not resumed.
func (w *writer) cancelChildren(nis []int) error {
	if len(nis) == 0 {
		return nil
	}
	ctx, tx := w.ctx, w.tx
	// holding the parent's lock, no writer of its children runs (each locks its
	// lineage, the parent first): what is read is current
	kids, err := tx.Order.Query().Where(order.ParentID(w.o.ID), order.Source(SourceSubflow),
		order.StatusIn(engine.StatusInReview, engine.StatusException)).All(ctx)
	if err != nil {
		return err
	}
	ids := make([]int, len(kids))
	for i, kid := range kids {
		ids[i] = kid.ID
	}
	if err := store.LockOrders(ctx, tx, ids...); err != nil {
		return err
	}
	for _, kid := range kids {
		if kid.ExternalRef == nil {
			continue
		}
		if id, err := refNode(*kid.ExternalRef); err != nil || !slices.Contains(nis, id) {
			continue
		}
		cw := &writer{ctx: ctx, tx: tx, j: w.j, a: w.a, o: kid, now: w.now, notify: map[string]string{}, s: w.s}
		if err := cw.closeRest(nil); err != nil {
			return err
		}
		n, err := tx.Order.Update().Where(order.ID(kid.ID), order.Version(kid.Version)).SetStatus("cancelled").
			SetCurrentNodes([]string{}).SetUpdatedAt(w.now).AddVersion(1).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict("sub-flow order %s changed meanwhile; try again", kid.Number)
		}
		kid.Status, kid.CurrentNodes, kid.Version = "cancelled", []string{}, kid.Version+1
		if err := w.j.Audit(ctx, store.Audit{Actor: "system", Action: "order_cancelled", OrderID: kid.ID,
			Detail: map[string]any{"why": "the parent order no longer waits for this sub-flow", "parent": w.o.ID, "parent_number": w.o.Number}}); err != nil {
			return err
		}
		if err := cw.hooks(nil); err != nil {
			return err
		}
		if err := cw.events(); err != nil {
			return err
		}
	}
	return nil
}

// lastApprovers are who approved the review node the order passed most recently (by
// when it passed), for auto_pass on a review reached by a resumption (a wait, a
// sub-flow, an exception's resolution). The system's automatic decisions never count.
func lastApprovers(ctx context.Context, tx *ent.Tx, orderID int) ([]string, error) {
	last, err := tx.NodeInstance.Query().Where(nodeinstance.OrderID(orderID), nodeinstance.NodeType(engine.TypeReview),
		nodeinstance.Status("approved")).Order(ent.Desc(nodeinstance.FieldEndedAt), ent.Desc(nodeinstance.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	names, err := tx.Task.Query().Where(task.NodeInstanceID(last.ID), task.Decision(engine.ActApprove), task.KindIn(engine.KindReview),
		task.DecidedByNEQ(engine.SystemActor)).Order(ent.Asc(task.FieldDecidedAt), ent.Asc(task.FieldID)).Select(task.FieldDecidedBy).Strings(ctx)
	if err != nil || len(names) > 0 || last.Approvals == 0 {
		return names, err
	}
	// As the engine counts them (move.pass): a node that had tasks passed on its
	// reviewers' decisions, and the people auto-passed beside them or approved by a
	// timer (the system) do not count — even when no person decided there at all.
	if had, err := tx.Task.Query().Where(task.NodeInstanceID(last.ID), task.KindIn(engine.KindReview)).Exist(ctx); err != nil || had {
		return []string{}, err
	}
	// auto-passed as a whole: its approvers are the ones the auto_approved entry names
	e, err := tx.AuditEntry.Query().Where(auditentry.OrderID(orderID), auditentry.Node(last.NodeID), auditentry.Action("auto_approved")).
		Order(ent.Desc(auditentry.FieldSeq)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	list, _ := e.Detail["for"].([]any)
	for _, v := range list {
		if s, ok := v.(string); ok {
			names = append(names, s)
		}
	}
	return names, nil
}
