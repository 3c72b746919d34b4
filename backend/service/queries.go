package service

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/department"
	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/order"
	"sluice/backend/ent/predicate"
	"sluice/backend/ent/task"
	"sluice/backend/ent/taskassignee"
)

// openTask is an open task with the review mode of its node.
type openTask struct {
	*ent.Task
	mode string
}

// orderWithTasks renders an order with the open tasks the caller already has, read
// through c (the transaction that changed it).
func (s *Service) orderWithTasks(ctx context.Context, c *ent.Client, a Actor, f *engine.Flow, o *ent.Order, ts []openTask) (*OrderView, error) {
	g, err := s.guard(ctx, c, a, o)
	if err != nil {
		return nil, err
	}
	v, err := g.view(ctx, o)
	if err != nil {
		return nil, err
	}
	v.Tasks = make([]TaskView, 0, len(ts))
	for _, t := range ts {
		v.Tasks = append(v.Tasks, s.taskView(a, f, o, t.Task, t.mode))
	}
	return &v, nil
}

// orderDetail renders an order with its open and waiting tasks.
func (s *Service) orderDetail(ctx context.Context, c *ent.Client, a Actor, o *ent.Order) (*OrderView, error) {
	g, err := s.guard(ctx, c, a, o)
	if err != nil {
		return nil, err
	}
	v, err := g.view(ctx, o)
	if err != nil {
		return nil, err
	}
	f, err := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion)
	if err != nil {
		return nil, err
	}
	ts, err := c.Task.Query().Where(task.OrderID(o.ID), task.StatusIn("open", "waiting"), task.KindNEQ("cc")).Order(ent.Asc(task.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	modes := map[int]string{}
	if len(ts) > 0 {
		ids := make([]int, len(ts))
		for i, t := range ts {
			ids[i] = t.NodeInstanceID
		}
		nis, err := c.NodeInstance.Query().Where(nodeinstance.IDIn(ids...)).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, ni := range nis {
			modes[ni.ID] = ni.Mode
		}
	}
	v.Tasks = make([]TaskView, 0, len(ts))
	for _, t := range ts {
		v.Tasks = append(v.Tasks, s.taskView(a, f, o, t, modes[t.NodeInstanceID]))
	}
	return &v, nil
}

// mayRead says whether the actor may see an order.
func (s *Service) mayRead(ctx context.Context, a Actor, o *ent.Order) (bool, error) {
	if o.Submitter == a.Username || s.can(a, o.Department, "orders", "read") || s.canAnywhere(a, "orders", "read_all") {
		return true, nil
	}
	ids, err := s.Store.Read.Task.Query().Where(task.OrderID(o.ID)).IDs(ctx)
	if err != nil || len(ids) == 0 {
		return false, err
	}
	return s.Store.Read.TaskAssignee.Query().Where(taskassignee.Username(a.Username), taskassignee.TaskIDIn(ids...)).Exist(ctx)
}

func (s *Service) readableOrder(ctx context.Context, a Actor, id int) (*ent.Order, error) {
	o, err := s.Store.Read.Order.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, notFound("order")
	}
	if err != nil {
		return nil, err
	}
	ok, err := s.mayRead(ctx, a, o)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, forbidden("you may not see this order")
	}
	return o, nil
}

// GetOrder returns one order with its open tasks.
func (s *Service) GetOrder(ctx context.Context, a Actor, id int) (*OrderView, error) {
	o, err := s.readableOrder(ctx, a, id)
	if err != nil {
		return nil, err
	}
	v, err := s.orderDetail(ctx, s.Store.Read, a, o)
	if err != nil {
		return nil, err
	}
	if err := s.addShipping(ctx, s.Store.Read, o, v); err != nil {
		return nil, err
	}
	if err := s.addVotes(ctx, s.Store.Read, o, v); err != nil {
		return nil, err
	}
	return v, nil
}

// HistoryItem is one line of an order's timeline.
type HistoryItem struct {
	Seq      int64          `json:"seq"`
	At       time.Time      `json:"at"`
	Actor    string         `json:"actor"`
	Action   string         `json:"action"`
	Node     string         `json:"node,omitempty"`
	NodeName engine.Text    `json:"node_name,omitempty"`
	TaskID   *int           `json:"task_id,omitempty"`
	Comment  string         `json:"comment,omitempty"`
	Reason   string         `json:"reason,omitempty"`
	Detail   map[string]any `json:"detail,omitempty"`
}

