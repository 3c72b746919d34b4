package main

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/event"
	"sluice/backend/ent/exception"
	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/reservation"
	"sluice/backend/ent/task"
	"sluice/backend/ent/timer"
	"sluice/backend/store"
)

// report is one scenario's run and its findings.
type report struct {
	Scenario scenario
	Seed     uint64
	Dir      string
	Wall     time.Duration
	Faults   faultCounts
	Requests *recorder
	Acks     *acks

	mu        sync.Mutex
	findings  []string // each one fails the run
	notes     []string
	StockDips []string
	stats     []string
}

func (r *report) fail(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.findings = append(r.findings, fmt.Sprintf(format, a...))
}

func (r *report) fatal(err error) { r.fail("run: %v", err) }

func (r *report) note(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, fmt.Sprintf(format, a...))
}

func (r *report) ok() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.findings) == 0 && len(r.StockDips) == 0 && (r.Requests == nil || len(r.Requests.errs)+len(r.Requests.stalls) == 0)
}

// checkDatabase compares what the clients were told with what the database holds.
func (r *report) checkDatabase(ctx context.Context, st *store.Store, a *acks) {
	db := st.Read
	orders, err := db.Order.Query().All(ctx)
	if err != nil {
		r.fatal(err)
		return
	}
	// Nothing acknowledged lost, nothing twice: each key's order is found by its note.
	byKey := map[string][]int{}
	status := map[int]string{}
	for _, o := range orders {
		status[o.ID] = o.Status
		if note, _ := o.Data["note"].(string); strings.HasPrefix(note, "soak:") {
			byKey[strings.TrimPrefix(note, "soak:")] = append(byKey[strings.TrimPrefix(note, "soak:")], o.ID)
		}
	}
	for key, ids := range byKey {
		if len(ids) > 1 {
			r.fail("idempotency key %s made %d orders %v", key, len(ids), ids)
		}
		if !a.attempted[key] {
			r.fail("order %v carries key %s, which no client sent", ids, key)
		}
	}
	for _, b := range a.badReplays {
		r.fail("%s", b)
	}
	for key, id := range a.submitted {
		ids := byKey[key]
		if !slices.Contains(ids, id) {
			r.fail("acknowledged order %d (key %s) is not in the database (found %v)", id, key, ids)
		}
	}
	decisions, err := db.AuditEntry.Query().Where(auditentry.ActionIn("approve", "reject", "return"), auditentry.TaskIDNotNil()).All(ctx)
	if err != nil {
		r.fatal(err)
		return
	}
	perTask := map[int][]string{}
	for _, e := range decisions {
		perTask[*e.TaskID] = append(perTask[*e.TaskID], e.Actor+" "+e.Action)
	}
	for id, ds := range perTask {
		if len(ds) > 1 {
			r.fail("task %d decided %d times: %v", id, len(ds), ds)
		}
	}
	// Every decided task, not an IN list of the acknowledged ones: a 10-minute run
	// acknowledges more decisions than SQLite binds variables in one statement.
	tasks, err := db.Task.Query().Where(task.DecisionNEQ("")).All(ctx)
	if err != nil {
		r.fatal(err)
		return
	}
	byID := map[int]*ent.Task{}
	for _, t := range tasks {
		byID[t.ID] = t
	}
	for _, d := range a.decided {
		t := byID[d.Task]
		switch {
		case t == nil:
			r.fail("acknowledged %s of task %d (order %d) by %s: the task is not in the database", d.Action, d.Task, d.Order, d.User)
		case t.Decision != d.Action || t.DecidedBy != d.User:
			r.fail("acknowledged %s of task %d (order %d) by %s: the database says %q by %q", d.Action, d.Task, d.Order, d.User, t.Decision, t.DecidedBy)
		case len(perTask[d.Task]) != 1:
			r.fail("acknowledged %s of task %d (order %d): %d audit entries", d.Action, d.Task, d.Order, len(perTask[d.Task]))
		}
	}
	exs, err := db.Exception.Query().All(ctx)
	if err != nil {
		r.fatal(err)
		return
	}
	exByID := map[int]*ent.Exception{}
	for _, e := range exs {
		exByID[e.ID] = e
	}
	for _, x := range a.resolved {
		e := exByID[x.Exception]
		if e == nil || e.Status != "resolved" || e.Resolution != x.Action || e.ResolvedBy != x.User {
			r.fail("acknowledged %s of exception %d (order %d) is not what the database holds: %+v", x.Action, x.Exception, x.Order, e)
		}
	}

	// No order stranded: one that has not ended has an open task, a waiting node, a
	// pending timer or an open exception; one that ended has no open task.
	openTasks := map[int]int{}
	ts, err := db.Task.Query().Where(task.StatusIn("open", "waiting"), task.KindNEQ("cc")).All(ctx)
	if err != nil {
		r.fatal(err)
		return
	}
	for _, t := range ts {
		openTasks[t.OrderID]++
	}
	holds := map[int]bool{}
	nis, err := db.NodeInstance.Query().Where(nodeinstance.Status("waiting")).All(ctx)
	if err != nil {
		r.fatal(err)
		return
	}
	for _, n := range nis {
		holds[n.OrderID] = true
	}
	tms, err := db.Timer.Query().Where(timer.Status("pending")).All(ctx)
	if err != nil {
		r.fatal(err)
		return
	}
	for _, t := range tms {
		if t.Kind == "wait" {
			holds[t.OrderID] = true
		}
	}
	openEx := map[int]bool{}
	oe, err := db.Exception.Query().Where(exception.Status("open")).All(ctx)
	if err != nil {
		r.fatal(err)
		return
	}
	for _, e := range oe {
		openEx[e.OrderID] = true
	}
	byStatus := map[string]int{}
	for _, o := range orders {
		byStatus[o.Status]++
		switch o.Status {
		case "in_review":
			if openTasks[o.ID] == 0 && !holds[o.ID] && !openEx[o.ID] {
				r.fail("order %d is stranded: in review with no open task, waiting node, wait timer or open exception", o.ID)
			}
		case "exception":
			if !openEx[o.ID] {
				r.fail("order %d is stranded: held by an exception, and none is open", o.ID)
			}
		default:
			if openTasks[o.ID] > 0 {
				r.fail("order %d ended %s with %d open tasks", o.ID, o.Status, openTasks[o.ID])
			}
		}
	}
	r.stats = append(r.stats, fmt.Sprintf("orders in the database: %d %v", len(orders), byStatus))

	// Stock never negative, and what is reserved is what the held reservations say.
	stocks, err := db.Stock.Query().All(ctx)
	if err != nil {
		r.fatal(err)
		return
	}
	held, err := db.Reservation.Query().Where(reservation.Status("held")).All(ctx)
	if err != nil {
		r.fatal(err)
		return
	}
	sum := map[string]int{}
	for _, h := range held {
		sum[h.Sku+"@"+h.Warehouse] += h.Qty
	}
	for _, s := range stocks {
		if s.OnHand < 0 || s.Reserved < 0 || s.Reserved > s.OnHand {
			r.fail("stock %s@%s: on hand %d, reserved %d", s.Sku, s.Warehouse, s.OnHand, s.Reserved)
		}
		if k := s.Sku + "@" + s.Warehouse; sum[k] != s.Reserved {
			r.fail("stock %s: reserved %d, held reservations add up to %d", k, s.Reserved, sum[k])
		}
	}
}

