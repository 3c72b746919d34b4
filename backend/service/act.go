package service

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/exception"
	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/order"
	"sluice/backend/ent/task"
	"sluice/backend/i18n"
	"sluice/backend/store"
)

// ActionRequest is the body of POST /tasks/{id}/actions.
type ActionRequest struct {
	Action    string         `json:"action" max:"32"`
	Comment   string         `json:"comment,omitempty" max:"2000"` // as MaxCommentLen
	Reason    string         `json:"reason,omitempty" max:"2000"`
	Node      string         `json:"node,omitempty" max:"100"`    // return: the earlier node to go back to
	User      string         `json:"user,omitempty" max:"64"`     // transfer, delegate, add_signer
	Position  string         `json:"position,omitempty" max:"16"` // add_signer: before | after
	Checklist []bool         `json:"checklist,omitempty" max:"200"`
	Fields    map[string]any `json:"fields,omitempty"`
	// auto is set by a reminder timer's automatic action (never from a request body):
	// the system decides (engine.Action.Auto), and this goes into the audit detail.
	auto map[string]any
	// via is set by ActVia (a decision from a message link; ports.go).
	via *Via
}

// ActionResult is what an action answers.
type ActionResult struct {
	Task  TaskView  `json:"task"`
	Order OrderView `json:"order"`
}

// Order-level actions taken through one of the order's tasks.
const (
	ActWithdraw = "withdraw"
	ActUrge     = "urge"
)

// Actions lists every action POST /tasks/{id}/actions takes.
var Actions = append(slices.Clone(engine.TaskActions), ActWithdraw, ActUrge)

// UrgeEvery is how often the submitter may urge the same task.
const UrgeEvery = 10 * time.Minute

// Act applies an action to a task in one transaction. A lost race (the task was
// decided meanwhile) is a 409 and changes nothing.
func (s *Service) Act(ctx context.Context, a Actor, taskID int, req ActionRequest, id *Idem) (*ActionResult, *Replay, error) {
	if !slices.Contains(Actions, req.Action) {
		return nil, nil, invalid("unsupported action", FieldError{Pointer: "/action", Message: fmt.Sprintf("%q is not one of %v", req.Action, Actions)})
	}
	var res *ActionResult
	var replay *Replay
	err := s.change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		var err error
		if replay, err = checkIdem(ctx, tx, a, id); err != nil || replay != nil {
			return err
		}
		t, err := tx.Task.Get(ctx, taskID)
		if ent.IsNotFound(err) {
			return notFound("task")
		}
		if err != nil {
			return err
		}
		o, err := lockOrder(ctx, tx, t.OrderID)
		if err != nil {
			return err
		}
		// the task as the previous holder of the order's lock left it
		if t, err = tx.Task.Get(ctx, taskID); err != nil {
			return err
		}
		f, err := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion)
		if err != nil {
			return err
		}
		if f == nil {
			return fmt.Errorf("order %d is pinned to flow %s v%d, which is missing", o.ID, o.FlowKey, o.FlowVersion)
		}
		if req.via != nil && req.via.Claim != nil {
			if err := req.via.Claim(ctx, tx); err != nil {
				return err
			}
		}
		switch req.Action {
		case ActWithdraw:
			res, err = s.withdraw(ctx, tx, j, a, f, o, t)
		case ActUrge:
			res, err = s.urge(ctx, tx, j, a, f, o, t, req)
		default:
			res, err = s.decide(ctx, tx, j, a, f, o, t, req)
		}
		if err != nil {
			return err
		}
		return rememberIdem(ctx, tx, a, id, http.StatusOK, res)
	})
	if err != nil {
		return nil, nil, err
	}
	return res, replay, nil
}