// History is the order's timeline from the audit trail: every action and automatic step.
func (s *Service) History(ctx context.Context, a Actor, id int) ([]HistoryItem, error) {
	o, err := s.readableOrder(ctx, a, id)
	if err != nil {
		return nil, err
	}
	f, err := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion)
	if err != nil {
		return nil, err
	}
	g, err := s.guard(ctx, s.Store.Read, a, o)
	if err != nil {
		return nil, err
	}
	hide, err := g.hidden(ctx, o)
	if err != nil {
		return nil, err
	}
	rows, err := s.Store.Read.AuditEntry.Query().Where(auditentry.OrderID(id)).Order(ent.Asc(auditentry.FieldSeq)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]HistoryItem, 0, len(rows))
	for _, e := range rows {
		// rule traces and comments may quote a value the caller may not see
		d := hide.scrubMap(e.Detail)
		h := HistoryItem{Seq: e.Seq, At: e.At, Actor: e.Actor, Action: e.Action, Node: e.Node, TaskID: e.TaskID, Detail: d}
		if f != nil && f.Nodes[e.Node] != nil {
			h.NodeName = f.Nodes[e.Node].Name
		}
		h.Comment, _ = d["comment"].(string)
		h.Reason, _ = d["reason"].(string)
		out = append(out, h)
	}
	return out, nil
}

// OrderFilter narrows GET /orders.
type OrderFilter struct {
	Status, Node, Department, Q string
	Cursor                      string
	Limit                       int
}

// OrderPage is one page of orders.
type OrderPage struct {
	Items      []OrderView `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// ListOrders lists the orders the actor may see, newest first, with a cursor.
func (s *Service) ListOrders(ctx context.Context, a Actor, f OrderFilter) (*OrderPage, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	q, err := s.orderQuery(ctx, a, f)
	if err != nil {
		return nil, err
	}
	rows, err := q.Order(ent.Desc(order.FieldID)).Limit(f.Limit + 1).All(ctx)
	if err != nil {
		return nil, err
	}
	page := &OrderPage{Items: make([]OrderView, 0, len(rows))}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		page.NextCursor = strconv.Itoa(rows[len(rows)-1].ID)
	}
	g, err := s.guard(ctx, s.Store.Read, a, rows...)
	if err != nil {
		return nil, err
	}
	for _, o := range rows {
		v, err := g.view(ctx, o)
		if err != nil {
			return nil, err
		}
		page.Items = append(page.Items, v)
	}
	return page, nil
}

// orderQuery selects the orders the actor may see that match the filter (and its
// cursor); the list and the Excel export share it, so both show the same orders.
func (s *Service) orderQuery(ctx context.Context, a Actor, f OrderFilter) (*ent.OrderQuery, error) {
	q := s.Store.Read.Order.Query()
	if !s.canAnywhere(a, "orders", "read_all") {
		depts, err := s.Store.Read.Department.Query().Select(department.FieldKey).Strings(ctx)
		if err != nil {
			return nil, err
		}
		var mine []string
		for _, d := range depts {
			if s.can(a, d, "orders", "read") {
				mine = append(mine, d)
			}
		}
		assigned, err := s.Store.Read.TaskAssignee.Query().Where(taskassignee.Username(a.Username)).
			Select(taskassignee.FieldTaskID).Ints(ctx)
		if err != nil {
			return nil, err
		}
		vis := []predicate.Order{order.Submitter(a.Username), order.DepartmentIn(mine...)}
		if len(assigned) > 0 {
			oids, err := s.Store.Read.Task.Query().Where(task.IDIn(assigned...)).Select(task.FieldOrderID).Ints(ctx)
			if err != nil {
				return nil, err
			}
			vis = append(vis, order.IDIn(oids...))
		}
		q.Where(order.Or(vis...))
	}
	if f.Status != "" {
		q.Where(order.StatusIn(strings.Split(f.Status, ",")...))
	}
	if f.Department != "" {
		q.Where(order.Department(f.Department))
	}
	if f.Node != "" {
		ids, err := s.Store.Read.NodeInstance.Query().Where(nodeinstance.NodeID(f.Node), nodeinstance.Status("active")).
			Select(nodeinstance.FieldOrderID).Ints(ctx)
		if err != nil {
			return nil, err
		}
		q.Where(order.IDIn(ids...))
	}
	if f.Q != "" {
		q.Where(order.Or(order.NumberContains(f.Q), order.SubmitterContains(f.Q)))
	}
	if c, err := parseCursor(f.Cursor); err != nil {
		return nil, err
	} else if c > 0 {
		q.Where(order.IDLT(c))
	}
	return q, nil
}

// parseCursor reads a list's ?cursor= (the id the previous page ended at; 0 when absent).
func parseCursor(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	c, err := strconv.Atoi(s)
	if err != nil || c <= 0 {
		return 0, invalid("bad cursor", FieldError{"/cursor", "use the next_cursor of the previous page"})
	}
	return c, nil
}

// TaskItem is a task in an inbox, with a summary of its order.
type TaskItem struct {
	ID        int          `json:"id"`
	Node      string       `json:"node"`
	NodeName  engine.Text  `json:"node_name,omitempty"`
	Status    string       `json:"status"`
	Decision  string       `json:"decision,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	Order     OrderSummary `json:"order"`
}

