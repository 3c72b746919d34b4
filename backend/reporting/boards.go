package reporting

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

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/department"
	"sluice/backend/ent/exception"
	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/order"
	"sluice/backend/ent/ordercomment"
	"sluice/backend/ent/orderlock"
	"sluice/backend/ent/task"
	"sluice/backend/ent/taskassignee"
	"sluice/backend/ent/timer"
	"sluice/backend/ent/user"
	"sluice/backend/i18n"
	"sluice/backend/service"
	"sluice/backend/store"
)

// Department boards: one board per department and flow, a column per review node (in
// the flow's node order) holding a card per order of that department currently at the
// node, with its SLA countdown (the earliest pending timer of its open tasks), its soft
// lock and its comment count. Boards move live through the events every state change
// already appends on department:<dept>; locks and comments add board.locked,
// board.unlocked and order.commented there and on order:<id>.

// DefaultBoardFlow is the flow a board shows when none is asked for.
const DefaultBoardFlow = "order-review"

// BoardFilter narrows GET /boards/{department}.
type BoardFilter struct {
	Flow string // flow key, default DefaultBoardFlow
	// Q matches the order number, the submitter, the customer (code or name) or a SKU
	// (case-insensitive), in SQL (service/pages.go), among what the caller may see.
	Q string
	// Status is a comma-separated list of in_review and exception (default in_review).
	Status string
	// Assignee keeps cards one of whose open tasks this user may act on.
	Assignee string
	// Node asks for one column only (the next page of it, with Cursor).
	Node string
	// Cursor is the next_cursor of the column's previous page (needs Node).
	Cursor string
	// Limit is the cards per column (1..MaxPageSize, default DefaultPageSize).
	Limit int
}

// Board is a department's board of one flow.
type Board struct {
	Flow       string        `json:"flow"`
	Version    int           `json:"version"`
	Department string        `json:"department"`
	Columns    []BoardColumn `json:"columns"`
}

// BoardColumn is one review node of the flow with a page of the cards of orders at it.
type BoardColumn struct {
	Node  string      `json:"node"`
	Name  engine.Text `json:"name,omitempty"`
	Cards []BoardCard `json:"cards"`
	// Count is how many cards the column holds in all (counted in SQL).
	Count int `json:"count"`
	// NextCursor fetches the column's next page (?node=…&cursor=…); absent on the last.
	NextCursor string `json:"next_cursor,omitempty"`
}

// BoardCard is an order at a node.
type BoardCard struct {
	OrderID   int     `json:"order_id"`
	Number    string  `json:"number"`
	Status    string  `json:"status"`
	Total     float64 `json:"total"`
	Submitter string  `json:"submitter"`
	Customer  string  `json:"customer,omitempty"`
	// Assignees are who may act on the node's open tasks.
	Assignees []string `json:"assignees"`
	// Since is when the order entered the node.
	Since time.Time `json:"since"`
	// Due is the earliest pending SLA timer of the node's open tasks (absent when none);
	// for an order held by an exception, the exception's deadline.
	Due      *time.Time `json:"due,omitempty"`
	Lock     *LockView  `json:"lock,omitempty"`
	Comments int        `json:"comments"`
}

// LockView is a live soft lock: who holds it and until when.
type LockView struct {
	OrderID int       `json:"order_id"`
	By      string    `json:"by"`
	Until   time.Time `json:"until"`
}

// LockConflict is the 409 answered when someone else holds a live lock; it carries the
// lock so the caller can show who has the order.
type LockConflict struct {
	Problem *service.Error
	Lock    LockView
}

func (e *LockConflict) Error() string { return e.Problem.Error() }
func (e *LockConflict) Unwrap() error { return e.Problem }

