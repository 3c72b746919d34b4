package reporting

import (
	"context"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/department"
	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/order"
	"sluice/backend/ent/task"
	"sluice/backend/ent/timer"
	"sluice/backend/i18n"
	"sluice/backend/service"
)

// Flow statistics for the dashboards: where orders of one flow wait and for how long,
// computed from orders, node instances, tasks, timers and the audit trail of the orders
// the caller may read (their departments), submitted in a date range.
//
// Conventions, so the figures can be checked by hand:
//   - Durations are seconds. Percentiles use the nearest-rank method: p50 of n sorted
//     values is the value at rank ceil(0.5·n) (1-based), so it is always an observed value.
//   - Days are UTC calendar dates (YYYY-MM-DD).
//   - An order counts when it is of the flow, of a department in scope and submitted
//     (created) in [from, to] (both dates inclusive).
//   - A task's SLA deadline is the due time of its escalation timer, else of its automatic
//     action, else of its first reminder; a task without timers has no SLA. It is breached
//     when the task was decided after the deadline, or is still open past it.

// StatsFilter selects the orders figures are computed over.
type StatsFilter struct {
	Flow       string // flow key (required)
	Department string // one department (default: every department the caller may read)
	From, To   string // dates YYYY-MM-DD, inclusive; empty = unbounded
	// Now is the time ages and open breaches are measured at (zero: the current time).
	Now time.Time
}

// Stats is GET /stats.
type Stats struct {
	Flow    string `json:"flow"`
	Version int    `json:"version"`
	// Departments the figures cover.
	Departments []string     `json:"departments"`
	From        string       `json:"from,omitempty"`
	To          string       `json:"to,omitempty"`
	At          time.Time    `json:"at"`
	Orders      int          `json:"orders"`
	Graph       StatsGraph   `json:"graph"`
	Throughput  []StatsDay   `json:"throughput"`
	CycleTime   []NodeTiming `json:"cycle_time"`
	Approvers   []UserTiming `json:"approver_latency"`
	Rework      Rework       `json:"rework"`
	SLA         []NodeSLA    `json:"sla"`
	Rejections  []Count      `json:"rejection_reasons"`
	Bottlenecks []NodeLoad   `json:"bottlenecks"`
}

// StatsGraph is the flow's shape (latest published version) for drawing the heatmap:
// nodes and edges without settings, approvers or conditions.
type StatsGraph struct {
	Nodes []GraphNode `json:"nodes"`
	Edges []GraphEdge `json:"edges"`
}

// GraphNode is a node of StatsGraph.
type GraphNode struct {
	ID     string      `json:"id"`
	Type   string      `json:"type"`
	Name   engine.Text `json:"name,omitempty"`
	Plugin string      `json:"plugin,omitempty"`
}

// GraphEdge is an edge of StatsGraph.
type GraphEdge struct {
	From    string      `json:"from"`
	To      string      `json:"to"`
	Outcome string      `json:"outcome,omitempty"`
	Default bool        `json:"default,omitempty"`
	Label   engine.Text `json:"label,omitempty"`
}

// StatsDay is one day of throughput: orders submitted that day, and orders that ended
// that day by their final status.
type StatsDay struct {
	Date      string         `json:"date"`
	Submitted int            `json:"submitted"`
	Ended     map[string]int `json:"ended"`
}

// Timing summarises durations in seconds.
type Timing struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	Avg   float64 `json:"avg"`
}

// NodeTiming is the time node instances of a node stayed open (entered → closed).
type NodeTiming struct {
	Node string `json:"node"`
	Timing
}

// UserTiming is the time from a task's opening to a user's decision on it.
type UserTiming struct {
	User string `json:"user"`
	Timing
}

// Rework counts returns: a histogram of orders by how often they were returned, and the
// returns made at each node.
type Rework struct {
	Histogram []ReworkBucket `json:"histogram"`
	ByNode    []NodeCount    `json:"by_node"`
	Total     int            `json:"total"`
}

// ReworkBucket is how many orders were returned exactly Returns times.
type ReworkBucket struct {
	Returns int `json:"returns"`
	Orders  int `json:"orders"`
}

// NodeCount is a count per node.
type NodeCount struct {
	Node  string `json:"node"`
	Count int    `json:"count"`
}

// NodeSLA counts a node's tasks with an SLA and those that breached it.
type NodeSLA struct {
	Node     string `json:"node"`
	Tasks    int    `json:"tasks"`
	Breached int    `json:"breached"`
	// OpenBreached are still open past their deadline.
	OpenBreached int `json:"open_breached"`
	// Escalated are tasks whose escalation timer fired.
	Escalated int `json:"escalated"`
}

