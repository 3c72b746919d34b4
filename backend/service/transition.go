package service

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/membership"
	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/order"
	"sluice/backend/ent/task"
	"sluice/backend/ent/taskassignee"
	"sluice/backend/ent/user"
	"sluice/backend/store"
	"sluice/plugins"
)

// txEnv answers the engine's questions: inside the transaction that applies its result,
// or (dryRun, for simulation) from the read pool with plugins told to change nothing.
type txEnv struct {
	ctx    context.Context
	c      *ent.Client
	flow   string
	dryRun bool
}

func (e *txEnv) Resolve(a engine.Approvers, dept string, o engine.Order) ([]string, error) {
	if len(a.Users) > 0 {
		return e.c.User.Query().Where(user.UsernameIn(a.Users...), user.Disabled(false)).
			Select(user.FieldUsername).Strings(e.ctx)
	}
	ids, err := e.c.Membership.Query().Where(membership.Department(dept), membership.Role(a.Role)).
		Select(membership.FieldUserID).Ints(e.ctx)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return e.c.User.Query().Where(user.IDIn(ids...), user.Disabled(false)).Select(user.FieldUsername).Strings(e.ctx)
}

func (e *txEnv) Run(n *engine.NodeDoc, o engine.Order) (string, map[string]any, error) {
	p, ok := plugins.Get(n.Plugin)
	if !ok {
		return "", nil, fmt.Errorf("plugin %q is not registered", n.Plugin)
	}
	out, err := p.Run(e.ctx, plugins.Input{Node: n.ID, Settings: n.Settings, DryRun: e.dryRun, Order: plugins.Order{
		ID: o.ID, Number: o.Number, Flow: e.flow, Department: o.Department, Submitter: o.Submitter, Data: o.Data}})
	return out.Outcome, out.Detail, err
}

func engineOrder(o *ent.Order) engine.Order {
	return engine.Order{ID: o.ID, Number: o.Number, Department: o.Department, Submitter: o.Submitter, Data: o.Data}
}