// Board renders a department's board. Who may watch the department's live topic may see
// its board (MayWatchDepartment).
//
// Every column is one page (its review cards in node-instance order, then, with the
// exception status, the cards of orders an exception holds there), with its count from
// SQL. Unfiltered, a column's page is a range of board_cards and the counts come from
// board_tallies (SQLite) or board_cards (PostgreSQL), tables triggers keep (migration
// 00018); with a search or an assignee the orders are chosen by a subquery (department,
// flow, status, search). Only a page's own rows are then read by id, so the unfiltered
// board costs the same at 40,000 open orders as at 40, whichever department holds them.
// A column's cursor is "r<node instance>" while in its review cards and "e<exception>"
// in its exception cards (opaque to clients).
func (s *Reporting) Board(ctx context.Context, a service.Actor, dept string, f BoardFilter) (*Board, error) {
	if f.Flow == "" {
		f.Flow = DefaultBoardFlow
	}
	statuses := []string{engine.StatusInReview}
	if f.Status != "" {
		statuses = nil
		for _, st := range strings.Split(f.Status, ",") {
			st = strings.TrimSpace(st)
			if st != engine.StatusInReview && st != engine.StatusException {
				return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.query_invalid", nil, service.FieldErr("/status", "board.status", nil))
			}
			statuses = append(statuses, st)
		}
	}
	withExceptions := slices.Contains(statuses, engine.StatusException)
	cur, err := parseBoardCursor(f.Cursor)
	if err != nil {
		return nil, err
	}
	if f.Cursor != "" && f.Node == "" {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.query_invalid", nil, service.FieldErr("/cursor", "board.cursor_without_node", nil))
	}
	limit := service.PageSize(f.Limit)
	if !s.MayWatchDepartment(ctx, a, dept) {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.see_board", nil)
	}
	c := s.Store.Read
	if ok, err := c.Department.Query().Where(department.Key(dept)).Exist(ctx); err != nil {
		return nil, err
	} else if !ok {
		return nil, service.Refuse(http.StatusNotFound, "problem.not_found.department", nil)
	}
	fl, err := s.Catalog.Flow(ctx, f.Flow, 0)
	if err != nil {
		return nil, err
	}
	if fl == nil {
		return nil, service.Refuse(http.StatusNotFound, "problem.not_found.flow", nil)
	}
	b := &Board{Flow: fl.Key, Version: fl.Version, Department: dept, Columns: []BoardColumn{}}
	col := map[string]int{}
	for _, n := range fl.Doc.Nodes {
		if n.Type == engine.TypeReview {
			col[n.ID] = len(b.Columns)
			b.Columns = append(b.Columns, BoardColumn{Node: n.ID, Name: n.Name, Cards: []BoardCard{}})
		}
	}

	// the board's orders, as a subquery (never a list of ids)
	want := service.SearchText(f.Q)
	// On SQLite correlated (EXISTS), so a column's page walks the (node_id, status, id)
	// index and stops after a page instead of collecting the department's orders first;
	// on PostgreSQL an IN (subquery), which its planner answers by a hash semi-join (a
	// correlated EXISTS with the trigram search let it probe the GIN index per row).
	pg := s.Store.Dialect == dialect.Postgres
	boardOrders := func(sel *entsql.Selector, orderIDCol string) {
		o := entsql.Table(order.Table)
		conds := []*entsql.Predicate{entsql.EQ(o.C(order.FieldDepartment), dept), entsql.EQ(o.C(order.FieldFlowKey), fl.Key),
			entsql.In(o.C(order.FieldStatus), anys(statuses)...)}
		if !pg {
			conds = append(conds, entsql.ColumnsEQ(o.C(order.FieldID), sel.C(orderIDCol)))
		}
		sub := entsql.Select(o.C(order.FieldID)).From(o).Where(entsql.And(conds...))
		if want != "" {
			s.OrderSearch(want)(sub)
		}
		if pg {
			sel.Where(entsql.In(sel.C(orderIDCol), sub))
		} else {
			sel.Where(entsql.Exists(sub))
		}
	}
	reviewQuery := func() *ent.NodeInstanceQuery {
		q := c.NodeInstance.Query().Where(nodeinstance.Status("active"), nodeinstance.NodeType(engine.TypeReview),
			func(sel *entsql.Selector) { boardOrders(sel, nodeinstance.FieldOrderID) })
		if f.Assignee != "" {
			who := f.Assignee
			q.Where(func(sel *entsql.Selector) {
				t, ta := entsql.Table(task.Table), entsql.Table(taskassignee.Table)
				sel.Where(entsql.Exists(entsql.Select(t.C(task.FieldID)).From(t).Join(ta).On(t.C(task.FieldID), ta.C(taskassignee.FieldTaskID)).
					Where(entsql.And(entsql.ColumnsEQ(t.C(task.FieldNodeInstanceID), sel.C(nodeinstance.FieldID)),
						entsql.EQ(t.C(task.FieldStatus), "open"), entsql.NEQ(t.C(task.FieldKind), "cc"),
						entsql.EQ(ta.C(taskassignee.FieldUsername), who), entsql.EQ(ta.C(taskassignee.FieldOpen), true)))))
			})
		}
		return q
	}
	// Unfiltered, a column's page is one range of board_cards (migration 00018: the active
	// review node instances with their orders' department, flow and status) in arrival
	// order: walking the node's instances instead and probing each one's order read the
	// whole node for a department with a few orders at a busy one. A search or an
	// assignee keeps the walk above, narrowed by its filter.
	unfiltered := want == "" && f.Assignee == ""
	columnPage := func(node string, after int) *ent.NodeInstanceQuery {
		if !unfiltered {
			q := reviewQuery().Where(nodeinstance.NodeID(node))
			if after > 0 {
				q.Where(nodeinstance.IDGT(after))
			}
			return q.Limit(limit + 1)
		}
		return c.NodeInstance.Query().Where(func(sel *entsql.Selector) {
			bc := entsql.Table(cardsTable)
			conds := []*entsql.Predicate{entsql.EQ(bc.C("department"), dept), entsql.EQ(bc.C("flow_key"), fl.Key),
				entsql.EQ(bc.C("node_id"), node), entsql.In(bc.C("status"), anys(statuses)...)}
			if after > 0 {
				conds = append(conds, entsql.GT(bc.C("node_instance_id"), after))
			}
			sel.Where(entsql.In(sel.C(nodeinstance.FieldID), entsql.Select(bc.C("node_instance_id")).From(bc).
				Where(entsql.And(conds...)).OrderBy(bc.C("node_instance_id")).Limit(limit+1)))
		})
	}
	exceptionQuery := func() *ent.ExceptionQuery {
		q := c.Exception.Query().Where(exception.Status("open"),
			func(sel *entsql.Selector) { boardOrders(sel, exception.FieldOrderID) })
		if f.Assignee != "" {
			q.Where(s.exceptionOwnedBy(f.Assignee))
		}
		return q
	}

	// counts per node, in SQL
	var counts []struct {
		NodeID string `json:"node_id"`
		Node   string `json:"node"`
		Count  int    `json:"count"`
	}
	count := map[string]int{}
	switch {
	case unfiltered && !pg:
		// Unfiltered, on SQLite: from the tallies of the orders' current nodes, not a
		// probe of the orders per open node instance (at 58,000 open orders that join
		// cost most of a second, and even a covering index's range some 10 ms).
		if err := s.countCurrentNodes(ctx, c, dept, fl.Key, statuses, f.Node, count); err != nil {
			return nil, err
		}
	case unfiltered:
		// on PostgreSQL: the department's range of board_cards (no shared counters there)
		if err := s.countCards(ctx, c, dept, fl.Key, statuses, f.Node, count); err != nil {
			return nil, err
		}
	default:
		cq := reviewQuery()
		if f.Node != "" {
			cq.Where(nodeinstance.NodeID(f.Node))
		}
		if err := cq.GroupBy(nodeinstance.FieldNodeID).Aggregate(ent.Count()).Scan(ctx, &counts); err != nil {
			return nil, err
		}
		for _, r := range counts {
			count[r.NodeID] += r.Count
		}
	}
	if withExceptions {
		counts = counts[:0]
		eq := exceptionQuery()
		if f.Node != "" {
			eq.Where(exception.Node(f.Node))
		}
		if err := eq.GroupBy(exception.FieldNode).Aggregate(ent.Count()).Scan(ctx, &counts); err != nil {
			return nil, err
		}
		for _, r := range counts {
			count[r.Node] += r.Count
		}
	}
	// a node only an older pinned version has (or a task node holding an order by an
	// exception) gets a column of its own, at the end
	for _, node := range slices.Sorted(maps.Keys(count)) {
		if _, ok := col[node]; !ok && count[node] > 0 {
			col[node] = len(b.Columns)
			b.Columns = append(b.Columns, BoardColumn{Node: node, Cards: []BoardCard{}})
		}
	}
	if f.Node != "" {
		i, ok := col[f.Node]
		if !ok {
			return nil, service.Refuse(http.StatusNotFound, "problem.not_found.board_column", nil)
		}
		b.Columns = []BoardColumn{b.Columns[i]}
	}

	type pending struct {
		col  int
		ni   *ent.NodeInstance
		exc  *ent.Exception
		node string
	}
	var cards []pending
	for i := range b.Columns {
		bc := &b.Columns[i]
		bc.Count = count[bc.Node]
		if bc.Count == 0 {
			continue
		}
		n := 0
		if !cur.exc {
			// only what a card shows: at 150 cards a page, every column read costs
			nis, err := columnPage(bc.Node, cur.id).Order(ent.Asc(nodeinstance.FieldID)).
				Select(nodeinstance.FieldID, nodeinstance.FieldOrderID, nodeinstance.FieldCreatedAt).All(ctx)
			if err != nil {
				return nil, err
			}
			if len(nis) > limit {
				nis = nis[:limit]
				bc.NextCursor = fmt.Sprintf("r%d", nis[len(nis)-1].ID)
			}
			for _, ni := range nis {
				cards = append(cards, pending{col: i, ni: ni, node: bc.Node})
			}
			n = len(nis)
		}
		if withExceptions && bc.NextCursor == "" && n < limit {
			q := exceptionQuery().Where(exception.Node(bc.Node))
			if cur.exc && cur.id > 0 {
				q.Where(exception.IDGT(cur.id))
			}
			exs, err := q.Order(ent.Asc(exception.FieldID)).Limit(limit - n + 1).All(ctx)
			if err != nil {
				return nil, err
			}
			if len(exs) > limit-n {
				exs = exs[:limit-n]
				bc.NextCursor = fmt.Sprintf("e%d", exs[len(exs)-1].ID)
			}
			for _, e := range exs {
				cards = append(cards, pending{col: i, exc: e, node: bc.Node})
			}
		}
	}
	if len(cards) == 0 {
		return b, nil
	}

	// the page's own rows, by id: orders, open tasks, timers, locks, comment counts
	var oids, niids []int
	for _, p := range cards {
		if p.ni != nil {
			oids, niids = append(oids, p.ni.OrderID), append(niids, p.ni.ID)
		} else {
			oids = append(oids, p.exc.OrderID)
		}
	}
	oids = service.UniqueInts(oids)
	os, err := s.cardOrders(ctx, c, oids, want == "")
	if err != nil {
		return nil, err
	}
	byID := make(map[int]*ent.Order, len(os))
	for _, o := range os {
		byID[o.ID] = o
	}
	// the cards show (and the search matches) only what the caller may see (service/fields.go)
	g, err := s.Guard(ctx, c, a, os...)
	if err != nil {
		return nil, err
	}
	tasksOf := map[int][]*ent.Task{} // by node instance
	due := map[int]time.Time{}       // by task
	if len(niids) > 0 {
		// By node instance alone, the open ones kept here: with status in the query too,
		// SQLite (no statistics) walks task_status over every open task instead.
		ts, err := c.Task.Query().Where(task.NodeInstanceIDIn(service.UniqueInts(niids)...)).Order(ent.Asc(task.FieldID)).
			Select(task.FieldID, task.FieldNodeInstanceID, task.FieldStatus, task.FieldKind, task.FieldAssignees).All(ctx)
		if err != nil {
			return nil, err
		}
		var tids []int
		for _, t := range ts {
			if t.Status != "open" || t.Kind == "cc" {
				continue
			}
			tasksOf[t.NodeInstanceID] = append(tasksOf[t.NodeInstanceID], t)
			tids = append(tids, t.ID)
		}
		if len(tids) > 0 {
			tms, err := c.Timer.Query().Where(timer.TaskIDIn(tids...), timer.Status("pending")).
				Select(timer.FieldTaskID, timer.FieldDueAt).All(ctx)
			if err != nil {
				return nil, err
			}
			for _, tm := range tms {
				if d, ok := due[tm.TaskID]; !ok || tm.DueAt.Before(d) {
					due[tm.TaskID] = tm.DueAt
				}
			}
		}
	}
	now := time.Now().UTC()
	locks := map[int]*LockView{}
	ls, err := c.OrderLock.Query().Where(orderlock.OrderIDIn(oids...), orderlock.ExpiresAtGT(now)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		locks[l.OrderID] = &LockView{OrderID: l.OrderID, By: l.Holder, Until: l.ExpiresAt.UTC()}
	}
	var cc []struct {
		OrderID int `json:"order_id"`
		Count   int `json:"count"`
	}
	if err := c.OrderComment.Query().Where(ordercomment.OrderIDIn(oids...)).GroupBy(ordercomment.FieldOrderID).
		Aggregate(ent.Count()).Scan(ctx, &cc); err != nil {
		return nil, err
	}
	comments := map[int]int{}
	for _, r := range cc {
		comments[r.OrderID] = r.Count
	}

	for _, p := range cards {
		oid := 0
		if p.ni != nil {
			oid = p.ni.OrderID
		} else {
			oid = p.exc.OrderID
		}
		o := byID[oid]
		if o == nil {
			continue
		}
		bc := &b.Columns[p.col]
		if bc.Name == nil {
			if old, _ := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion); old != nil && old.Nodes[p.node] != nil {
				bc.Name = old.Nodes[p.node].Name
			}
		}
		if ok, err := g.MatchesVisible(ctx, o, want); err != nil {
			return nil, err
		} else if !ok { // matched only by what the caller may not see
			continue
		}
		customer, err := g.Customer(ctx, o)
		if err != nil {
			return nil, err
		}
		total, err := g.Total(ctx, o)
		if err != nil {
			return nil, err
		}
		card := BoardCard{OrderID: o.ID, Number: o.Number, Status: o.Status, Total: total, Submitter: o.Submitter,
			Customer: customer, Assignees: []string{}, Lock: locks[o.ID], Comments: comments[o.ID]}
		if p.ni != nil {
			card.Since = p.ni.CreatedAt.UTC()
			for _, t := range tasksOf[p.ni.ID] {
				for _, u := range t.Assignees {
					if !slices.Contains(card.Assignees, u) {
						card.Assignees = append(card.Assignees, u)
					}
				}
				if d, ok := due[t.ID]; ok && (card.Due == nil || d.Before(*card.Due)) {
					d := d.UTC()
					card.Due = &d
				}
			}
		} else {
			// Orders held by an exception wait at the node that raised it; the owners
			// are its assignees, its deadline due.
			e := p.exc
			card.Since, card.Due = e.CreatedAt.UTC(), e.Deadline
			if ow, ok := e.Detail["owners"].([]any); ok {
				for _, u := range ow {
					if name, ok := u.(string); ok {
						card.Assignees = append(card.Assignees, name)
					}
				}
			}
		}
		bc.Cards = append(bc.Cards, card)
	}
	return b, nil
}