// mayAct: a task resolved from a role needs the role's grant on the node (Casbin). A
// task given by someone's action (transfer, delegation, added signer) carries that
// action's authority, and one resolved from named users, a form field or the manager
// chain carries the published definition's.
func (s *Service) mayAct(a Actor, f *engine.Flow, t *ent.Task, action string) bool {
	if !slices.Contains(t.Assignees, a.Username) {
		return false
	}
	if t.Granted || t.Kind == engine.KindDelegate || t.Kind == engine.KindBefore {
		return true
	}
	if n := f.Nodes[t.NodeID]; n != nil && (n.Approvers == nil || n.Approvers.Role == "") {
		return true
	}
	return s.can(a, t.Department, nodeObject(f.Key, t.NodeID), action)
}

// closedTask is the 409 a task that is no longer open answers, with why: decided,
// cancelled as the order went on without it, or moved by a version migration (its
// node gone from the order's version, or closed by the migration's own transaction).
func closedTask(ctx context.Context, c *ent.Client, f *engine.Flow, t *ent.Task) (*Error, error) {
	switch {
	case t.Status == "done" && t.DecidedBy != "":
		return taskChanged(TaskDecided, "problem.task.decided_by", i18n.Params{"Decision": t.Decision, "By": t.DecidedBy}), nil
	case t.Status == "done":
		return taskChanged(TaskDecided, "problem.task.decided", nil), nil
	case t.Status == "cancelled" && f.Nodes[t.NodeID] == nil:
		return taskChanged(TaskMoved, "problem.task.moved_no_node", i18n.Params{"Version": f.Version, "Flow": f.Key, "Node": t.NodeID}), nil
	case t.Status == "cancelled":
		moved, err := closedByMigration(ctx, c, t)
		if err != nil {
			return nil, err
		}
		if moved {
			return taskChanged(TaskMoved, "problem.task.moved", i18n.Params{"Version": f.Version, "Flow": f.Key}), nil
		}
		return taskChanged(TaskCancelled, "problem.task.went_on", nil), nil
	}
	return taskChanged(TaskCancelled, "problem.task.status", i18n.Params{"Status": t.Status}), nil
}

// closedByMigration says whether a cancelled task was closed by a version migration:
// its node instance ended in the transaction that journaled the order's "migrated".
func closedByMigration(ctx context.Context, c *ent.Client, t *ent.Task) (bool, error) {
	ni, err := c.NodeInstance.Get(ctx, t.NodeInstanceID)
	if err != nil || ni.EndedAt == nil {
		return false, err
	}
	moves, err := c.AuditEntry.Query().Where(auditentry.OrderID(t.OrderID), auditentry.Action("migrated")).
		Select(auditentry.FieldAt).All(ctx)
	if err != nil {
		return false, err
	}
	for _, m := range moves {
		if d := m.At.Sub(*ni.EndedAt); d > -time.Microsecond && d < time.Microsecond {
			return true, nil
		}
	}
	return false, nil
}