// apply writes an engine result: the acted node, new node instances and tasks, the
// order's status, one audit entry per automatic step, and the live events.
// It returns the tasks it opened, with the review mode of their node.
func (s *Service) apply(ctx context.Context, tx *ent.Tx, j *store.Journal, a Actor, o *ent.Order, acted *ent.NodeInstance, r *engine.Result) ([]openTask, error) {
	var opened []openTask
	now := j.At()
	if acted != nil && r.Acted != nil {
		upd := tx.NodeInstance.Update().Where(nodeinstance.ID(acted.ID), nodeinstance.Version(acted.Version)).
			SetApprovals(r.Acted.Approvals).SetRejections(r.Acted.Rejections).SetStatus(r.Acted.Status).AddVersion(1)
		if r.Acted.Status != "active" {
			upd.SetEndedAt(now)
		}
		n, err := upd.Save(ctx)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, conflict("the review node changed while you acted; reload and try again")
		}
		if len(r.Acted.CancelTasks) > 0 {
			if err := tx.Task.Update().Where(task.IDIn(r.Acted.CancelTasks...), task.Status("open")).
				SetStatus("cancelled").AddVersion(1).Exec(ctx); err != nil {
				return nil, err
			}
			if err := tx.TaskAssignee.Update().Where(taskassignee.TaskIDIn(r.Acted.CancelTasks...)).SetOpen(false).Exec(ctx); err != nil {
				return nil, err
			}
		}
	}
	notify := map[string]bool{}
	for _, v := range r.Visits {
		if v.Type == engine.TypeStart {
			continue // nothing happens there; the submit entry records it
		}
		if v.Type == engine.TypeSwitch {
			if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "branch", OrderID: o.ID, Node: v.NodeID,
				Detail: map[string]any{"to": v.Outcome}}); err != nil {
				return nil, err
			}
			continue // a routing decision, kept in the audit trail only
		}
		st := v.Status
		ni, err := tx.NodeInstance.Create().SetOrderID(o.ID).SetNodeID(v.NodeID).SetNodeType(v.Type).
			SetStatus(st).SetMode(v.Mode).SetRequired(v.Required).SetDepartment(v.Department).
			SetCreatedAt(now).SetNillableEndedAt(endedAt(st, now)).Save(ctx)
		if err != nil {
			return nil, err
		}
		switch {
		case v.Status == "active":
			for _, as := range v.Tasks {
				t, err := tx.Task.Create().SetOrderID(o.ID).SetNodeInstanceID(ni.ID).SetNodeID(v.NodeID).
					SetDepartment(v.Department).SetAssignees(as).SetCreatedAt(now).Save(ctx)
				if err != nil {
					return nil, err
				}
				bulk := make([]*ent.TaskAssigneeCreate, len(as))
				for i, u := range as {
					bulk[i] = tx.TaskAssignee.Create().SetTaskID(t.ID).SetUsername(u)
					notify[u] = true
				}
				if err := tx.TaskAssignee.CreateBulk(bulk...).Exec(ctx); err != nil {
					return nil, err
				}
				opened = append(opened, openTask{t, v.Mode})
			}
			if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "node_entered", OrderID: o.ID, Node: v.NodeID,
				Detail: map[string]any{"mode": v.Mode, "department": v.Department, "assignees": v.Tasks}}); err != nil {
				return nil, err
			}
		case v.Type == engine.TypeTask:
			if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "plugin", OrderID: o.ID, Node: v.NodeID,
				Detail: map[string]any{"outcome": v.Outcome, "detail": v.Detail}}); err != nil {
				return nil, err
			}
		case v.Status == "exception":
			if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "exception", OrderID: o.ID, Node: v.NodeID, Detail: v.Detail}); err != nil {
				return nil, err
			}
		}
	}
	if r.Status != "" || r.Current != nil {
		upd := tx.Order.Update().Where(order.ID(o.ID), order.Version(o.Version)).SetUpdatedAt(now).AddVersion(1)
		if r.Status != "" {
			upd.SetStatus(r.Status)
			o.Status = r.Status
		}
		if r.Current != nil {
			cur := r.Current
			if acted != nil && r.Acted != nil && r.Acted.Status == "active" {
				cur = append(slices.Clone(o.CurrentNodes), cur...)
			}
			upd.SetCurrentNodes(cur)
			o.CurrentNodes = cur
		}
		n, err := upd.Save(ctx)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, conflict("the order changed while you acted; reload and try again")
		}
		o.Version++
		o.UpdatedAt = now
		if r.Status != "" && r.Status != engine.StatusInReview {
			if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "order_" + r.Status, OrderID: o.ID}); err != nil {
				return nil, err
			}
		}
	}
	data := map[string]any{"order_id": o.ID, "number": o.Number, "status": o.Status, "current_nodes": o.CurrentNodes, "actor": a.Username}
	for _, topic := range []string{fmt.Sprintf("order:%d", o.ID), "department:" + o.Department} {
		if _, err := j.Event(ctx, "order.updated", topic, data); err != nil {
			return nil, err
		}
	}
	users := make([]string, 0, len(notify))
	for u := range notify {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		if _, err := j.Event(ctx, "task.assigned", "user:"+u, map[string]any{"order_id": o.ID, "number": o.Number, "nodes": o.CurrentNodes}); err != nil {
			return nil, err
		}
	}
	return opened, nil
}

func endedAt(status string, now time.Time) *time.Time {
	if status == "active" {
		return nil
	}
	return &now
}

// departmentFor picks the department an order is submitted in: the one asked for, or
// the submitter's only department where they may create orders.
func (s *Service) departmentFor(ctx context.Context, a Actor, asked string) (string, error) {
	if asked != "" {
		if !s.can(a, asked, "orders", "create") {
			return "", forbidden("you may not submit orders in department %q", asked)
		}
		return asked, nil
	}
	depts, err := s.Store.Read.Membership.Query().Where(membership.UserID(a.ID)).
		Select(membership.FieldDepartment).Strings(ctx)
	if err != nil {
		return "", err
	}
	slices.Sort(depts)
	depts = slices.Compact(depts)
	var ok []string
	for _, d := range depts {
		if s.can(a, d, "orders", "create") {
			ok = append(ok, d)
		}
	}
	switch len(ok) {
	case 0:
		return "", forbidden("you may not submit orders")
	case 1:
		return ok[0], nil
	}
	return "", invalid("you submit orders for several departments; say which",
		FieldError{"/department", fmt.Sprintf("one of %v", ok)})
}

