package service

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/department"
	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/order"
	"sluice/backend/ent/predicate"
	"sluice/backend/ent/task"
	"sluice/backend/ent/taskassignee"
	"sluice/backend/i18n"
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
	return s.Store.Read.Order.Query().Where(order.ID(o.ID), assignedOrders(a.Username)).Exist(ctx)
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
		return nil, Refuse(http.StatusForbidden, "problem.forbidden.see_order", nil)
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

// HistoryFilter pages GET /orders/{id}/history.
type HistoryFilter struct {
	Cursor string // the next_cursor of the previous page (the last seq it showed)
	Limit  int    // 1..MaxHistoryPage, default MaxHistoryPage
}

// MaxHistoryPage is the longest page of an order's timeline (and its default: a
// timeline is read whole in the common case, page by page only when it is long).
const MaxHistoryPage = 500

// HistoryPage is a page of an order's timeline, oldest first.
type HistoryPage struct {
	Items      []HistoryItem `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
	// People are the display names of the users the page names (actors, and the
	// user, assignees and for of each detail), by username (historypeople.go).
	People map[string]string `json:"people,omitempty"`
}

// History is the order's timeline from the audit trail: every action and automatic
// step, oldest first, a page at a time (along the (order_id, seq) index).
func (s *Service) History(ctx context.Context, a Actor, id int, hf HistoryFilter) (*HistoryPage, error) {
	if hf.Limit <= 0 || hf.Limit > MaxHistoryPage {
		hf.Limit = MaxHistoryPage
	}
	var after int64
	if hf.Cursor != "" {
		c, err := strconv.ParseInt(hf.Cursor, 10, 64)
		if err != nil || c <= 0 {
			return nil, invalid("bad cursor", FieldError{Pointer: "/cursor", Message: "use the next_cursor of the previous page"})
		}
		after = c
	}
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
	rows, err := s.Store.Read.AuditEntry.Query().Where(auditentry.OrderID(id), auditentry.SeqGT(after)).
		Order(ent.Asc(auditentry.FieldSeq)).Limit(hf.Limit + 1).All(ctx)
	if err != nil {
		return nil, err
	}
	page := &HistoryPage{}
	if len(rows) > hf.Limit {
		rows = rows[:hf.Limit]
		page.NextCursor = strconv.FormatInt(rows[len(rows)-1].Seq, 10)
	}
	page.Items = make([]HistoryItem, 0, len(rows))
	for _, e := range rows {
		// rule traces and comments may quote a value the caller may not see
		d := localTrace(i18n.FromContext(ctx), hide.scrubMap(e.Detail))
		h := HistoryItem{Seq: e.Seq, At: e.At, Actor: e.Actor, Action: e.Action, Node: e.Node, TaskID: e.TaskID, Detail: d}
		if f != nil && f.Nodes[e.Node] != nil {
			h.NodeName = f.Nodes[e.Node].Name
		}
		h.Comment, _ = d["comment"].(string)
		h.Reason, _ = d["reason"].(string)
		page.Items = append(page.Items, h)
	}
	if page.People, err = historyPeople(ctx, s.Store.Read, page.Items); err != nil {
		return nil, err
	}
	return page, nil
}

// localTrace is d with its stored rule trace in lang: a line that carries its message
// (msg) reads in the reader's language, a line stored before that keeps its English
// text. The lines keep their shape (node, text).
func localTrace(lang string, d map[string]any) map[string]any {
	lines, ok := d["trace"].([]any)
	if !ok {
		return d
	}
	out := make([]any, len(lines))
	for i, l := range lines {
		out[i] = l
		if m, ok := l.(map[string]any); ok {
			if s, ok := i18n.Text(lang, m["msg"]); ok {
				out[i] = map[string]any{"node": m["node"], "text": s}
			}
		}
	}
	c := maps.Clone(d)
	c["trace"] = out
	return c
}

// OrderFilter narrows GET /orders.
type OrderFilter struct {
	// Q matches the order number, submitter, customer (code or name) or a SKU.
	Status, Node, Department, Q string
	Cursor                      string
	Limit                       int
}

// OrderPage is one page of orders.
type OrderPage struct {
	Items      []OrderView `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// ListOrders lists the orders the actor may see, newest first, with a cursor. A search
// may answer a short page (with a cursor) when what matched is hidden from the caller.
func (s *Service) ListOrders(ctx context.Context, a Actor, f OrderFilter) (*OrderPage, error) {
	f.Limit = pageSize(f.Limit)
	cursor, err := parseCursor(f.Cursor)
	if err != nil {
		return nil, err
	}
	f.Cursor = ""
	q, err := s.orderQuery(ctx, a, f)
	if err != nil {
		return nil, err
	}
	want := searchText(f.Q)
	page := &OrderPage{Items: make([]OrderView, 0, f.Limit)}
	for round := 0; ; round++ {
		bq := q.Clone()
		if cursor > 0 {
			bq.Where(order.IDLT(cursor))
		}
		need := f.Limit - len(page.Items)
		rows, err := bq.Order(ent.Desc(order.FieldID)).Limit(need + 1).All(ctx)
		if err != nil {
			return nil, err
		}
		more := len(rows) > need
		if more {
			rows = rows[:need]
		}
		g, err := s.guard(ctx, s.Store.Read, a, rows...)
		if err != nil {
			return nil, err
		}
		for _, o := range rows {
			cursor = o.ID
			if ok, err := g.matchesVisible(ctx, o, want); err != nil {
				return nil, err
			} else if !ok {
				continue
			}
			v, err := g.view(ctx, o)
			if err != nil {
				return nil, err
			}
			page.Items = append(page.Items, v)
		}
		if !more {
			return page, nil
		}
		if len(page.Items) >= f.Limit || round+1 >= searchRounds {
			page.NextCursor = intCursor(cursor)
			return page, nil
		}
	}
}

// orderQuery selects the orders the actor may see that match the filter (and its
// cursor); the list and the Excel export share it, so both show the same orders.
// Everything is a predicate or a subquery in SQL: no list of ids is bound.
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
		vis := []predicate.Order{order.Submitter(a.Username), assignedOrders(a.Username)}
		if len(mine) > 0 {
			vis = append(vis, order.DepartmentIn(mine...))
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
		node := f.Node
		q.Where(func(sel *entsql.Selector) {
			ni := entsql.Table(nodeinstance.Table)
			sel.Where(entsql.In(sel.C(order.FieldID), entsql.Select(ni.C(nodeinstance.FieldOrderID)).From(ni).
				Where(entsql.And(entsql.EQ(ni.C(nodeinstance.FieldNodeID), node), entsql.EQ(ni.C(nodeinstance.FieldStatus), "active")))))
		})
	}
	if searchText(f.Q) != "" {
		q.Where(s.orderSearch(f.Q))
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
		return 0, invalid("bad cursor", FieldError{Pointer: "/cursor", Message: "use the next_cursor of the previous page"})
	}
	return c, nil
}