// countCurrentNodes adds, per review node, the board's orders open there: the orders of
// dept, flow and statuses by (flow version, current nodes), each current node counted
// when its version of the flow makes it a review node (what the node-instance count
// counts: an order's current nodes are its active node instances). The numbers come
// from board_tallies (SQLite's migration 00018: kept by triggers on orders), a few rows
// whatever the number of orders.
func (s *Reporting) countCurrentNodes(ctx context.Context, c *ent.Client, dept, flow string, statuses []string, only string, count map[string]int) error {
	args := []any{dept, flow}
	for _, st := range statuses {
		args = append(args, st)
	}
	rows, err := c.QueryContext(ctx, "SELECT flow_version, current_nodes, sum(n) FROM board_tallies "+
		"WHERE department = ? AND flow_key = ? AND status IN (?"+strings.Repeat(", ?", len(statuses)-1)+") "+
		"GROUP BY flow_version, current_nodes HAVING sum(n) > 0", args...)
	if err != nil {
		return err
	}
	type tally struct {
		version, n int
		current    string
	}
	var ts []tally
	for rows.Next() {
		var t tally
		if err := rows.Scan(&t.version, &t.current, &t.n); err != nil {
			rows.Close()
			return err
		}
		ts = append(ts, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// the rows are read to the end first: a flow version the catalogue has not cached
	// is read from the database too
	for _, t := range ts {
		var nodes []string
		if err := json.Unmarshal([]byte(t.current), &nodes); err != nil {
			return fmt.Errorf("board: current nodes %q: %w", t.current, err)
		}
		if len(nodes) == 0 {
			continue
		}
		fl, err := s.Catalog.Flow(ctx, flow, t.version)
		if err != nil {
			return err
		}
		if fl == nil {
			continue
		}
		for _, node := range slices.Compact(slices.Sorted(slices.Values(nodes))) {
			if nd := fl.Nodes[node]; nd != nil && nd.Type == engine.TypeReview && (only == "" || node == only) {
				count[node] += t.n
			}
		}
	}
	return nil
}

// cardOrders reads the page's orders. Without a search a card shows of an order's data
// its customer's name alone: that is read in SQL and the data left out (decoding 150
// orders' whole documents was a quarter of the first page's CPU); the name is put back
// where the field guard reads it (data.customer.name), so what the caller may not see
// stays hidden. A search reads the whole data: its last check looks at the items too.
func (s *Reporting) cardOrders(ctx context.Context, c *ent.Client, ids []int, nameOnly bool) ([]*ent.Order, error) {
	q := c.Order.Query().Where(order.IDIn(ids...))
	if !nameOnly {
		return q.All(ctx)
	}
	// Never NULL: ent scans an added column by the type its first row has (a NULL there
	// has none with modernc's driver); "" is what a name that is not text shows anyway.
	const name = "customer_name"
	expr := "coalesce(CASE WHEN json_type(data, '$.customer.name') = 'text' THEN json_extract(data, '$.customer.name') END, '')"
	if s.Store.Dialect == dialect.Postgres {
		expr = "coalesce(CASE WHEN jsonb_typeof(data -> 'customer' -> 'name') = 'string' THEN data -> 'customer' ->> 'name' END, '')"
	}
	os, err := q.Modify(func(sel *entsql.Selector) { sel.AppendSelectExprAs(entsql.Expr(expr), name) }).
		Select(order.FieldNumber, order.FieldFlowKey, order.FieldFlowVersion, order.FieldStatus, order.FieldDepartment,
			order.FieldSubmitter, order.FieldTotal, order.FieldCustomer).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range os {
		o.Data = map[string]any{}
		v, err := o.Value(name)
		if err != nil {
			return nil, err
		}
		var n entsql.NullString
		if err := n.Scan(v); err != nil {
			return nil, fmt.Errorf("board: customer name of order %d: %w", o.ID, err)
		}
		if n.String != "" {
			o.Data["customer"] = map[string]any{"name": n.String}
		}
	}
	return os, nil
}

// cardsTable is the board's cards (migration 00018): one row per active review node
// instance with its order's department, flow_key and status, kept by triggers.
const cardsTable = "board_cards"

// countCards adds, per node, the board's cards there: one range of the department's
// cards (an index range of board_cards, not the orders).
func (s *Reporting) countCards(ctx context.Context, c *ent.Client, dept, flow string, statuses []string, only string, count map[string]int) error {
	b := entsql.Dialect(s.Store.Dialect)
	bc := b.Table(cardsTable)
	conds := []*entsql.Predicate{entsql.EQ(bc.C("department"), dept), entsql.EQ(bc.C("flow_key"), flow),
		entsql.In(bc.C("status"), anys(statuses)...)}
	if only != "" {
		conds = append(conds, entsql.EQ(bc.C("node_id"), only))
	}
	query, args := b.Select(bc.C("node_id"), entsql.Count("*")).From(bc).Where(entsql.And(conds...)).
		GroupBy(bc.C("node_id")).Query()
	rows, err := c.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var node string
		var n int
		if err := rows.Scan(&node, &n); err != nil {
			return err
		}
		count[node] += n
	}
	return rows.Err()
}

// exceptionOwnedBy keeps the exceptions naming the user among their owners
// (detail.owners, a JSON array).
func (s *Reporting) exceptionOwnedBy(user string) func(*entsql.Selector) {
	return func(sel *entsql.Selector) {
		col := sel.C(exception.FieldDetail)
		if s.Store.Dialect == dialect.Postgres {
			sel.Where(entsql.P(func(b *entsql.Builder) {
				b.WriteString("(").Ident(col).WriteString(" -> 'owners') @> jsonb_build_array(").Arg(user).WriteString("::text)")
			}))
			return
		}
		sel.Where(entsql.P(func(b *entsql.Builder) {
			b.WriteString("EXISTS (SELECT 1 FROM json_each(" + col + ", '$.owners') WHERE json_each.value = ").Arg(user).WriteString(")")
		}))
	}
}

// boardCursor is a column's position: after node instance id, or (exc) after
// exception id once the review cards are done.
type boardCursor struct {
	exc bool
	id  int
}

func parseBoardCursor(s string) (boardCursor, error) {
	if s == "" {
		return boardCursor{}, nil
	}
	bad := service.Refuse(http.StatusUnprocessableEntity, "problem.cursor_invalid", nil, service.FieldErr("/cursor", "board.cursor", nil))
	if len(s) < 2 || (s[0] != 'r' && s[0] != 'e') {
		return boardCursor{}, bad
	}
	id, err := strconv.Atoi(s[1:])
	if err != nil || id <= 0 {
		return boardCursor{}, bad
	}
	return boardCursor{exc: s[0] == 'e', id: id}, nil
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// Lock durations.
const (
	DefaultLockTTL = 15 * time.Minute
	MaxLockTTL     = 8 * time.Hour
)

// LockRequest is the (optional) body of POST /orders/{id}/lock.
type LockRequest struct {
	// Minutes the lock lasts from now (default 15, at most 480).
	Minutes int `json:"minutes,omitempty"`
}

// boardTopics are the live topics a board change of o is announced on.
func boardTopics(o *ent.Order) []string {
	return []string{"department:" + o.Department, fmt.Sprintf("order:%d", o.ID)}
}

func boardEvent(ctx context.Context, j *store.Journal, o *ent.Order, typ string, data map[string]any) error {
	for _, topic := range boardTopics(o) {
		if _, err := j.Event(ctx, typ, topic, data); err != nil {
			return err
		}
	}
	return nil
}

// LockOrder takes or renews the caller's soft lock on an order. The lock is advisory:
// it is shown on the board so others know someone is on the order, but it never blocks
// acting on a task. Someone else's live lock is a 409 (LockConflict) naming its holder;
// an expired one is simply taken over.
func (s *Reporting) LockOrder(ctx context.Context, a service.Actor, id int, req LockRequest) (*LockView, error) {
	ttl := DefaultLockTTL
	if req.Minutes != 0 {
		// The range is checked on the minutes themselves: multiplied first, a huge
		// count wraps around time.Duration's int64 into the range.
		if max := int(MaxLockTTL / time.Minute); req.Minutes < 1 || req.Minutes > max {
			return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.lock_invalid", nil, service.FieldErr("/minutes", "number.between", i18n.Params{"Min": 1, "Max": max}))
		}
		ttl = time.Duration(req.Minutes) * time.Minute
	}
	o, err := s.ReadableOrder(ctx, a, id)
	if err != nil {
		return nil, err
	}
	var out *LockView
	err = s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		now := j.At()
		until := now.Add(ttl)
		cur, err := tx.OrderLock.Query().Where(orderlock.OrderID(o.ID)).Only(ctx)
		switch {
		case ent.IsNotFound(err):
			err = tx.OrderLock.Create().SetOrderID(o.ID).SetHolder(a.Username).SetExpiresAt(until).Exec(ctx)
		case err != nil:
		case cur.Holder != a.Username && cur.ExpiresAt.After(now):
			held := LockView{OrderID: o.ID, By: cur.Holder, Until: cur.ExpiresAt.UTC()}
			return &LockConflict{Problem: service.Refuse(http.StatusConflict, "problem.order_locked",
				i18n.Params{"Number": o.Number, "Holder": cur.Holder, "Until": held.Until.Format(time.RFC3339)}), Lock: held}
		default:
			err = tx.OrderLock.UpdateOneID(cur.ID).SetHolder(a.Username).SetExpiresAt(until).Exec(ctx)
		}
		if err != nil {
			return err
		}
		out = &LockView{OrderID: o.ID, By: a.Username, Until: until}
		return boardEvent(ctx, j, o, "board.locked", map[string]any{"order_id": o.ID, "number": o.Number, "by": a.Username, "until": until})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UnlockOrder releases a lock: its holder may at any time, anyone once it has expired.
// Releasing an order nobody holds does nothing.
func (s *Reporting) UnlockOrder(ctx context.Context, a service.Actor, id int) error {
	o, err := s.ReadableOrder(ctx, a, id)
	if err != nil {
		return err
	}
	return s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		cur, err := tx.OrderLock.Query().Where(orderlock.OrderID(o.ID)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		expired := !cur.ExpiresAt.After(j.At())
		if cur.Holder != a.Username && !expired {
			held := LockView{OrderID: o.ID, By: cur.Holder, Until: cur.ExpiresAt.UTC()}
			return &LockConflict{Problem: service.Refuse(http.StatusConflict, "problem.order_locked_release",
				i18n.Params{"Number": o.Number, "Holder": cur.Holder, "Until": held.Until.Format(time.RFC3339)}), Lock: held}
		}
		if _, err := tx.OrderLock.Delete().Where(orderlock.ID(cur.ID)).Exec(ctx); err != nil {
			return err
		}
		return boardEvent(ctx, j, o, "board.unlocked", map[string]any{"order_id": o.ID, "number": o.Number,
			"by": cur.Holder, "released_by": a.Username, "expired": expired})
	})
}

// CommentRequest is the body of POST /orders/{id}/comments.
type CommentRequest struct {
	Body string `json:"body"`
}

// CommentView is one comment on an order.
type CommentView struct {
	ID      int    `json:"id"`
	OrderID int    `json:"order_id"`
	Author  string `json:"author"`
	Body    string `json:"body"`
	// Mentions are the @mentioned users who were notified.
	Mentions  []string  `json:"mentions"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxCommentLen is the longest comment body, in characters.
const MaxCommentLen = 2000

// Comments lists an order's comments, oldest first.
func (s *Reporting) Comments(ctx context.Context, a service.Actor, id int) ([]CommentView, error) {
	if _, err := s.ReadableOrder(ctx, a, id); err != nil {
		return nil, err
	}
	rows, err := s.Store.Read.OrderComment.Query().Where(ordercomment.OrderID(id)).Order(ent.Asc(ordercomment.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]CommentView, 0, len(rows))
	for _, r := range rows {
		out = append(out, commentView(r))
	}
	return out, nil
}

func commentView(r *ent.OrderComment) CommentView {
	m := r.Mentions
	if m == nil {
		m = []string{}
	}
	return CommentView{ID: r.ID, OrderID: r.OrderID, Author: r.Author, Body: r.Body, Mentions: m, CreatedAt: r.CreatedAt.UTC()}
}

// ParseMentions returns the distinct @usernames in a comment body, in order of first
// appearance. A mention starts after the beginning or a character that cannot be part
// of a username or an e-mail address, and takes the longest username it can
// (a trailing '.', '-' or '_' is punctuation, not part of the name).
func ParseMentions(body string) []string {
	var out []string
	rs := []rune(body)
	for i := 0; i < len(rs); i++ {
		if rs[i] != '@' || (i > 0 && mentionRune(rs[i-1])) {
			continue
		}
		j := i + 1
		for j < len(rs) && mentionRune(rs[j]) {
			j++
		}
		name := strings.ToLower(strings.TrimRight(string(rs[i+1:j]), ".-_"))
		if service.KeyPattern.MatchString(name) && !slices.Contains(out, name) {
			out = append(out, name)
		}
		i = j - 1
	}
	return out
}

func mentionRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// AddComment adds a comment to an order. Each @mentioned user who exists, is enabled,
// is not the author and may see the order gets an inbox notification (with its
// notification.created event on user:<name>); the others are ignored. The comment is
// announced as order.commented on department:<dept> and order:<id> and recorded in
// the audit trail (so the order's history shows it), all in one transaction.
func (s *Reporting) AddComment(ctx context.Context, a service.Actor, id int, req CommentRequest) (*CommentView, error) {
	body := strings.TrimSpace(req.Body)
	if n := len([]rune(body)); n == 0 || n > MaxCommentLen {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.comment_invalid", nil, service.FieldErr("/body", "text.length", i18n.Params{"Min": 1, "Max": MaxCommentLen}))
	}
	o, err := s.ReadableOrder(ctx, a, id)
	if err != nil {
		return nil, err
	}
	var notify []string
	for _, name := range ParseMentions(body) {
		if name == a.Username {
			continue
		}
		u, err := s.Store.Read.User.Query().Where(user.Username(name)).Only(ctx)
		if ent.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if u.Disabled {
			continue
		}
		if ok, err := s.MayRead(ctx, service.Actor{ID: u.ID, Username: u.Username, IsAdmin: u.IsAdmin}, o); err != nil {
			return nil, err
		} else if ok {
			notify = append(notify, u.Username)
		}
	}
	if notify == nil {
		notify = []string{}
	}
	var out CommentView
	err = s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		// the comment is noted on the order's audit chain: its lock first
		if _, err := s.LockForWrite(ctx, tx, o.ID); err != nil {
			return err
		}
		row, err := tx.OrderComment.Create().SetOrderID(o.ID).SetAuthor(a.Username).SetBody(body).
			SetMentions(notify).SetCreatedAt(j.At()).Save(ctx)
		if err != nil {
			return err
		}
		out = commentView(row)
		if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: "order.comment", OrderID: o.ID,
			Detail: map[string]any{"comment": body, "comment_id": row.ID, "mentions": notify}}); err != nil {
			return err
		}
		for _, u := range notify {
			if _, err := j.Notify(ctx, store.Notification{Username: u, Type: "mention", OrderID: o.ID,
				Title: fmt.Sprintf("%s mentioned you on order %s", a.Username, o.Number),
				Data:  map[string]any{"comment_id": row.ID, "author": a.Username, "number": o.Number, "body": excerpt(body, 200)}}); err != nil {
				return err
			}
		}
		return boardEvent(ctx, j, o, "order.commented", map[string]any{"order_id": o.ID, "number": o.Number,
			"comment_id": row.ID, "author": a.Username, "body": body, "mentions": notify})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func excerpt(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}