// Submit validates an order against its flow's form and starts it on the latest
// published version of the flow.
func (s *Service) Submit(ctx context.Context, a Actor, req SubmitRequest, id *Idem) (*OrderView, *Replay, error) {
	if req.Flow == "" {
		return nil, nil, invalid("the order names no flow", FieldError{"/flow", "required: the key of a published flow"})
	}
	f, err := s.Catalog.Flow(ctx, req.Flow, 0)
	if err != nil {
		return nil, nil, err
	}
	if f == nil {
		return nil, nil, invalid("unknown flow", FieldError{"/flow", fmt.Sprintf("no published flow %q", req.Flow)})
	}
	dept, err := s.departmentFor(ctx, a, req.Department)
	if err != nil {
		return nil, nil, err
	}
	form, err := s.Catalog.Form(ctx, f.Doc.Form)
	if err != nil {
		return nil, nil, err
	}
	if form == nil {
		return nil, nil, fmt.Errorf("flow %s names form %q, which is not published", f.Key, f.Doc.Form)
	}
	data := req.Data
	if data == nil {
		return nil, nil, invalid("the order has no data", FieldError{"/data", "required: the order form's fields"})
	}
	if probs := form.Prepare(data); len(probs) > 0 {
		errs := make([]FieldError, len(probs))
		for i, p := range probs {
			errs[i] = FieldError{p.Pointer, p.Message}
		}
		return nil, nil, invalid("the order does not match its form", errs...)
	}
	total, _ := data["total"].(float64)
	var view *OrderView
	var replay *Replay
	err = s.change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		if replay, err = checkIdem(ctx, tx, a, id); err != nil || replay != nil {
			return err
		}
		now := j.At()
		seq := j.NextOrderSeq()
		o, err := tx.Order.Create().SetNumber(fmt.Sprintf("SO-%s-%06d", now.Format("20060102"), seq)).
			SetFlowKey(f.Key).SetFlowVersion(f.Version).SetStatus(engine.StatusInReview).SetDepartment(dept).
			SetSubmitter(a.Username).SetData(data).SetTotal(total).SetCurrentNodes([]string{}).
			SetCreatedAt(now).SetUpdatedAt(now).Save(ctx)
		if err != nil {
			return err
		}
		r, err := engine.Start(f, engineOrder(o), &txEnv{ctx: ctx, c: tx.Client(), flow: o.FlowKey})
		if err != nil {
			return err
		}
		if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: "submitted", OrderID: o.ID,
			Detail: map[string]any{"flow": f.Key, "version": f.Version, "department": dept, "trace": r.Trace}}); err != nil {
			return err
		}
		opened, err := s.apply(ctx, tx, j, a, o, nil, r)
		if err != nil {
			return err
		}
		view = s.orderWithTasks(a, f, o, opened)
		return rememberIdem(ctx, tx, a, id, http.StatusCreated, view)
	})
	if err != nil {
		return nil, nil, err
	}
	return view, replay, nil
}

// ActionRequest is the body of POST /tasks/{id}/actions.
type ActionRequest struct {
	Action  string         `json:"action"`
	Comment string         `json:"comment,omitempty"`
	Reason  string         `json:"reason,omitempty"`
	Node    string         `json:"node,omitempty"`
	User    string         `json:"user,omitempty"`
	Fields  map[string]any `json:"fields,omitempty"`
}

// ActionResult is what an action answers.
type ActionResult struct {
	Task  TaskView  `json:"task"`
	Order OrderView `json:"order"`
}

// supported actions of this engine version; the others are named in the contract and
// answered with a clear 422 until the engine grows them.
var supported = []string{engine.ActApprove, engine.ActReject, engine.ActComment}