// Count is a count per key (a rejection reason code).
type Count struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// NodeLoad is what waits at a node now: open tasks, their mean and oldest age (seconds).
type NodeLoad struct {
	Node    string  `json:"node"`
	Waiting int     `json:"waiting"`
	Orders  int     `json:"orders"`
	MeanAge float64 `json:"mean_age"`
	MaxAge  float64 `json:"max_age"`
}

// statsChunk bounds the ids in one IN (...) list.
const statsChunk = 500

// maxStatsDays bounds how many empty days the throughput fills in.
const maxStatsDays = 731

// Stats computes a flow's dashboard figures.
func (s *Reporting) Stats(ctx context.Context, a service.Actor, f StatsFilter) (*Stats, error) {
	var errs []service.FieldError
	if f.Flow == "" {
		errs = append(errs, service.FieldErr("/flow", "flow.required", nil))
	}
	from, to, derr := statsRange(f.From, f.To)
	errs = append(errs, derr...)
	if len(errs) > 0 {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.query_invalid", nil, errs...)
	}
	now := f.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()

	depts, err := s.statsDepartments(ctx, a, f.Department)
	if err != nil {
		return nil, err
	}
	fl, err := s.Catalog.Flow(ctx, f.Flow, 0)
	if err != nil {
		return nil, err
	}
	if fl == nil {
		return nil, service.Refuse(http.StatusNotFound, "problem.not_found.flow", nil)
	}
	c := s.Store.Read
	st := &Stats{Flow: fl.Key, Version: fl.Version, Departments: depts, From: f.From, To: f.To, At: now,
		Throughput: []StatsDay{}, CycleTime: []NodeTiming{}, Approvers: []UserTiming{}, SLA: []NodeSLA{},
		Rejections: []Count{}, Bottlenecks: []NodeLoad{},
		Rework: Rework{Histogram: []ReworkBucket{}, ByNode: []NodeCount{}}}
	st.Graph = statsGraph(fl)
	nodeOrder := map[string]int{}
	for i, n := range fl.Doc.Nodes {
		nodeOrder[n.ID] = i
	}
	byNode := func(a, b string) int {
		ia, oka := nodeOrder[a]
		ib, okb := nodeOrder[b]
		switch {
		case oka && okb:
			return ia - ib
		case oka:
			return -1
		case okb:
			return 1
		}
		return strings.Compare(a, b)
	}

	q := c.Order.Query().Where(order.FlowKey(fl.Key), order.DepartmentIn(depts...))
	if !from.IsZero() {
		q.Where(order.CreatedAtGTE(from))
	}
	if !to.IsZero() {
		q.Where(order.CreatedAtLT(to))
	}
	os, err := q.Order(ent.Asc(order.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	st.Orders = len(os)
	oids := make([]int, len(os))
	for i, o := range os {
		oids[i] = o.ID
	}

	// throughput
	days := map[string]*StatsDay{}
	day := func(t time.Time) *StatsDay {
		k := t.UTC().Format(time.DateOnly)
		if days[k] == nil {
			days[k] = &StatsDay{Date: k, Ended: map[string]int{}}
		}
		return days[k]
	}
	for _, o := range os {
		day(o.CreatedAt).Submitted++
		if o.Status != engine.StatusInReview && o.Status != engine.StatusException {
			day(o.UpdatedAt).Ended[o.Status]++
		}
	}
	st.Throughput = fillDays(days, from, to)

	// cycle time per node (closed node instances; cancelled ones never finished)
	nis, err := chunked(ctx, oids, func(ids []int) ([]*ent.NodeInstance, error) {
		return c.NodeInstance.Query().Where(nodeinstance.OrderIDIn(ids...), nodeinstance.EndedAtNotNil(),
			nodeinstance.StatusNEQ("cancelled"), nodeinstance.NodeTypeIn(engine.TypeReview, engine.TypeTask)).All(ctx)
	})
	if err != nil {
		return nil, err
	}
	cycle := map[string][]float64{}
	for _, ni := range nis {
		cycle[ni.NodeID] = append(cycle[ni.NodeID], secs(ni.EndedAt.Sub(ni.CreatedAt)))
	}
	for _, n := range sortedKeys(cycle, byNode) {
		st.CycleTime = append(st.CycleTime, NodeTiming{Node: n, Timing: timing(cycle[n])})
	}

	// tasks: approver latency, SLA, bottlenecks
	ts, err := chunked(ctx, oids, func(ids []int) ([]*ent.Task, error) {
		return c.Task.Query().Where(task.OrderIDIn(ids...), task.KindNEQ("cc"), task.StatusNEQ("cancelled")).All(ctx)
	})
	if err != nil {
		return nil, err
	}
	latency := map[string][]float64{}
	tids := make([]int, 0, len(ts))
	for _, t := range ts {
		tids = append(tids, t.ID)
		if t.DecidedAt != nil && t.DecidedBy != "" && t.DecidedBy != "system" {
			latency[t.DecidedBy] = append(latency[t.DecidedBy], secs(t.DecidedAt.Sub(t.CreatedAt)))
		}
	}
	for _, u := range sortedKeys(latency, strings.Compare) {
		st.Approvers = append(st.Approvers, UserTiming{User: u, Timing: timing(latency[u])})
	}

	tms, err := chunked(ctx, tids, func(ids []int) ([]*ent.Timer, error) {
		return c.Timer.Query().Where(timer.TaskIDIn(ids...)).All(ctx)
	})
	if err != nil {
		return nil, err
	}
	type sla struct {
		deadline  time.Time
		rank      int // 3 escalate, 2 auto, 1 remind
		escalated bool
	}
	slas := map[int]*sla{}
	rank := map[string]int{"escalate": 3, "auto": 2, "remind": 1}
	for _, tm := range tms {
		r := rank[tm.Kind]
		cur := slas[tm.TaskID]
		if cur == nil {
			cur = &sla{}
			slas[tm.TaskID] = cur
		}
		if tm.Kind == "escalate" && tm.Status == "fired" {
			cur.escalated = true
		}
		if r > cur.rank || (r == cur.rank && tm.DueAt.Before(cur.deadline)) {
			cur.rank, cur.deadline = r, tm.DueAt
		}
	}
	slaBy := map[string]*NodeSLA{}
	type load struct {
		ages   []float64
		orders map[int]bool
	}
	loads := map[string]*load{}
	for _, t := range ts {
		if t.Status == "open" {
			l := loads[t.NodeID]
			if l == nil {
				l = &load{orders: map[int]bool{}}
				loads[t.NodeID] = l
			}
			l.ages = append(l.ages, math.Max(0, secs(now.Sub(t.CreatedAt))))
			l.orders[t.OrderID] = true
		}
		sl := slas[t.ID]
		if sl == nil || sl.rank == 0 {
			continue
		}
		ns := slaBy[t.NodeID]
		if ns == nil {
			ns = &NodeSLA{Node: t.NodeID}
			slaBy[t.NodeID] = ns
		}
		ns.Tasks++
		if sl.escalated {
			ns.Escalated++
		}
		switch {
		case t.DecidedAt != nil:
			if t.DecidedAt.After(sl.deadline) {
				ns.Breached++
			}
		case t.Status == "open" || t.Status == "waiting":
			if now.After(sl.deadline) {
				ns.Breached++
				ns.OpenBreached++
			}
		}
	}
	for _, n := range sortedKeys(slaBy, byNode) {
		st.SLA = append(st.SLA, *slaBy[n])
	}
	for _, n := range sortedKeys(loads, byNode) {
		l := loads[n]
		nl := NodeLoad{Node: n, Waiting: len(l.ages), Orders: len(l.orders)}
		for _, x := range l.ages {
			nl.MeanAge += x
			nl.MaxAge = math.Max(nl.MaxAge, x)
		}
		nl.MeanAge = round3(nl.MeanAge / float64(len(l.ages)))
		nl.MaxAge = round3(nl.MaxAge)
		st.Bottlenecks = append(st.Bottlenecks, nl)
	}

	// audit: returns and rejections
	aes, err := chunked(ctx, oids, func(ids []int) ([]*ent.AuditEntry, error) {
		return c.AuditEntry.Query().Where(auditentry.OrderIDIn(ids...), auditentry.ActionIn(engine.ActReturn, engine.ActReject)).All(ctx)
	})
	if err != nil {
		return nil, err
	}
	returns := map[int]int{}
	returnsAt := map[string]int{}
	reasons := map[string]int{}
	for _, e := range aes {
		switch e.Action {
		case engine.ActReturn:
			returns[*e.OrderID]++
			returnsAt[e.Node]++
			st.Rework.Total++
		case engine.ActReject:
			r, _ := e.Detail["reason"].(string)
			if r == "" {
				r = "(none)"
			}
			reasons[r]++
		}
	}
	if len(os) > 0 {
		hist := map[int]int{}
		maxR := 0
		for _, o := range os {
			hist[returns[o.ID]]++
			maxR = max(maxR, returns[o.ID])
		}
		for r := 0; r <= maxR; r++ {
			st.Rework.Histogram = append(st.Rework.Histogram, ReworkBucket{Returns: r, Orders: hist[r]})
		}
	}
	for _, n := range sortedKeys(returnsAt, byNode) {
		st.Rework.ByNode = append(st.Rework.ByNode, NodeCount{Node: n, Count: returnsAt[n]})
	}
	for r, n := range reasons {
		st.Rejections = append(st.Rejections, Count{Key: r, Count: n})
	}
	slices.SortFunc(st.Rejections, func(a, b Count) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Key, b.Key)
	})
	return st, nil
}