// OrderSummary is the part of an order an inbox shows.
type OrderSummary struct {
	ID         int     `json:"id"`
	Number     string  `json:"number"`
	Flow       string  `json:"flow"`
	Status     string  `json:"status"`
	Total      float64 `json:"total"`
	Submitter  string  `json:"submitter"`
	Department string  `json:"department"`
}

// Tasks lists the actor's tasks: scope mine (open, may act), done (decided by them),
// initiated (their orders, one line per order), cc (nodes they were told about).
func (s *Service) Tasks(ctx context.Context, a Actor, scope string) ([]TaskItem, error) {
	c := s.Store.Read
	var ts []*ent.Task
	var err error
	switch scope {
	case "", "mine":
		ids, err2 := c.TaskAssignee.Query().Where(taskassignee.Username(a.Username), taskassignee.Open(true)).
			Select(taskassignee.FieldTaskID).Ints(ctx)
		if err2 != nil {
			return nil, err2
		}
		ts, err = c.Task.Query().Where(task.IDIn(ids...), task.Status("open")).Order(ent.Asc(task.FieldID)).All(ctx)
	case "done":
		ts, err = c.Task.Query().Where(task.DecidedBy(a.Username)).Order(ent.Desc(task.FieldID)).Limit(200).All(ctx)
	case "initiated":
		os, err := c.Order.Query().Where(order.Submitter(a.Username)).Order(ent.Desc(order.FieldID)).Limit(200).All(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]TaskItem, 0, len(os))
		for _, o := range os {
			it := TaskItem{ID: 0, Status: o.Status, CreatedAt: o.CreatedAt, Order: OrderSummary{ID: o.ID, Number: o.Number,
				Flow: o.FlowKey, Status: o.Status, Total: o.Total, Submitter: o.Submitter, Department: o.Department}} // their own
			if len(o.CurrentNodes) > 0 {
				it.Node = o.CurrentNodes[0]
				if f, _ := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion); f != nil && f.Nodes[it.Node] != nil {
					it.NodeName = f.Nodes[it.Node].Name
				}
			}
			out = append(out, it)
		}
		return out, nil
	case "cc":
		ids, err2 := c.TaskAssignee.Query().Where(taskassignee.Username(a.Username), taskassignee.Open(false)).
			Select(taskassignee.FieldTaskID).Ints(ctx)
		if err2 != nil {
			return nil, err2
		}
		ts, err = c.Task.Query().Where(task.IDIn(ids...), task.Kind("cc")).Order(ent.Desc(task.FieldID)).Limit(200).All(ctx)
	default:
		return nil, invalid("unknown scope", FieldError{"/scope", "one of mine, cc, done, initiated"})
	}
	if err != nil {
		return nil, err
	}
	oids := make([]int, len(ts))
	for i, t := range ts {
		oids[i] = t.OrderID
	}
	os, err := c.Order.Query().Where(order.IDIn(slices.Compact(slices.Sorted(slices.Values(oids)))...)).All(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int]*ent.Order{}
	for _, o := range os {
		byID[o.ID] = o
	}
	g, err := s.guard(ctx, c, a, os...)
	if err != nil {
		return nil, err
	}
	out := make([]TaskItem, 0, len(ts))
	for _, t := range ts {
		o := byID[t.OrderID]
		if o == nil {
			continue
		}
		sum, err := g.summary(ctx, o)
		if err != nil {
			return nil, err
		}
		it := TaskItem{ID: t.ID, Node: t.NodeID, Status: t.Status, Decision: t.Decision, CreatedAt: t.CreatedAt, Order: sum}
		if f, _ := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion); f != nil && f.Nodes[t.NodeID] != nil {
			it.NodeName = f.Nodes[t.NodeID].Name
		}
		out = append(out, it)
	}
	return out, nil
}
