package service

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"sluice/backend/authz"
	"sluice/backend/durations"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/exception"
	"sluice/backend/ent/membership"
	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/order"
	"sluice/backend/ent/predicate"
	"sluice/backend/ent/timer"
	"sluice/backend/ent/user"
	"sluice/backend/i18n"
	"sluice/backend/store"
	"sluice/plugins"
)

// ReasonError is the exception reason of a plugin error that named no reason.
const ReasonError = engine.ReasonError

// DefaultExceptionWithin is how long an exception may stay open when its node's flow
// says nothing.
const DefaultExceptionWithin = 24 * time.Hour

// Resolutions of an exception.
const (
	ResolveRetry    = "retry"
	ResolveOverride = "override"
	ResolveCancel   = "cancel"
)

// Resolutions lists what POST /exceptions/{id}/resolve takes.
var Resolutions = []string{ResolveRetry, ResolveOverride, ResolveCancel}

// ExceptionView is an exception as the API shows it.
type ExceptionView struct {
	ID          int            `json:"id"`
	OrderID     int            `json:"order_id"`
	OrderNumber string         `json:"order_number,omitempty"`
	Flow        string         `json:"flow,omitempty"`
	Node        string         `json:"node"`
	NodeName    engine.Text    `json:"node_name,omitempty"`
	Reason      string         `json:"reason"`
	Message     string         `json:"message"`
	Detail      map[string]any `json:"detail,omitempty"`
	Department  string         `json:"department"`
	Owner       string         `json:"owner,omitempty"`
	OwnerRole   string         `json:"owner_role,omitempty"`
	Owners      []string       `json:"owners"`
	Deadline    *time.Time     `json:"deadline,omitempty"`
	Overdue     bool           `json:"overdue"`
	Status      string         `json:"status"`
	Resolution  string         `json:"resolution,omitempty"`
	ResolvedBy  string         `json:"resolved_by,omitempty"`
	ResolvedAt  *time.Time     `json:"resolved_at,omitempty"`
	Note        string         `json:"note,omitempty"`
	CanResolve  bool           `json:"can_resolve"`
	CreatedAt   time.Time      `json:"created_at"`
}

// raise records an exception visit: the Exception row with its owner and deadline,
// live events for the owning department's board and the admins, and a notification to
// each owner — all in the transaction of the transition that stopped the order.
func (w *writer) raise(v engine.Visit) error {
	ctx, o := w.ctx, w.o
	f, err := w.s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion)
	if err != nil {
		return err
	}
	var pol engine.ExceptionPolicy
	var name engine.Text
	if f != nil && f.Nodes[v.NodeID] != nil {
		name = f.Nodes[v.NodeID].Name
		if p := f.Nodes[v.NodeID].Exception; p != nil {
			pol = *p
		}
	}
	dept := o.Department
	if pol.OwnerDepartment != "" {
		dept = pol.OwnerDepartment
	}
	within := DefaultExceptionWithin
	if pol.Within != "" {
		if d, err := durations.Span(pol.Within); err == nil {
			within = d
		}
	}
	owners, err := w.s.exceptionOwners(ctx, w.tx.Client(), pol, dept)
	if err != nil {
		return err
	}
	detail := map[string]any{"owners": owners}
	if d, ok := v.Detail["detail"].(map[string]any); ok && len(d) > 0 {
		detail["checks"] = d
	}
	if v.ReturnTo != "" {
		detail["return_to"] = v.ReturnTo // a resolution keeps the direct-return path
	}
	message := any(v.Message)
	if text, ok := v.Detail["text"]; ok && text != nil {
		detail["text"] = text // the message as data: each reader gets it in their language
		message = text
	}
	if pol.OwnerRole != "" {
		detail["owner_role"] = pol.OwnerRole
	}
	deadline := w.now.Add(within)
	row, err := w.tx.Exception.Create().SetOrderID(o.ID).SetNode(v.NodeID).SetReason(v.Reason).SetMessage(v.Message).
		SetDetail(detail).SetDepartment(dept).SetOwner(pol.Owner).SetDeadline(deadline).SetCreatedAt(w.now).Save(ctx)
	if err != nil {
		return err
	}
	if err := w.j.Audit(ctx, store.Audit{Actor: "system", Action: "exception", OrderID: o.ID, Node: v.NodeID, Detail: map[string]any{
		"exception": row.ID, "reason": v.Reason, "message": v.Message, "detail": v.Detail["detail"], "department": dept, "owners": owners, "deadline": deadline}}); err != nil {
		return err
	}
	ev := map[string]any{"exception_id": row.ID, "order_id": o.ID, "number": o.Number, "node": v.NodeID, "reason": v.Reason,
		"message": v.Message, "department": dept, "owners": owners, "deadline": deadline}
	for _, topic := range exceptionTopics(dept, o.Department) {
		if _, err := w.j.Event(ctx, "exception.raised", topic, ev); err != nil {
			return err
		}
	}
	// the deadline is durable: the scheduler tells the owners and admins when it passes
	if err := w.tx.Timer.Create().SetOrderID(o.ID).SetTaskID(0).SetNode(v.NodeID).SetKind(TimerExceptionOverdue).
		SetDueAt(deadline).SetCreatedAt(w.now).Exec(ctx); err != nil {
		return err
	}
	title := i18n.Params{"Number": o.Number, "Reason": i18n.M("exception.reason."+v.Reason, nil), "Node": i18n.L(name, v.NodeID), "Message": message}
	for _, u := range owners {
		if _, err := w.j.Notify(ctx, store.Notification{Username: u, Type: "exception", Key: "notice.exception", Params: title, OrderID: o.ID, Data: ev}); err != nil {
			return err
		}
	}
	return nil
}