// statsDepartments are the departments the figures may cover: the one asked for, or
// every department the caller may read orders of (orders.read there, or orders.read_all).
func (s *Reporting) statsDepartments(ctx context.Context, a service.Actor, want string) ([]string, error) {
	all, err := s.Store.Read.Department.Query().Order(ent.Asc(department.FieldKey)).Select(department.FieldKey).Strings(ctx)
	if err != nil {
		return nil, err
	}
	readAll := s.CanAnywhere(a, "orders", "read_all")
	may := func(d string) bool { return readAll || s.Can(a, d, "orders", "read") }
	if want != "" {
		if !slices.Contains(all, want) {
			return nil, service.Refuse(http.StatusNotFound, "problem.not_found.department", nil)
		}
		if !may(want) {
			return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.read_department_orders", i18n.Params{"Department": want})
		}
		return []string{want}, nil
	}
	out := []string{}
	for _, d := range all {
		if may(d) {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.read_any_orders", nil)
	}
	return out, nil
}

// statsRange parses from/to dates into [from, to+1 day) in UTC.
func statsRange(from, to string) (time.Time, time.Time, []service.FieldError) {
	var f, t time.Time
	var errs []service.FieldError
	var err error
	if from != "" {
		if f, err = time.Parse(time.DateOnly, from); err != nil {
			errs = append(errs, service.FieldErr("/from", "date.format", nil))
		}
	}
	if to != "" {
		if t, err = time.Parse(time.DateOnly, to); err != nil {
			errs = append(errs, service.FieldErr("/to", "date.format", nil))
		} else {
			t = t.AddDate(0, 0, 1)
		}
	}
	if len(errs) == 0 && !f.IsZero() && !t.IsZero() && !f.Before(t) {
		errs = append(errs, service.FieldErr("/to", "date.not_before_from", nil))
	}
	return f, t, errs
}

// fillDays lists the days in order, with the empty days between the first and last
// (or the asked range when it is not too long) filled in.
func fillDays(days map[string]*StatsDay, from, to time.Time) []StatsDay {
	out := []StatsDay{}
	if len(days) == 0 && (from.IsZero() || to.IsZero()) {
		return out
	}
	keys := make([]string, 0, len(days))
	for k := range days {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lo, hi := from, to.AddDate(0, 0, -1)
	if len(keys) > 0 {
		first, _ := time.Parse(time.DateOnly, keys[0])
		last, _ := time.Parse(time.DateOnly, keys[len(keys)-1])
		if lo.IsZero() || first.Before(lo) {
			lo = first
		}
		if to.IsZero() || last.After(hi) {
			hi = last
		}
	}
	if hi.Sub(lo) > maxStatsDays*24*time.Hour { // too long to fill: only the days with orders
		for _, k := range keys {
			out = append(out, *days[k])
		}
		return out
	}
	for d := lo; !d.After(hi); d = d.AddDate(0, 0, 1) {
		k := d.Format(time.DateOnly)
		if days[k] != nil {
			out = append(out, *days[k])
		} else {
			out = append(out, StatsDay{Date: k, Ended: map[string]int{}})
		}
	}
	return out
}

func statsGraph(fl *engine.Flow) StatsGraph {
	g := StatsGraph{Nodes: []GraphNode{}, Edges: []GraphEdge{}}
	for _, n := range fl.Doc.Nodes {
		g.Nodes = append(g.Nodes, GraphNode{ID: n.ID, Type: n.Type, Name: n.Name, Plugin: n.Plugin})
	}
	for _, e := range fl.Doc.Edges {
		g.Edges = append(g.Edges, GraphEdge{From: e.From, To: e.To, Outcome: e.Outcome, Default: e.Default, Label: e.Label})
	}
	return g
}

// chunked runs a query per chunk of ids and concatenates the rows.
func chunked[T any](ctx context.Context, ids []int, q func([]int) ([]T, error)) ([]T, error) {
	var out []T
	for i := 0; i < len(ids); i += statsChunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rows, err := q(ids[i:min(i+statsChunk, len(ids))])
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V, cmp func(a, b string) int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp)
	return keys
}

func secs(d time.Duration) float64 { return round3(d.Seconds()) }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// timing summarises durations: count, nearest-rank p50 and p90, mean.
func timing(xs []float64) Timing {
	if len(xs) == 0 {
		return Timing{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	return Timing{Count: len(s), P50: percentile(s, 0.5), P90: percentile(s, 0.9), Avg: round3(sum / float64(len(s)))}
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []float64, p float64) float64 {
	r := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(r, len(sorted)-1))]
}