func (s *Service) decide(ctx context.Context, tx *ent.Tx, j *store.Journal, a Actor, f *engine.Flow, o *ent.Order, t *ent.Task, req ActionRequest) (*ActionResult, error) {
	if t.Kind != "cc" && t.Status != "open" && (req.auto != nil || slices.Contains(t.Assignees, a.Username)) {
		// 409 "it changed", before 403 "you may not": the task was yours, and it was
		// decided, cancelled or moved by a version migration (whose flow may no longer
		// grant its node to anyone)
		e, err := closedTask(ctx, tx.Client(), f, t)
		if err != nil {
			return nil, err
		}
		return nil, e
	}
	if t.Kind == "cc" || (req.auto == nil && !s.mayAct(a, f, t, req.Action)) {
		return nil, forbidden("you may not %s this task", req.Action)
	}
	if req.via != nil && t.Version != req.via.Version {
		return nil, taskChanged(TaskMoved, "problem.task.changed_since_message", nil)
	}
	if o.Status == engine.StatusException {
		// the whole order waits for its exception; a decision now could move it past it
		return nil, conflict("the order is held by an exception; resolve it first")
	}
	if req.Action == engine.ActApprove && req.auto == nil {
		if err := s.freshEnough(a, f.Nodes[t.NodeID], o.Total); err != nil {
			return nil, err
		}
	}
	ni, err := tx.NodeInstance.Get(ctx, t.NodeInstanceID)
	if err != nil {
		return nil, err
	}
	live, err := tx.Task.Query().Where(task.NodeInstanceID(ni.ID), task.StatusIn("open", "waiting"), task.KindNEQ("cc")).
		Order(ent.Asc(task.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	st := engine.NodeState{NodeID: ni.NodeID, Mode: ni.Mode, Need: ni.Required, Pool: ni.Pool, Approvals: ni.Approvals,
		Rejections: ni.Rejections, Queue: ni.Queue, After: ni.After, ReturnTo: ni.ReturnTo}
	for _, lt := range live {
		ref := engine.TaskRef{ID: lt.ID, Assignees: lt.Assignees, Kind: lt.Kind, Waiting: lt.Status == "waiting"}
		if lt.ParentID != nil {
			ref.Parent = *lt.ParentID
		}
		st.Tasks = append(st.Tasks, ref)
	}
	// One read of the order's node history gives the review nodes passed (for returns)
	// and the joins waiting for branches.
	passed, err := tx.NodeInstance.Query().Where(nodeinstance.OrderID(o.ID), nodeinstance.Or(
		nodeinstance.And(nodeinstance.NodeType(engine.TypeReview), nodeinstance.Status("approved")),
		nodeinstance.And(nodeinstance.NodeType(engine.TypeJoin), nodeinstance.Status("waiting")))).
		Order(ent.Asc(nodeinstance.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	var visited []string
	var joins map[string]engine.JoinState
	for _, p := range passed {
		if p.NodeType == engine.TypeReview {
			visited = append(visited, p.NodeID)
			continue
		}
		if joins == nil {
			joins = map[string]engine.JoinState{}
		}
		joins[p.NodeID] = engine.JoinState{Expected: p.Required, Arrived: p.Approvals}
	}
	approved, err := tx.Task.Query().Where(task.NodeInstanceID(ni.ID), task.Decision(engine.ActApprove), task.KindIn(engine.KindReview)).
		Select(task.FieldDecidedBy).Strings(ctx)
	if err != nil {
		return nil, err
	}
	ea := engine.Action{Kind: req.Action, TaskID: t.ID, Actor: a.Username, Reason: req.Reason, Comment: req.Comment,
		Node: req.Node, User: req.User, Position: req.Position, Checklist: req.Checklist, Visited: dedupeKeepLast(visited), Approved: slices.DeleteFunc(approved, func(u string) bool { return u == engine.SystemActor }),
		Auto: req.auto != nil}
	if len(req.Fields) > 0 && req.auto == nil {
		if req.Action != engine.ActApprove && req.Action != engine.ActComment {
			return nil, invalid("fields can be edited with approve or comment", FieldError{Pointer: "/fields", Message: "send edits with approve or comment"})
		}
		data, changed, err := s.edit(ctx, f.Nodes[ni.NodeID], f, o, req.Fields)
		if err != nil {
			return nil, err
		}
		gone, err := s.saveEdit(ctx, tx, j, a, o, ni.NodeID, data, changed)
		if err != nil {
			return nil, err
		}
		if len(gone) > 0 {
			// Approvals that saw the old values no longer hold: the order goes back to
			// those nodes, one after another, then straight back here.
			ea.Kind, ea.Node, ea.Then, ea.Reason = engine.ActReturn, gone[0], append(slices.Clone(gone[1:]), ni.NodeID), ""
			ea.Comment = fmt.Sprintf("changed %v voids the approvals of %v", changed, gone)
			req.Action = engine.ActReturn
		}
	}
	parallel := len(o.CurrentNodes) > 1
	eo := engineOrder(o)
	eo.Joins = joins
	r, err := engine.Act(f, st, ea, eo, &txEnv{ctx: ctx, c: tx.Client(), flow: o.FlowKey})
	if pf, ok := failure(err); ok {
		return nil, pf
	}
	if err != nil {
		if ee, ok := engine.AsError(err); ok {
			switch ee.Kind {
			case engine.Forbidden:
				return nil, forbidden("%s", ee.Message)
			case engine.Conflict:
				return nil, conflict("%s", ee.Message)
			default:
				return nil, invalid(ee.Message, FieldError{Pointer: ee.Pointer, Message: ee.Message})
			}
		}
		return nil, err
	}
	decides := false // this action is the task's decision (its audit entry is cross-checked)
	if req.Action != engine.ActComment {
		// The conditional update is what makes a lost race harmless: only one
		// transaction can move the task off this version.
		upd := tx.Task.Update().Where(task.ID(t.ID), task.Version(t.Version), task.Status("open")).AddVersion(1)
		if slices.Contains([]string{engine.ActApprove, engine.ActReject, engine.ActReturn}, req.Action) {
			upd.SetDecision(req.Action).SetDecidedBy(a.Username).SetDecidedAt(j.At())
			t.Decision, t.DecidedBy = req.Action, a.Username
			decides = true
		}
		if req.Action == engine.ActApprove {
			// the approval's fingerprint: what this reviewer saw, and its hash
			seen := seenFields(f.Nodes[ni.NodeID], o.Data)
			upd.SetSeen(seen).SetFingerprint(fingerprint(seen, o.Data))
		}
		n, err := upd.Save(ctx)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, taskChanged(TaskDecided, "problem.task.decided_meanwhile", nil)
		}
		t.Version++
	}
	detail := map[string]any{"trace": r.Trace}
	for k, v := range map[string]string{"comment": req.Comment, "reason": req.Reason, "node": req.Node, "user": req.User, "position": req.Position} {
		if v != "" {
			detail[k] = v
		}
	}
	if req.auto != nil {
		detail["auto"] = req.auto
	}
	if req.via != nil {
		detail["via"] = req.via.Detail
	}
	if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: req.Action, OrderID: o.ID, Node: t.NodeID, TaskID: t.ID, Detail: detail}); err != nil {
		return nil, err
	}
	var d *decided
	if decides {
		chain, seq := j.AuditRef()
		d = &decided{TaskID: t.ID, Action: t.Decision, AuditChain: chain, AuditSeq: seq}
	}
	opened, err := s.applyDecided(ctx, tx, j, a, o, ni, r, d)
	if err != nil {
		return nil, err
	}
	if r.Acted != nil {
		switch {
		case slices.Contains(r.Acted.Done, t.ID):
			t.Status = "done"
		case slices.Contains(r.Acted.Suspend, t.ID):
			t.Status = "waiting"
		}
		if us, ok := r.Acted.Reassign[t.ID]; ok {
			t.Assignees = us
		}
	}
	// The order's open tasks now: the node's others that stay, and the new ones.
	var still []openTask
	if r.Acted == nil || r.Acted.Status == "active" {
		gone := []int{}
		if r.Acted != nil {
			gone = append(append(gone, r.Acted.Done...), r.Acted.Cancel...)
			gone = append(gone, r.Acted.Reopen...) // re-listed from opened
		}
		for _, lt := range live {
			if slices.Contains(gone, lt.ID) {
				continue
			}
			if lt.ID == t.ID {
				lt = t
			} else if r.Acted != nil {
				if slices.Contains(r.Acted.Suspend, lt.ID) {
					lt.Status = "waiting"
				}
				if us, ok := r.Acted.Reassign[lt.ID]; ok {
					lt.Assignees = us
				}
			}
			still = append(still, openTask{lt, ni.Mode})
		}
	}
	ov, err := s.orderWithTasks(ctx, tx.Client(), a, f, o, append(still, opened...))
	if err != nil {
		return nil, err
	}
	if parallel || len(o.CurrentNodes) > 1 {
		// parallel branches: the other branches' tasks are not in hand; read them all
		if ov, err = s.orderDetail(ctx, tx.Client(), a, o); err != nil {
			return nil, err
		}
	}
	return &ActionResult{Task: s.taskView(a, f, o, t, ni.Mode), Order: *ov}, nil
}

// dedupeKeepLast keeps the last visit of each node, in order (a node passed twice
// because of a return counts where it was passed last).
func dedupeKeepLast(ids []string) []string {
	var out []string
	for i, id := range ids {
		if !slices.Contains(ids[i+1:], id) {
			out = append(out, id)
		}
	}
	return out
}

// withdraw: the submitter takes the order back, as the flow's policy allows.
func (s *Service) withdraw(ctx context.Context, tx *ent.Tx, j *store.Journal, a Actor, f *engine.Flow, o *ent.Order, t *ent.Task) (*ActionResult, error) {
	if a.Username != o.Submitter {
		return nil, Refuse(http.StatusForbidden, "problem.forbidden.withdraw_not_submitter", nil)
	}
	if o.Status != engine.StatusInReview && o.Status != engine.StatusException {
		return nil, conflict("the order is %s", o.Status)
	}
	policy := f.Doc.Withdraw
	if policy == "" {
		policy = engine.WithdrawUntouched
	}
	switch policy {
	case engine.WithdrawNever:
		return nil, Refuse(http.StatusForbidden, "problem.forbidden.withdraw_not_allowed", nil)
	case engine.WithdrawUntouched:
		touched, err := tx.Task.Query().Where(task.OrderID(o.ID), task.DecisionIn(engine.ActApprove, engine.ActReject, engine.ActReturn),
			task.DecidedByNEQ(o.Submitter)).Exist(ctx)
		if err != nil {
			return nil, err
		}
		if touched {
			return nil, conflict("a reviewer has already acted on this order; it can no longer be withdrawn")
		}
	}
	w := &writer{ctx: ctx, tx: tx, j: j, a: a, o: o, now: j.At(), notify: map[string]string{}, s: s}
	if err := w.closeRest(nil); err != nil { // every open task, node and timer of the order
		return nil, err
	}
	n, err := tx.Order.Update().Where(order.ID(o.ID), order.Version(o.Version)).SetStatus("withdrawn").
		SetCurrentNodes([]string{}).SetUpdatedAt(j.At()).AddVersion(1).Save(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, conflict("the order changed meanwhile")
	}
	o.Status, o.CurrentNodes, o.Version = "withdrawn", []string{}, o.Version+1
	// an exception of a withdrawn order has nothing left to resolve
	if err := tx.Exception.Update().Where(exception.OrderID(o.ID), exception.Status("open")).SetStatus("resolved").
		SetResolution(ResolveCancel).SetResolvedBy(a.Username).SetResolvedAt(j.At()).SetNote("order withdrawn").Exec(ctx); err != nil {
		return nil, err
	}
	if err := cancelOverdue(ctx, tx, o.ID, ""); err != nil {
		return nil, err
	}
	if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: ActWithdraw, OrderID: o.ID, Detail: map[string]any{"policy": policy}}); err != nil {
		return nil, err
	}
	if err := w.hooks(nil); err != nil {
		return nil, err
	}
	if err := w.events(); err != nil {
		return nil, err
	}
	t.Status = "cancelled"
	ov, err := s.orderWithTasks(ctx, tx.Client(), a, f, o, nil)
	if err != nil {
		return nil, err
	}
	return &ActionResult{Task: s.taskView(a, f, o, t, ""), Order: *ov}, nil
}