// exceptionTopics: the owning department's board, the order's (when another), admins.
func exceptionTopics(dept, orderDept string) []string {
	ts := []string{"department:" + dept}
	if orderDept != dept {
		ts = append(ts, "department:"+orderDept)
	}
	return append(ts, "admin")
}

// exceptionOwners are the people told about an exception: the named owner, else the
// holders of the owner role in the department, else whoever may resolve exceptions
// there (the department's default desk).
func (s *Service) exceptionOwners(ctx context.Context, c *ent.Client, pol engine.ExceptionPolicy, dept string) ([]string, error) {
	if pol.Owner != "" {
		return c.User.Query().Where(user.Username(pol.Owner), user.Disabled(false)).Select(user.FieldUsername).Strings(ctx)
	}
	q := c.Membership.Query().Where(membership.Department(dept))
	if pol.OwnerRole != "" {
		q.Where(membership.Role(pol.OwnerRole))
	}
	ids, err := q.Select(membership.FieldUserID).Ints(ctx)
	if err != nil || len(ids) == 0 {
		return []string{}, err
	}
	names, err := c.User.Query().Where(user.IDIn(ids...), user.Disabled(false)).Order(ent.Asc(user.FieldUsername)).
		Select(user.FieldUsername).Strings(ctx)
	if err != nil {
		return nil, err
	}
	if pol.OwnerRole != "" {
		return names, nil
	}
	out := []string{}
	for _, n := range names {
		if s.Authz.Can(authz.Subject(n), dept, "exceptions", "resolve") {
			out = append(out, n)
		}
	}
	return out, nil
}

// mayResolve: Casbin's exceptions.resolve in the exception's department or the order's
// (or everywhere), or being the user the flow names as its owner.
func (s *Service) mayResolve(a Actor, e *ent.Exception, o *ent.Order) bool {
	if e.Owner != "" && e.Owner == a.Username {
		return true
	}
	return s.can(a, e.Department, "exceptions", "resolve") || s.can(a, o.Department, "exceptions", "resolve") ||
		s.can(a, authz.Global, "exceptions", "resolve")
}

