package service

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/task"
	"sluice/backend/ent/taskassignee"
)

// Field permissions on every read path.
//
// A review node may hide top-level form fields from its reviewers ("fields": {"note":
// "hidden"}). Every answer that carries an order's data — lists, search, detail, inbox,
// history, exceptions, boards, the Excel export, printed documents — renders it through
// a fieldGuard, so the rule is written once, here:
//
//   - the submitter and admins see the whole order;
//   - a field no node of the order's flow hides is seen by whoever may read the order;
//   - a field some node hides is seen only by those who work on the order at a step
//     that does not hide it (a task or a copy, open or done) and at none that does, or
//     who hold an open task at a step that lets them edit it (editing needs seeing).
//
// Everyone else — the hiding step's reviewers before, during and after their turn,
// department readers without a task, read_all holders — gets the order without it. The
// columns derived from the data follow their field (total, customer), and free text
// that may quote a value (rule traces, exception messages) has the hidden values
// blanked. The only way to an OrderView or OrderSummary is through a guard.
type fieldGuard struct {
	s     *Service
	a     Actor
	tasks map[int][]guardTask // order id → the actor's tasks on it
	cache map[int]hiddenSet
}

type guardTask struct{ node, status string }

// hiddenSet is what one order keeps from the actor: the top-level fields and their
// values as text (to blank them in free text).
type hiddenSet struct {
	fields map[string]bool
	values []string
}

func (h hiddenSet) empty() bool { return len(h.fields) == 0 }

// Blanked replaces a hidden value quoted in free text.
const Blanked = "•••"

// guard reads the actor's tasks on the given orders (through c, so inside a
// transaction it sees that transaction's tasks). More orders may be added with load.
func (s *Service) guard(ctx context.Context, c *ent.Client, a Actor, orders ...*ent.Order) (*fieldGuard, error) {
	g := &fieldGuard{s: s, a: a, tasks: map[int][]guardTask{}, cache: map[int]hiddenSet{}}
	return g, g.load(ctx, c, orders...)
}