// urge reminds a task's assignees, at most once per UrgeEvery per task.
func (s *Service) urge(ctx context.Context, tx *ent.Tx, j *store.Journal, a Actor, f *engine.Flow, o *ent.Order, t *ent.Task, req ActionRequest) (*ActionResult, error) {
	// Only the submitter: chasing a task is asking on behalf of the order, and reading
	// every order (read_all) or administering does not make it someone's to chase.
	if a.Username != o.Submitter {
		return nil, Refuse(http.StatusForbidden, "problem.forbidden.urge_not_submitter", nil)
	}
	if t.Status != "open" && t.Status != "waiting" {
		e, err := closedTask(ctx, tx.Client(), f, t)
		if err != nil {
			return nil, err
		}
		return nil, e
	}
	if slices.Contains(t.Assignees, a.Username) {
		return nil, invalid("this task is yours", FieldError{Pointer: "/action", Message: "decide your own task instead of urging it"})
	}
	if t.UrgedAt != nil && j.At().Sub(*t.UrgedAt) < UrgeEvery {
		wait := UrgeEvery - j.At().Sub(*t.UrgedAt)
		return nil, &Error{Status: http.StatusTooManyRequests, Detail: fmt.Sprintf("this task was urged recently; try again in %s", wait.Round(time.Second)), RetryAfter: wait}
	}
	n, err := tx.Task.Update().Where(task.ID(t.ID), task.Version(t.Version)).SetUrgedAt(j.At()).AddVersion(1).Save(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, conflict("the task changed meanwhile")
	}
	at := j.At()
	t.UrgedAt, t.Version = &at, t.Version+1
	if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: ActUrge, OrderID: o.ID, Node: t.NodeID, TaskID: t.ID,
		Detail: map[string]any{"assignees": t.Assignees, "comment": req.Comment}}); err != nil {
		return nil, err
	}
	for _, u := range t.Assignees {
		if _, err := j.Event(ctx, "task.urged", "user:"+u, map[string]any{"order_id": o.ID, "number": o.Number, "task_id": t.ID, "by": a.Username, "comment": req.Comment}); err != nil {
			return nil, err
		}
	}
	ov, err := s.orderDetail(ctx, tx.Client(), a, o)
	if err != nil {
		return nil, err
	}
	return &ActionResult{Task: s.taskView(a, f, o, t, ""), Order: *ov}, nil
}