func (s *Service) exceptionView(ctx context.Context, a Actor, e *ent.Exception, o *ent.Order, now time.Time) ExceptionView {
	v := ExceptionView{ID: e.ID, OrderID: e.OrderID, Node: e.Node, Reason: e.Reason, Message: e.Message, Detail: e.Detail,
		Department: e.Department, Owner: e.Owner, Owners: []string{}, Deadline: e.Deadline, Status: e.Status, Resolution: e.Resolution,
		ResolvedBy: e.ResolvedBy, ResolvedAt: e.ResolvedAt, Note: e.Note, CreatedAt: e.CreatedAt}
	if ow, ok := e.Detail["owners"].([]any); ok {
		for _, u := range ow {
			if s, ok := u.(string); ok {
				v.Owners = append(v.Owners, s)
			}
		}
	}
	v.OwnerRole, _ = e.Detail["owner_role"].(string)
	if text, ok := i18n.Text(i18n.FromContext(ctx), e.Detail["text"]); ok {
		v.Message = text // in the reader's language (the row keeps the English)
	}
	v.Overdue = e.Status == "open" && e.Deadline != nil && now.After(*e.Deadline)
	if o != nil {
		v.OrderNumber, v.Flow = o.Number, o.FlowKey
		if f, _ := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion); f != nil && f.Nodes[e.Node] != nil {
			v.NodeName = f.Nodes[e.Node].Name
		}
		v.CanResolve = e.Status == "open" && s.mayResolve(a, e, o)
	}
	return v
}

// ExceptionFilter narrows GET /exceptions.
type ExceptionFilter struct {
	Status, Reason, Department, Flow string
	Cursor                           string
	Limit                            int
}