// checkSockets waits until every socket has caught up with its topics, then checks it
// received each of their events since its first subscription exactly once, in order.
func (r *report) checkSockets(ctx context.Context, st *store.Store, ll *liveLoad) {
	deadline := time.Now().Add(60 * time.Second)
	for _, s := range ll.sockets {
		s.mu.Lock()
		started, topics, start, lastErr := s.started, slices.Clone(s.topics), s.start, s.lastErr
		s.mu.Unlock()
		if !started {
			r.fail("socket of %s never subscribed (last error: %s)", s.user, lastErr)
			continue
		}
		var want []int64
		for {
			rows, err := st.Read.Event.Query().Where(event.SeqGT(start), event.TopicIn(topics...)).Order(ent.Asc(event.FieldSeq)).
				Select(event.FieldSeq).Ints(ctx)
			if err != nil {
				r.fatal(err)
				return
			}
			want = want[:0]
			for _, v := range rows {
				want = append(want, int64(v))
			}
			s.mu.Lock()
			last := s.last
			s.mu.Unlock()
			if len(want) == 0 || last >= want[len(want)-1] || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		s.mu.Lock()
		got := slices.Clone(s.seqs)
		dups := slices.Clone(s.dups)
		resyncs, connects := s.resyncs, s.connects
		s.mu.Unlock()
		for _, d := range dups {
			r.fail("socket of %s %v: %s", s.user, topics, d)
		}
		if resyncs > 0 {
			r.fail("socket of %s was told to resync %d times (its seq was within the retained window)", s.user, resyncs)
		}
		// events newer than the table read above may have arrived since: not extras
		if len(want) > 0 {
			got = slices.DeleteFunc(got, func(v int64) bool { return v > want[len(want)-1] })
		} else {
			got = nil
		}
		if missing, extra := diff(want, got); len(missing) > 0 || len(extra) > 0 {
			r.fail("socket of %s %v from seq %d (%d connections): %d events missing %v, %d not of its topics %v",
				s.user, topics, start, connects, len(missing), head(missing), len(extra), head(extra))
		}
		r.stats = append(r.stats, fmt.Sprintf("socket %-9s %d events over %d connections", s.user, len(got), connects))
	}
}

// diff: the seqs of want missing from got, and those of got not in want.
func diff(want, got []int64) (missing, extra []int64) {
	g := map[int64]bool{}
	for _, v := range got {
		g[v] = true
	}
	w := map[int64]bool{}
	for _, v := range want {
		w[v] = true
		if !g[v] {
			missing = append(missing, v)
		}
	}
	for _, v := range got {
		if !w[v] {
			extra = append(extra, v)
		}
	}
	return missing, extra
}

func head(v []int64) []int64 {
	if len(v) > 10 {
		return v[:10]
	}
	return v
}

// auditVerify runs `sluice audit verify` on the database once the instances stopped.
func (r *report) auditVerify(ctx context.Context, bin, db string) {
	out, err := exec.CommandContext(ctx, bin, "audit", "verify", "--db", db).CombinedOutput()
	if err != nil {
		r.fail("sluice audit verify: %v\n%s", err, out)
		return
	}
	r.stats = append(r.stats, "audit verify: "+strings.TrimSpace(string(out)))
}

// stockWatch samples the stock table during the run: a negative count at any moment
// is a finding even if it is put right later.
type stockWatch struct {
	mu   sync.Mutex
	dips []string
}

func (w *stockWatch) watch(ctx context.Context, st *store.Store) {
	for ctx.Err() == nil {
		sleep(ctx, time.Second)
		rows, err := st.Read.Stock.Query().All(ctx)
		if err != nil {
			continue
		}
		for _, s := range rows {
			if s.OnHand < 0 || s.Reserved < 0 || s.Reserved > s.OnHand {
				w.mu.Lock()
				if len(w.dips) < 20 {
					w.dips = append(w.dips, fmt.Sprintf("stock %s@%s on hand %d reserved %d", s.Sku, s.Warehouse, s.OnHand, s.Reserved))
				}
				w.mu.Unlock()
			}
		}
	}
}

// print writes the scenario's summary and findings.
func (r *report) print(w io.Writer) {
	verdict := "PASS"
	if !r.ok() {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "\n-- %s: %s in %s (seed %d) --\n", r.Scenario, verdict, r.Wall.Round(time.Second), r.Seed)
	fmt.Fprintf(w, "faults: %d SIGKILLs, %d PostgreSQL drops (%d backends terminated), %d websocket storms\n",
		r.Faults.Kills, r.Faults.Drops, r.Faults.Backends, r.Faults.Storms)
	if a := r.Acks; a != nil {
		a.mu.Lock()
		fmt.Fprintf(w, "acknowledged: %d orders (%d keys sent), %d decisions, %d exception resolutions; %d answered from an idempotency record, %d after retries; %d sent again on purpose\n",
			len(a.submitted), len(a.attempted), len(a.decided), len(a.resolved), a.replays, a.retried2xx, a.resent)
		if len(a.conflicts) > 0 {
			fmt.Fprintf(w, "refused (4xx, not acknowledged): %s\n", sortedCounts(a.conflicts))
		}
		for _, k := range a.keyConflict {
			fmt.Fprintf(w, "note: a keyed retry after an unknown outcome was refused: %s\n", k)
		}
		a.mu.Unlock()
	}
	if q := r.Requests; q != nil {
		q.mu.Lock()
		routes := make([]string, 0, len(q.counts))
		for k := range q.counts {
			routes = append(routes, k)
		}
		sort.Strings(routes)
		for _, k := range routes {
			fmt.Fprintf(w, "  %-34s %s\n", k, sortedCounts(q.counts[k]))
		}
		fmt.Fprintf(w, "unknown outcomes retried: %d; 503 with Retry-After: %d", q.unknowns.Load(), q.n503)
		for _, e := range q.e503 {
			fmt.Fprintf(w, "\n  e.g. %s %s on %s: %.200s", e.At, e.Request, e.Instance, e.Body)
		}
		fmt.Fprintln(w)
		for _, e := range q.errs {
			fmt.Fprintf(w, "FINDING: HTTP %d at %s: %s on instance %s: %.600s\n", e.Status, e.At, e.Request, e.Instance, e.Body)
		}
		for i, e := range q.stalls {
			if i == 10 {
				fmt.Fprintf(w, "FINDING: … and %d more requests with no answer in %s\n", len(q.stalls)-10, requestTimeout)
				break
			}
			fmt.Fprintf(w, "FINDING: no answer in %s: %s on instance %s, sent at %s\n", requestTimeout, e.Request, e.Instance, e.At-requestTimeout)
		}
		q.mu.Unlock()
	}
	for _, s := range r.stats {
		fmt.Fprintln(w, s)
	}
	for _, n := range r.notes {
		fmt.Fprintln(w, "note:", n)
	}
	for _, d := range r.StockDips {
		fmt.Fprintln(w, "FINDING: during the run:", d)
	}
	for i, f := range r.findings {
		if i == 50 {
			fmt.Fprintf(w, "… and %d more findings\n", len(r.findings)-50)
			break
		}
		fmt.Fprintln(w, "FINDING:", f)
	}
	if !r.ok() && r.Dir != "" {
		fmt.Fprintf(w, "server logs kept in %s\n", r.Dir)
	}
}

func sortedCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s×%d", k, m[k])
	}
	return b.String()
}