// Act applies a reviewer's action to a task in one transaction. A lost race (the task
// was decided meanwhile) is a 409 and changes nothing.
func (s *Service) Act(ctx context.Context, a Actor, taskID int, req ActionRequest, id *Idem) (*ActionResult, *Replay, error) {
	if !slices.Contains(supported, req.Action) {
		return nil, nil, invalid("unsupported action", FieldError{"/action", fmt.Sprintf("%q is not one of %v", req.Action, supported)})
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
		o, err := tx.Order.Get(ctx, t.OrderID)
		if err != nil {
			return err
		}
		f, err := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion)
		if err != nil {
			return err
		}
		if f == nil {
			return fmt.Errorf("order %d is pinned to flow %s v%d, which is missing", o.ID, o.FlowKey, o.FlowVersion)
		}
		if !slices.Contains(t.Assignees, a.Username) || !s.can(a, t.Department, nodeObject(f.Key, t.NodeID), req.Action) {
			return forbidden("you may not %s this task", req.Action)
		}
		if t.Status != "open" {
			return conflict("this task is already %s", t.Status)
		}
		ni, err := tx.NodeInstance.Get(ctx, t.NodeInstanceID)
		if err != nil {
			return err
		}
		open, err := tx.Task.Query().Where(task.NodeInstanceID(ni.ID), task.Status("open")).All(ctx)
		if err != nil {
			return err
		}
		st := engine.NodeState{NodeID: ni.NodeID, Mode: ni.Mode, Required: ni.Required, Approvals: ni.Approvals, Rejections: ni.Rejections}
		for _, ot := range open {
			st.Open = append(st.Open, engine.TaskRef{ID: ot.ID, Assignees: ot.Assignees})
		}
		r, err := engine.Act(f, st, engine.Action{Kind: req.Action, TaskID: t.ID, Actor: a.Username, Reason: req.Reason, Comment: req.Comment},
			engineOrder(o), &txEnv{ctx: ctx, c: tx.Client(), flow: o.FlowKey})
		if err != nil {
			if ee, ok := engine.AsError(err); ok {
				switch ee.Kind {
				case engine.Forbidden:
					return forbidden("%s", ee.Message)
				case engine.Conflict:
					return conflict("%s", ee.Message)
				default:
					return invalid(ee.Message, FieldError{ee.Pointer, ee.Message})
				}
			}
			return err
		}
		if req.Action != engine.ActComment {
			// The conditional update is what makes a lost race harmless: only one
			// transaction can move the task off this version.
			n, err := tx.Task.Update().Where(task.ID(t.ID), task.Version(t.Version), task.Status("open")).
				SetStatus("done").SetDecision(req.Action).SetDecidedBy(a.Username).SetDecidedAt(j.At()).AddVersion(1).Save(ctx)
			if err != nil {
				return err
			}
			if n == 0 {
				return conflict("this task was decided by someone else meanwhile")
			}
			if err := tx.TaskAssignee.Update().Where(taskassignee.TaskID(t.ID)).SetOpen(false).Exec(ctx); err != nil {
				return err
			}
		}
		detail := map[string]any{"trace": r.Trace}
		if req.Comment != "" {
			detail["comment"] = req.Comment
		}
		if req.Reason != "" {
			detail["reason"] = req.Reason
		}
		if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: req.Action, OrderID: o.ID, Node: t.NodeID, TaskID: t.ID, Detail: detail}); err != nil {
			return err
		}
		opened, err := s.apply(ctx, tx, j, a, o, ni, r)
		if err != nil {
			return err
		}
		if req.Action != engine.ActComment {
			at := j.At()
			t.Status, t.Decision, t.DecidedBy, t.DecidedAt, t.Version = "done", req.Action, a.Username, &at, t.Version+1
		}
		// The order's open tasks now: the node's others that stay open, and the new ones.
		var still []openTask
		if r.Acted == nil || r.Acted.Status == "active" {
			for _, ot := range open {
				if ot.ID != t.ID || req.Action == engine.ActComment {
					still = append(still, openTask{ot, ni.Mode})
				}
			}
		}
		ov := s.orderWithTasks(a, f, o, append(still, opened...))
		res = &ActionResult{Task: s.taskView(a, f, o, t, ni.Mode), Order: *ov}
		return rememberIdem(ctx, tx, a, id, http.StatusOK, res)
	})
	if err != nil {
		return nil, nil, err
	}
	return res, replay, nil
}