// BatchRequest is the body of POST /tasks/batch: one action on many tasks.
type BatchRequest struct {
	Tasks []int `json:"tasks"`
	ActionRequest
}

// BatchItem is the outcome for one task of a batch.
type BatchItem struct {
	Task   int           `json:"task"`
	Status int           `json:"status"`
	Result *ActionResult `json:"result,omitempty"`
	Error  *Error        `json:"error,omitempty"`
}

// Batch applies one action to many tasks, each in its own transaction and checked on
// its own: one refusal does not stop the others.
func (s *Service) Batch(ctx context.Context, a Actor, req BatchRequest) ([]BatchItem, error) {
	if len(req.Tasks) == 0 || len(req.Tasks) > 200 {
		return nil, invalid("give 1 to 200 tasks", FieldError{Pointer: "/tasks", Message: "1 to 200 task ids"})
	}
	if req.Action != engine.ActApprove && req.Action != engine.ActReject && req.Action != engine.ActComment {
		return nil, invalid("batch takes approve, reject or comment", FieldError{Pointer: "/action", Message: "approve, reject or comment"})
	}
	out := make([]BatchItem, 0, len(req.Tasks))
	for _, id := range req.Tasks {
		res, _, err := s.Act(ctx, a, id, req.ActionRequest, nil)
		it := BatchItem{Task: id, Status: http.StatusOK, Result: res}
		if err != nil {
			e, ok := AsError(err)
			if !ok {
				return nil, err
			}
			it.Status, it.Error, it.Result = e.Status, e, nil
		}
		out = append(out, it)
	}
	return out, nil
}