// TaskItem is a task in an inbox, with a summary of its order.
type TaskItem struct {
	ID        int         `json:"id"`
	Node      string      `json:"node"`
	NodeName  engine.Text `json:"node_name,omitempty"`
	Status    string      `json:"status"`
	Decision  string      `json:"decision,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
	// Due is the task's earliest pending SLA timer (reminder, escalation, automatic
	// action); absent when none.
	Due   *time.Time   `json:"due,omitempty"`
	Order OrderSummary `json:"order"`
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
	// FlowName is the flow's name; Customer is data.customer.name as the caller may see it.
	FlowName engine.Text `json:"flow_name,omitempty"`
	Customer string      `json:"customer,omitempty"`
}

// TaskFilter narrows GET /tasks.
type TaskFilter struct {
	Scope  string // mine (default), cc, done, initiated
	Cursor string // the next_cursor of the previous page
	Limit  int    // 1..MaxPageSize, default DefaultPageSize
	Sort   string // "" (by task) or "due" (scope mine: by SLA due time, inboxdue.go)
}

// TaskPage is a page of an inbox.
type TaskPage struct {
	Items      []TaskItem `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// Tasks lists the actor's tasks a page at a time: scope mine (open, may act; oldest
// first), done (decided by them), initiated (their orders, one line per order), cc
// (nodes they were told about), the last three newest first. Each page is read along an
// index (task_assignees (username, open, task_id), tasks (decided_by), orders
// (submitter)); only the page's own orders are then read, by id.
func (s *Service) Tasks(ctx context.Context, a Actor, tf TaskFilter) (*TaskPage, error) {
	c := s.Store.Read
	limit := pageSize(tf.Limit)
	byDue := tf.Sort == "due"
	if tf.Sort != "" && (!byDue || (tf.Scope != "" && tf.Scope != "mine")) {
		return nil, invalid("unknown sort", FieldError{Pointer: "/sort", Message: "due, with scope mine"})
	}
	cursor := 0
	var err error
	if !byDue {
		if cursor, err = parseCursor(tf.Cursor); err != nil {
			return nil, err
		}
	}
	page := &TaskPage{}
	var ts []*ent.Task
	switch tf.Scope {
	case "", "mine":
		var ids []int
		if byDue {
			if ids, page.NextCursor, err = mineByDue(ctx, c, a.Username, tf.Cursor, limit); err != nil {
				return nil, err
			}
		} else {
			// open = true written out: ent writes a true bool as the bare column, which
			// SQLite cannot match to the (username, open, task_id) index, so it read and
			// sorted every one of the user's assignments (42,000 open: ~20 ms) for a page
			aq := c.TaskAssignee.Query().Where(taskassignee.Username(a.Username), func(sel *entsql.Selector) {
				sel.Where(entsql.P(func(b *entsql.Builder) {
					b.WriteString(sel.C(taskassignee.FieldOpen) + " = ").Arg(true)
				}))
			})
			if cursor > 0 {
				aq.Where(taskassignee.TaskIDGT(cursor))
			}
			if ids, err = aq.Order(ent.Asc(taskassignee.FieldTaskID)).Limit(limit + 1).Select(taskassignee.FieldTaskID).Ints(ctx); err != nil {
				return nil, err
			}
			if len(ids) > limit {
				ids = ids[:limit]
				page.NextCursor = intCursor(ids[len(ids)-1])
			}
		}
		if len(ids) > 0 {
			ts, err = c.Task.Query().Where(task.IDIn(uniqueInts(ids)...), task.Status("open")).Order(ent.Asc(task.FieldID)).All(ctx)
			if err != nil {
				return nil, err
			}
			if byDue { // back in the page's order
				pos := make(map[int]int, len(ids))
				for i, id := range ids {
					pos[id] = i
				}
				slices.SortFunc(ts, func(x, y *ent.Task) int { return pos[x.ID] - pos[y.ID] })
			}
		}
	case "done":
		q := c.Task.Query().Where(task.DecidedBy(a.Username))
		if cursor > 0 {
			q.Where(task.IDLT(cursor))
		}
		if ts, err = q.Order(ent.Desc(task.FieldID)).Limit(limit + 1).All(ctx); err != nil {
			return nil, err
		}
	case "cc":
		q := c.Task.Query().Where(task.Kind("cc"), func(sel *entsql.Selector) {
			ta := entsql.Table(taskassignee.Table)
			sel.Where(entsql.Exists(entsql.Select(ta.C(taskassignee.FieldID)).From(ta).Where(entsql.And(
				entsql.ColumnsEQ(ta.C(taskassignee.FieldTaskID), sel.C(task.FieldID)),
				entsql.EQ(ta.C(taskassignee.FieldUsername), a.Username), entsql.EQ(ta.C(taskassignee.FieldOpen), false)))))
		})
		if cursor > 0 {
			q.Where(task.IDLT(cursor))
		}
		if ts, err = q.Order(ent.Desc(task.FieldID)).Limit(limit + 1).All(ctx); err != nil {
			return nil, err
		}
	case "initiated":
		q := c.Order.Query().Where(order.Submitter(a.Username))
		if cursor > 0 {
			q.Where(order.IDLT(cursor))
		}
		os, err := q.Order(ent.Desc(order.FieldID)).Limit(limit + 1).All(ctx)
		if err != nil {
			return nil, err
		}
		if len(os) > limit {
			os = os[:limit]
			page.NextCursor = intCursor(os[len(os)-1].ID)
		}
		page.Items = make([]TaskItem, 0, len(os))
		for _, o := range os {
			it := TaskItem{ID: 0, Status: o.Status, CreatedAt: o.CreatedAt, Order: OrderSummary{ID: o.ID, Number: o.Number,
				Flow: o.FlowKey, Status: o.Status, Total: o.Total, Submitter: o.Submitter, Department: o.Department}} // their own
			if len(o.CurrentNodes) > 0 {
				it.Node = o.CurrentNodes[0]
				if f, _ := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion); f != nil && f.Nodes[it.Node] != nil {
					it.NodeName, it.Order.FlowName = f.Nodes[it.Node].Name, f.Doc.Name
				}
			}
			page.Items = append(page.Items, it)
		}
		return page, nil
	default:
		return nil, invalid("unknown scope", FieldError{Pointer: "/scope", Message: "one of mine, cc, done, initiated"})
	}
	if tf.Scope == "done" || tf.Scope == "cc" {
		if len(ts) > limit {
			ts = ts[:limit]
			page.NextCursor = intCursor(ts[len(ts)-1].ID)
		}
	}
	oids := make([]int, len(ts))
	for i, t := range ts {
		oids[i] = t.OrderID
	}
	var os []*ent.Order
	if len(oids) > 0 { // a page's orders
		if os, err = c.Order.Query().Where(order.IDIn(uniqueInts(oids)...)).All(ctx); err != nil {
			return nil, err
		}
	}
	byID := map[int]*ent.Order{}
	for _, o := range os {
		byID[o.ID] = o
	}
	g, err := s.guard(ctx, c, a, os...)
	if err != nil {
		return nil, err
	}
	tids := make([]int, len(ts))
	for i, t := range ts {
		tids[i] = t.ID
	}
	dues, err := taskDues(ctx, c, tids)
	if err != nil {
		return nil, err
	}
	page.Items = make([]TaskItem, 0, len(ts))
	for _, t := range ts {
		o := byID[t.OrderID]
		if o == nil {
			continue
		}
		sum, err := g.summary(ctx, o)
		if err != nil {
			return nil, err
		}
		if sum.Customer, err = g.customer(ctx, o); err != nil {
			return nil, err
		}
		it := TaskItem{ID: t.ID, Node: t.NodeID, Status: t.Status, Decision: t.Decision, CreatedAt: t.CreatedAt, Order: sum, Due: dues[t.ID]}
		if f, _ := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion); f != nil {
			it.Order.FlowName = f.Doc.Name
			if f.Nodes[t.NodeID] != nil {
				it.NodeName = f.Nodes[t.NodeID].Name
			}
		}
		page.Items = append(page.Items, it)
	}
	return page, nil
}