// ExceptionPage is one page of the exception inbox.
type ExceptionPage struct {
	Items      []ExceptionView `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

// visibleExceptions scopes the inbox as GET /orders is scoped: everything for holders
// of orders.read_all; else the exceptions owned by, or raised on orders of, the
// departments where the actor reads orders or resolves exceptions, the ones naming
// them as owner, and those on their own orders.
func (s *Service) visibleExceptions(ctx context.Context, a Actor) (predicate.Exception, error) {
	if s.canAnywhere(a, "orders", "read_all") {
		return nil, nil
	}
	depts, err := s.Store.Read.Membership.Query().Where(membership.UserID(a.ID)).Select(membership.FieldDepartment).Strings(ctx)
	if err != nil {
		return nil, err
	}
	var mine []any
	for _, d := range slices.Compact(slices.Sorted(slices.Values(depts))) {
		if s.can(a, d, "orders", "read") || s.can(a, d, "exceptions", "resolve") {
			mine = append(mine, d)
		}
	}
	orders := func(sel *entsql.Selector) {
		t := entsql.Table(order.Table)
		cond := entsql.EQ(t.C(order.FieldSubmitter), a.Username)
		if len(mine) > 0 {
			cond = entsql.Or(cond, entsql.In(t.C(order.FieldDepartment), mine...))
		}
		// correlated (EXISTS), so the inbox walks exceptions newest first and stops at a page
		sel.Where(entsql.Exists(entsql.Select(t.C(order.FieldID)).From(t).Where(entsql.And(entsql.ColumnsEQ(t.C(order.FieldID), sel.C(exception.FieldOrderID)), cond))))
	}
	ps := []predicate.Exception{exception.Owner(a.Username), orders}
	if len(mine) > 0 {
		ds := make([]string, len(mine))
		for i, d := range mine {
			ds[i] = d.(string)
		}
		ps = append(ps, exception.DepartmentIn(ds...))
	}
	return exception.Or(ps...), nil
}

// ListExceptions is the exception inbox, newest first, with a cursor.
func (s *Service) ListExceptions(ctx context.Context, a Actor, f ExceptionFilter) (*ExceptionPage, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	q := s.Store.Read.Exception.Query()
	vis, err := s.visibleExceptions(ctx, a)
	if err != nil {
		return nil, err
	}
	if vis != nil {
		q.Where(vis)
	}
	switch f.Status {
	case "", "open":
		q.Where(exception.Status("open"))
	case "resolved":
		q.Where(exception.Status("resolved"))
	case "all":
	default:
		return nil, invalid("the query is not valid", FieldError{Pointer: "/status", Message: "open (default), resolved or all"})
	}
	if f.Reason != "" {
		q.Where(exception.ReasonIn(strings.Split(f.Reason, ",")...))
	}
	if f.Department != "" {
		q.Where(exception.Department(f.Department))
	}
	if f.Flow != "" {
		flow := f.Flow
		q.Where(func(sel *entsql.Selector) {
			t := entsql.Table(order.Table)
			sel.Where(entsql.In(sel.C(exception.FieldOrderID), entsql.Select(t.C(order.FieldID)).From(t).Where(entsql.EQ(t.C(order.FieldFlowKey), flow))))
		})
	}
	if c, err := parseCursor(f.Cursor); err != nil {
		return nil, err
	} else if c > 0 {
		q.Where(exception.IDLT(c))
	}
	rows, err := q.Order(ent.Desc(exception.FieldID)).Limit(f.Limit + 1).All(ctx)
	if err != nil {
		return nil, err
	}
	page := &ExceptionPage{Items: make([]ExceptionView, 0, len(rows))}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		page.NextCursor = strconv.Itoa(rows[len(rows)-1].ID)
	}
	ids := make([]int, len(rows))
	for i, e := range rows {
		ids[i] = e.OrderID
	}
	os, err := s.Store.Read.Order.Query().Where(order.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int]*ent.Order{}
	for _, o := range os {
		byID[o.ID] = o
	}
	g, err := s.guard(ctx, s.Store.Read, a, os...)
	if err != nil {
		return nil, err
	}
	now := store.Now()
	for _, e := range rows {
		v := s.exceptionView(ctx, a, e, byID[e.OrderID], now)
		if err := g.exception(ctx, byID[e.OrderID], &v); err != nil {
			return nil, err
		}
		page.Items = append(page.Items, v)
	}
	return page, nil
}

// GetException returns one exception the actor may see.
func (s *Service) GetException(ctx context.Context, a Actor, id int) (*ExceptionView, error) {
	e, err := s.Store.Read.Exception.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, notFound("exception")
	}
	if err != nil {
		return nil, err
	}
	vis, err := s.visibleExceptions(ctx, a)
	if err != nil {
		return nil, err
	}
	if vis != nil {
		ok, err := s.Store.Read.Exception.Query().Where(exception.ID(id), vis).Exist(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, Refuse(http.StatusForbidden, "problem.forbidden.see_exception", nil)
		}
	}
	o, err := s.Store.Read.Order.Get(ctx, e.OrderID)
	if err != nil {
		return nil, err
	}
	v := s.exceptionView(ctx, a, e, o, store.Now())
	g, err := s.guard(ctx, s.Store.Read, a, o)
	if err != nil {
		return nil, err
	}
	if err := g.exception(ctx, o, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ResolveRequest is the body of POST /exceptions/{id}/resolve.
type ResolveRequest struct {
	Action string `json:"action" max:"32"`
	Note   string `json:"note,omitempty" max:"2000"`
	// Data (retry only) patches the order's top-level fields before the node runs again.
	Data map[string]any `json:"data,omitempty"`
	// User (override of a review that resolved no approver) gets the review task.
	User string `json:"user,omitempty" max:"64"`
}

// ResolveResult is what a resolution answers: the exception and the order after it.
type ResolveResult struct {
	Exception ExceptionView `json:"exception"`
	Order     OrderView     `json:"order"`
}

// ResolveException retries, overrides or cancels an open exception in one transaction:
// the data fix, the engine's move, the resolution, the audit entry and the events. A
// refusal (4xx) writes nothing; a second resolution or an order that moved meanwhile
// is a 409.
func (s *Service) ResolveException(ctx context.Context, a Actor, id int, req ResolveRequest) (*ResolveResult, error) {
	var errs []FieldError
	switch {
	case !slices.Contains(Resolutions, req.Action):
		errs = append(errs, FieldError{Pointer: "/action", Message: fmt.Sprintf("%q is not one of %v", req.Action, Resolutions)})
	case req.Action == ResolveOverride && strings.TrimSpace(req.Note) == "":
		errs = append(errs, FieldError{Pointer: "/note", Message: "an override needs a note saying why the order may go on"})
	}
	if req.Data != nil && req.Action != ResolveRetry {
		errs = append(errs, FieldError{Pointer: "/data", Message: "data is fixed with retry only"})
	}
	if req.User != "" && req.Action != ResolveOverride {
		errs = append(errs, FieldError{Pointer: "/user", Message: "a user is assigned with override only"})
	}
	if len(errs) > 0 {
		return nil, invalid("the resolution is not valid", errs...)
	}
	var res *ResolveResult
	err := s.change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		e, err := tx.Exception.Get(ctx, id)
		if ent.IsNotFound(err) {
			return notFound("exception")
		}
		if err != nil {
			return err
		}
		o, err := lockOrder(ctx, tx, e.OrderID)
		if err != nil {
			return err
		}
		// the exception as the previous holder of the order's lock left it
		if e, err = tx.Exception.Get(ctx, id); err != nil {
			return err
		}
		if !s.mayResolve(a, e, o) {
			return forbidden("you may not resolve exceptions of department %q", e.Department)
		}
		if e.Status != "open" {
			return conflict("this exception was already resolved (%s by %s)", e.Resolution, e.ResolvedBy)
		}
		if o.Status != engine.StatusException || !slices.Contains(o.CurrentNodes, e.Node) {
			return conflict("the order moved on (%s at %v); reload it", o.Status, o.CurrentNodes)
		}
		f, err := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion)
		if err != nil {
			return err
		}
		if f == nil {
			return fmt.Errorf("order %d is pinned to flow %s v%d, which is missing", o.ID, o.FlowKey, o.FlowVersion)
		}
		now := j.At()
		n, err := tx.Exception.Update().Where(exception.ID(e.ID), exception.Status("open")).SetStatus("resolved").
			SetResolution(req.Action).SetResolvedBy(a.Username).SetResolvedAt(now).SetNote(req.Note).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict("this exception was resolved by someone else meanwhile")
		}
		e.Status, e.Resolution, e.ResolvedBy, e.ResolvedAt, e.Note = "resolved", req.Action, a.Username, &now, req.Note
		if err := cancelOverdue(ctx, tx, o.ID, e.Node); err != nil {
			return err
		}
		detail := map[string]any{"exception": e.ID, "reason": e.Reason, "action": req.Action}
		for k, v := range map[string]string{"note": req.Note, "user": req.User} {
			if v != "" {
				detail[k] = v
			}
		}
		if req.Data != nil {
			changed, err := s.patchOrder(ctx, tx, f, o, req.Data, j.At())
			if err != nil {
				return err
			}
			detail["changed"] = changed
		}
		if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: "exception_resolved", OrderID: o.ID, Node: e.Node, Detail: detail}); err != nil {
			return err
		}
		ev := map[string]any{"exception_id": e.ID, "order_id": o.ID, "number": o.Number, "node": e.Node, "reason": e.Reason,
			"resolution": req.Action, "by": a.Username}
		for _, topic := range exceptionTopics(e.Department, o.Department) {
			if _, err := j.Event(ctx, "exception.resolved", topic, ev); err != nil {
				return err
			}
		}
		if req.Action == ResolveCancel {
			if err := s.cancelOrder(ctx, tx, j, a, o); err != nil {
				return err
			}
		} else if err := s.resume(ctx, tx, j, a, f, o, e, req); err != nil {
			return err
		}
		ov, err := s.orderDetail(ctx, tx.Client(), a, o)
		if err != nil {
			return err
		}
		res = &ResolveResult{Exception: s.exceptionView(ctx, a, e, o, now), Order: *ov}
		g, err := s.guard(ctx, tx.Client(), a, o)
		if err != nil {
			return err
		}
		return g.exception(ctx, o, &res.Exception)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// patchOrder writes the fixed top-level fields after checking the whole order against
// its form (pointers into /data); it returns the fields that changed.
func (s *Service) patchOrder(ctx context.Context, tx *ent.Tx, f *engine.Flow, o *ent.Order, patch map[string]any, at time.Time) ([]string, error) {
	form, err := s.Catalog.Form(ctx, f.Doc.Form)
	if err != nil {
		return nil, err
	}
	data := map[string]any{}
	b, _ := json.Marshal(o.Data) // a deep copy: the new data must not share maps with the old
	_ = json.Unmarshal(b, &data)
	maps.Copy(data, patch)
	if form != nil {
		if probs := form.Prepare(data); len(probs) > 0 {
			errs := make([]FieldError, len(probs))
			for i, p := range probs {
				errs[i] = FromProblem(p.Pointer, p)
			}
			return nil, Refuse(422, "problem.fixed_order_form_mismatch", nil, errs...)
		}
	}
	var changed []string
	for _, k := range slices.Sorted(maps.Keys(data)) {
		ob, _ := json.Marshal(o.Data[k])
		nb, _ := json.Marshal(data[k])
		if string(ob) != string(nb) {
			changed = append(changed, k)
		}
	}
	total, _ := data["total"].(float64)
	n, err := tx.Order.Update().Where(order.ID(o.ID), order.Version(o.Version)).SetData(data).SetTotal(total).
		SetCustomer(plugins.CustomerKey(data)).SetUpdatedAt(at).AddVersion(1).Save(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, conflict("the order changed meanwhile; reload and try again")
	}
	o.Data, o.Total, o.Customer, o.Version = data, total, plugins.CustomerKey(data), o.Version+1
	return changed, nil
}

// resume moves the order on from the exception's node (retry: run it again; override:
// pass it, or give its review to a user) and applies the engine's result.
func (s *Service) resume(ctx context.Context, tx *ent.Tx, j *store.Journal, a Actor, f *engine.Flow, o *ent.Order, e *ent.Exception, req ResolveRequest) error {
	eo := engineOrder(o)
	joins, err := waitingJoins(ctx, tx, o.ID)
	if err != nil {
		return err
	}
	eo.Joins = joins
	// auto_pass on a review the order reaches now looks at who approved the one before
	if eo.LastApprovers, err = lastApprovers(ctx, tx, o.ID); err != nil {
		return err
	}
	returnTo, _ := e.Detail["return_to"].(string)
	env := &txEnv{ctx: ctx, c: tx.Client(), flow: o.FlowKey}
	var r *engine.Result
	switch {
	case req.Action == ResolveRetry:
		r, err = engine.Retry(f, e.Node, eo, env, returnTo)
	case req.User != "":
		r, err = engine.Assign(f, e.Node, req.User, eo, env, returnTo)
	default:
		r, err = engine.Skip(f, e.Node, eo, env, returnTo)
	}
	if err != nil {
		if ee, ok := engine.AsError(err); ok {
			switch ee.Kind {
			case engine.Conflict:
				return conflict("%s", ee.Message)
			case engine.Forbidden:
				return forbidden("%s", ee.Message)
			}
			return invalid(ee.Message, FieldError{Pointer: ee.Pointer, Message: ee.Message})
		}
		return err
	}
	// The node leaves the order's current nodes; the result adds where it went.
	o.CurrentNodes = slices.DeleteFunc(slices.Clone(o.CurrentNodes), func(n string) bool { return n == e.Node })
	if r.Status == engine.StatusInReview {
		// another exception of the order (a parallel branch) still holds it
		more, err := tx.Exception.Query().Where(exception.OrderID(o.ID), exception.Status("open")).Exist(ctx)
		if err != nil {
			return err
		}
		if more {
			r.Status = engine.StatusException
		}
	}
	if r.Current == nil {
		r.Current = []string{}
	}
	if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: req.Action, OrderID: o.ID, Node: e.Node, Detail: map[string]any{"trace": r.Trace}}); err != nil {
		return err
	}
	_, err = s.apply(ctx, tx, j, a, o, nil, r)
	return err
}

// cancelOrder ends an order held by an exception as cancelled: its open tasks and
// nodes close, and the plugins holding something for it (stock) let go.
func (s *Service) cancelOrder(ctx context.Context, tx *ent.Tx, j *store.Journal, a Actor, o *ent.Order) error {
	w := &writer{ctx: ctx, tx: tx, j: j, a: a, o: o, now: j.At(), notify: map[string]string{}, s: s}
	if err := w.closeRest(nil); err != nil {
		return err
	}
	if err := tx.Exception.Update().Where(exception.OrderID(o.ID), exception.Status("open")).SetStatus("resolved").
		SetResolution(ResolveCancel).SetResolvedBy(a.Username).SetResolvedAt(j.At()).SetNote("order cancelled").Exec(ctx); err != nil {
		return err
	}
	if err := cancelOverdue(ctx, tx, o.ID, ""); err != nil {
		return err
	}
	n, err := tx.Order.Update().Where(order.ID(o.ID), order.Version(o.Version)).SetStatus("cancelled").
		SetCurrentNodes([]string{}).SetUpdatedAt(j.At()).AddVersion(1).Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return conflict("the order changed meanwhile")
	}
	o.Status, o.CurrentNodes, o.Version, o.UpdatedAt = "cancelled", []string{}, o.Version+1, j.At()
	if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: "order_cancelled", OrderID: o.ID}); err != nil {
		return err
	}
	if err := w.hooks(nil); err != nil {
		return err
	}
	return w.events()
}

// waitingJoins reads the joins of an order that wait for branches.
func waitingJoins(ctx context.Context, tx *ent.Tx, orderID int) (map[string]engine.JoinState, error) {
	rows, err := tx.NodeInstance.Query().Where(nodeinstance.OrderID(orderID), nodeinstance.NodeType(engine.TypeJoin),
		nodeinstance.Status("waiting")).All(ctx)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	js := map[string]engine.JoinState{}
	for _, r := range rows {
		js[r.NodeID] = engine.JoinState{Expected: r.Required, Arrived: r.Approvals}
	}
	return js, nil
}

// exceptionOverdue fires at an exception's deadline: if it is still open, its owners get
// an "exception.overdue" notification and the boards and admins an event. It returns the
// timer's outcome.
func (s *Service) exceptionOverdue(ctx context.Context, tx *ent.Tx, j *store.Journal, tm *ent.Timer) (string, error) {
	e, err := tx.Exception.Query().Where(exception.OrderID(tm.OrderID), exception.Node(tm.Node), exception.Status("open"),
		exception.DeadlineLTE(tm.DueAt)).Order(ent.Desc(exception.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return "skipped: resolved in time", nil
	}
	if err != nil {
		return "", err
	}
	o, err := tx.Order.Get(ctx, e.OrderID)
	if err != nil {
		return "", err
	}
	v := s.exceptionView(ctx, Actor{}, e, o, j.At())
	ev := map[string]any{"exception_id": e.ID, "order_id": o.ID, "number": o.Number, "node": e.Node, "reason": e.Reason,
		"department": e.Department, "owners": v.Owners, "deadline": e.Deadline}
	for _, topic := range exceptionTopics(e.Department, o.Department) {
		if _, err := j.Event(ctx, "exception.overdue", topic, ev); err != nil {
			return "", err
		}
	}
	for _, u := range v.Owners {
		if _, err := j.Notify(ctx, store.Notification{Username: u, Type: "exception.overdue", OrderID: o.ID,
			Key: "notice.exception_overdue", Params: i18n.Params{"Number": o.Number, "Reason": i18n.M("exception.reason."+e.Reason, nil), "Node": s.NodeName(ctx, o, e.Node)}, Data: ev}); err != nil {
			return "", err
		}
	}
	if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "exception.overdue", OrderID: o.ID, Node: e.Node,
		Detail: map[string]any{"exception": e.ID, "owners": v.Owners}}); err != nil {
		return "", err
	}
	return fmt.Sprintf("overdue: told %v", v.Owners), nil
}

// cancelOverdue cancels the pending deadline timers of an order's exceptions (at node,
// or all when node is "").
func cancelOverdue(ctx context.Context, tx *ent.Tx, orderID int, node string) error {
	q := tx.Timer.Update().Where(timer.OrderID(orderID), timer.Kind(TimerExceptionOverdue), timer.Status(TimerPending))
	if node != "" {
		q.Where(timer.Node(node))
	}
	return q.SetStatus(TimerCancelled).SetOutcome("exception resolved").Exec(ctx)
}