func (g *fieldGuard) load(ctx context.Context, c *ent.Client, orders ...*ent.Order) error {
	if g.a.IsAdmin {
		return nil
	}
	var ids []int
	for _, o := range orders {
		if o.Submitter != g.a.Username {
			ids = append(ids, o.ID)
			delete(g.cache, o.ID)
			delete(g.tasks, o.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	ts, err := c.Task.Query().Where(task.OrderIDIn(ids...)).
		Select(task.FieldID, task.FieldOrderID, task.FieldNodeID, task.FieldStatus, task.FieldAssignees, task.FieldDecidedBy).All(ctx)
	if err != nil || len(ts) == 0 {
		return err
	}
	tids := make([]int, len(ts))
	for i, t := range ts {
		tids[i] = t.ID
	}
	// Assignee rows outlive a task's current assignee list (decided, handed over). They
	// are read by task alone and the actor's kept here: with the username in the query
	// too, SQLite (no statistics) walked every assignment the actor ever had on
	// (username, open, task_id) instead of these tasks' (22,000 for a manager at 100,000
	// orders: a third of a board's CPU).
	var as []struct {
		TaskID   int    `json:"task_id"`
		Username string `json:"username"`
	}
	if err := c.TaskAssignee.Query().Where(taskassignee.TaskIDIn(tids...)).
		Select(taskassignee.FieldTaskID, taskassignee.FieldUsername).Scan(ctx, &as); err != nil {
		return err
	}
	mine := map[int]bool{}
	for _, x := range as {
		if x.Username == g.a.Username {
			mine[x.TaskID] = true
		}
	}
	for _, t := range ts {
		if mine[t.ID] || slices.Contains(t.Assignees, g.a.Username) || t.DecidedBy == g.a.Username {
			g.tasks[t.OrderID] = append(g.tasks[t.OrderID], guardTask{t.NodeID, t.Status})
		}
	}
	return nil
}

// hidden is what o keeps from the actor.
func (g *fieldGuard) hidden(ctx context.Context, o *ent.Order) (hiddenSet, error) {
	if g.a.IsAdmin || o.Submitter == g.a.Username {
		return hiddenSet{}, nil
	}
	if h, ok := g.cache[o.ID]; ok {
		return h, nil
	}
	f, err := g.s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion)
	if err != nil {
		return hiddenSet{}, err
	}
	h := hiddenSet{fields: map[string]bool{}}
	if f != nil {
		for _, n := range f.Nodes {
			for k, p := range n.Fields {
				if p == FieldHidden && !h.fields[k] && !g.sees(f, o.ID, k) {
					h.fields[k] = true
				}
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(h.fields)) {
		h.values = appendTexts(h.values, o.Data[k])
	}
	g.cache[o.ID] = h
	return h, nil
}

// sees says whether the actor's work on the order shows them field k, which some node
// of f hides.
func (g *fieldGuard) sees(f *engine.Flow, orderID int, k string) bool {
	other, hiding := false, false
	for _, t := range g.tasks[orderID] {
		n := f.Nodes[t.node]
		if n == nil {
			continue
		}
		switch n.Fields[k] {
		case FieldHidden:
			hiding = true
		case FieldEdit:
			if t.status == "open" {
				return true
			}
			other = true
		default:
			other = true
		}
	}
	return other && !hiding
}

// appendTexts adds the scalar values in v (nested too) as text, those long enough to
// be blanked in free text without blanking ordinary words.
func appendTexts(out []string, v any) []string {
	switch x := v.(type) {
	case string:
		if len(x) >= 4 {
			out = append(out, x)
		}
	case float64:
		if s := strconv.FormatFloat(x, 'f', -1, 64); len(s) >= 4 {
			out = append(out, s)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			out = appendTexts(out, x[k])
		}
	case []any:
		for _, e := range x {
			out = appendTexts(out, e)
		}
	}
	return out
}

// data is o's data without what it keeps from the actor (o.Data itself when nothing).
func (g *fieldGuard) data(ctx context.Context, o *ent.Order) (map[string]any, hiddenSet, error) {
	h, err := g.hidden(ctx, o)
	if err != nil || h.empty() {
		return o.Data, h, err
	}
	out := make(map[string]any, len(o.Data))
	for k, v := range o.Data {
		if !h.fields[k] {
			out[k] = v
		}
	}
	return out, h, nil
}

// view renders o (without tasks) as the actor may see it.
func (g *fieldGuard) view(ctx context.Context, o *ent.Order) (OrderView, error) {
	data, h, err := g.data(ctx, o)
	if err != nil {
		return OrderView{}, err
	}
	v := wholeOrderView(o)
	v.Data = data
	if h.fields["total"] {
		v.Total = 0
	}
	if h.fields["customer"] {
		v.Customer = ""
	}
	return v, nil
}

// summary is the inbox's part of o as the actor may see it.
func (g *fieldGuard) summary(ctx context.Context, o *ent.Order) (OrderSummary, error) {
	h, err := g.hidden(ctx, o)
	if err != nil {
		return OrderSummary{}, err
	}
	v := OrderSummary{ID: o.ID, Number: o.Number, Flow: o.FlowKey, Status: o.Status, Total: o.Total, Submitter: o.Submitter, Department: o.Department}
	if h.fields["total"] {
		v.Total = 0
	}
	return v, nil
}

// customer is o's data.customer.name as the actor may see it ("" when hidden).
func (g *fieldGuard) customer(ctx context.Context, o *ent.Order) (string, error) {
	h, err := g.hidden(ctx, o)
	if err != nil || h.fields["customer"] {
		return "", err
	}
	if cu, ok := o.Data["customer"].(map[string]any); ok {
		if n, ok := cu["name"].(string); ok {
			return n, nil
		}
	}
	return "", nil
}

// total is o's total as the actor may see it (0 when hidden).
func (g *fieldGuard) total(ctx context.Context, o *ent.Order) (float64, error) {
	h, err := g.hidden(ctx, o)
	if err != nil || h.fields["total"] {
		return 0, err
	}
	return o.Total, nil
}

// text blanks the hidden values of o quoted in s.
func (h hiddenSet) text(s string) string {
	for _, v := range h.values {
		s = strings.ReplaceAll(s, v, Blanked)
	}
	return s
}

// scrub returns a copy of a JSON value (a history or exception detail) with the hidden
// values blanked in every string and the hidden fields dropped from every object.
func (h hiddenSet) scrub(v any) any {
	if h.empty() {
		return v
	}
	switch x := v.(type) {
	case string:
		return h.text(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if !h.fields[k] {
				out[k] = h.scrub(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = h.scrub(e)
		}
		return out
	}
	return v
}

func (h hiddenSet) scrubMap(m map[string]any) map[string]any {
	if h.empty() || m == nil {
		return m
	}
	return h.scrub(m).(map[string]any)
}

// exception blanks in v (an exception of o) the values the actor may not see: a
// plugin's message and check details may quote the order.
func (g *fieldGuard) exception(ctx context.Context, o *ent.Order, v *ExceptionView) error {
	if o == nil {
		return nil
	}
	h, err := g.hidden(ctx, o)
	if err != nil || h.empty() {
		return err
	}
	v.Message, v.Note, v.Detail = h.text(v.Message), h.text(v.Note), h.scrubMap(v.Detail)
	return nil
}
