package service_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/expr-lang/expr"

	"sluice/backend/app"
	"sluice/backend/engine"
	"sluice/backend/engine/enginetest"
	"sluice/backend/ent"
	"sluice/backend/ent/definition"
	"sluice/backend/ent/exception"
	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/order"
	"sluice/backend/ent/task"
	"sluice/backend/ent/timer"
	"sluice/backend/flowcheck"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// The replay check (the Zeebe-style one): random valid flows are published through the
// service, orders run through them with random actions, timers and exception
// resolutions, and after every step the state the service keeps in the database must
// equal the state of an in-memory engine.Tracker fed the engine's results for the same
// steps — and the counters, tasks and statuses must keep their invariants. At random
// steps a brand-new Service on the same database (a restart: new catalog, nothing
// cached) must answer GetOrder exactly as the running one does.
//
// The check and the flow checker watch each other (docs/flow-checker.md): every flow
// is published through the checker; one it proves must never strand an order here,
// and for one it refuses, the service driven along the counterexample must reach the
// bad state the checker named.
//
// SLUICE_SEED replays a run; SLUICE_REPLAY_SECONDS sets the time per database (10).

// replayPeople are the reviewers random flows name; the submitter (clerk) is not one.
var replayPeople = []string{"manager", "manager2", "finance", "finance2", "warehouse", "service"}

func replaySeed(t *testing.T) uint64 {
	if v := os.Getenv("SLUICE_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	return rand.Uint64()
}

// shadowEnv is the engine's view of the world the demo database gives random flows:
// named users are all active, the "nobody" role (finance in sales) resolves no one,
// and test.flaky fails while the order's note says fail:<reason>.
type shadowEnv struct{ data map[string]any }

func (e *shadowEnv) Resolve(a engine.Approvers, dept string, o engine.Order) ([]string, error) {
	return slices.Clone(a.Users), nil
}

func (e *shadowEnv) Run(n *engine.NodeDoc, o engine.Order) (string, map[string]any, any, error) {
	note, _ := e.data["note"].(string)
	if reason, failing := strings.CutPrefix(note, "fail:"); failing {
		return "", nil, nil, &engine.Failure{Reason: reason, Message: "the note says " + reason}
	}
	return "ok", nil, nil, nil
}

func (e *shadowEnv) Eligible(u string) (bool, error) {
	return slices.Contains(replayPeople, u) || u == "clerk", nil
}

// shadow is the in-memory model of one order (a parent or a sub-flow's child).
type shadow struct {
	f        *engine.Flow
	tr       *engine.Tracker
	env      *shadowEnv
	o        engine.Order
	auto     map[string]int      // open review node -> automatic approvals it opened with
	approved map[string][]string // open review node -> who approved it so far
	switched int                 // switches passed
	reworked int                 // rejections sent back by on_reject
	children int                 // sub-flow children that ended and resumed this order
	t        *testing.T
	// id is the order's id in the database; a child's is looked up once it runs (0
	// before: a child that ends as it starts never needs one).
	id    int
	flows map[string]*engine.Flow // the sub-flows this order's subflow nodes start, by key
	// parent and node: a child's parent and the subflow node it runs for.
	parent *shadow
	node   string
	kids   map[string]*shadow // running children, by the subflow node waiting for them
	// dropped are children whose node closed (a return, a rejection or an end took the
	// branch away): the service cancels them.
	dropped []*shadow
}

func newShadow(t *testing.T, f *engine.Flow, flows map[string]*engine.Flow, o engine.Order) *shadow {
	return &shadow{f: f, tr: &engine.Tracker{}, env: &shadowEnv{data: o.Data}, o: o, auto: map[string]int{},
		approved: map[string][]string{}, t: t, flows: flows, kids: map[string]*shadow{}}
}

func live(status string) bool {
	return status == engine.StatusInReview || status == engine.StatusException
}

func (sh *shadow) take(r *engine.Result, acted string) {
	var started []engine.Visit // children the service starts in this transition
	for _, v := range r.Visits {
		if v.Type == engine.TypeSwitch {
			sh.switched++
		}
		if v.Type == engine.TypeReview && v.Status == "active" {
			n := len(v.AutoApproved)
			if v.Mode == engine.ModeAny && n > 1 {
				n = 1
			}
			sh.auto[v.NodeID], sh.approved[v.NodeID] = n, nil
		}
		if v.Type == engine.TypeSubflow && v.Status == "waiting" {
			started = append(started, v)
		}
	}
	sh.tr.Take(r, acted)
	for node, k := range sh.kids {
		if !slices.Contains(sh.tr.Waiting, node) || slices.ContainsFunc(started, func(v engine.Visit) bool { return v.NodeID == node }) {
			sh.dropped = append(sh.dropped, k)
			delete(sh.kids, node)
		}
	}
	// The service starts each child in the parent's transaction; a child that ends as it
	// starts resumes the parent there too, along the edge of the child's end status.
	for _, v := range started {
		if !slices.Contains(sh.tr.Waiting, v.NodeID) || sh.kids[v.NodeID] != nil {
			continue // an earlier resume in this transition took the branch away
		}
		cf := sh.flows[v.Hold.Flow]
		if cf == nil {
			sh.t.Fatalf("model: sub-flow %s of %s is unknown", v.Hold.Flow, v.NodeID)
		}
		k := newShadow(sh.t, cf, nil, engine.Order{Department: sh.o.Department, Submitter: sh.o.Submitter, Data: maps.Clone(v.Hold.Data)})
		k.parent, k.node = sh, v.NodeID
		res, err := engine.Start(cf, k.o, k.env)
		if err != nil {
			sh.t.Fatalf("model: start the child of %s: %v", v.NodeID, err)
		}
		k.take(res, "")
		if live(k.tr.Status) {
			sh.kids[v.NodeID] = k
			continue
		}
		sh.childEnded(k)
	}
	if p := sh.parent; p != nil && !live(sh.tr.Status) && p.kids[sh.node] == sh {
		delete(p.kids, sh.node)
		p.childEnded(sh)
	}
}

// childEnded resumes the parent at the child's subflow node with its end status.
func (sh *shadow) childEnded(k *shadow) {
	res, err := engine.Resume(sh.f, k.node, k.tr.Status, sh.tr.Order(sh.o), sh.env)
	if err != nil {
		sh.t.Fatalf("model: resume sub-flow %s: %v", k.node, err)
	}
	sh.children++
	sh.take(res, k.node)
}

// lookup finds the database ids of the running children started since the last step.
func (sh *shadow) lookup(ctx context.Context, s *store.Store) {
	for node, k := range sh.kids {
		if k.id != 0 {
			continue
		}
		row, err := s.Read.Order.Query().Where(order.ParentID(sh.id), order.ExternalRefHasPrefix(fmt.Sprintf("%d:%s:", sh.id, node)),
			order.StatusIn(engine.StatusInReview, engine.StatusException)).Order(ent.Desc(order.FieldID)).First(ctx)
		if err != nil {
			sh.t.Fatalf("the running child of order %d at %s: %v", sh.id, node, err)
		}
		k.id = row.ID
	}
}

// movable are the orders of the family (the order and its running children) with a
// task open.
func (sh *shadow) movable() []*shadow {
	var out []*shadow
	if slices.ContainsFunc(sh.tr.Open, func(st *engine.NodeState) bool {
		return slices.ContainsFunc(st.Tasks, func(x engine.TaskRef) bool { return !x.Waiting })
	}) {
		out = append(out, sh)
	}
	for _, node := range slices.Sorted(maps.Keys(sh.kids)) {
		out = append(out, sh.kids[node].movable()...)
	}
	return out
}

// dbState is what the database says about an order, in the tracker's terms.
type dbState struct {
	Status     string
	Current    []string
	Open       map[string]nodeState
	Waiting    []string
	Exceptions []string
	Joins      map[string][2]int
}

type nodeState struct {
	Mode                          string
	Need, Pool, Approvals, Reject int
	Queue, After                  []string
	Tasks                         []string // kind:assignees[:waiting], sorted
}

func taskKey(kind string, assignees []string, waiting bool) string {
	k := kind + ":" + strings.Join(assignees, ",")
	if waiting {
		k += ":waiting"
	}
	return k
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// modelState renders the tracker like dbState.
func (sh *shadow) modelState() dbState {
	st := dbState{Status: sh.tr.Status, Open: map[string]nodeState{}, Joins: map[string][2]int{}, Current: []string{},
		Waiting: orEmpty(slices.Sorted(slices.Values(sh.tr.Waiting))), Exceptions: []string{}}
	for _, n := range sh.tr.Open {
		ns := nodeState{Mode: n.Mode, Need: n.Need, Pool: n.Pool, Approvals: n.Approvals, Reject: n.Rejections,
			Queue: orEmpty(slices.Clone(n.Queue)), After: orEmpty(slices.Clone(n.After)), Tasks: []string{}}
		for _, t := range n.Tasks {
			ns.Tasks = append(ns.Tasks, taskKey(t.Kind, t.Assignees, t.Waiting))
		}
		slices.Sort(ns.Tasks)
		st.Open[n.NodeID] = ns
		st.Current = append(st.Current, n.NodeID)
	}
	for _, v := range sh.tr.Exceptions {
		st.Exceptions = append(st.Exceptions, v.NodeID)
	}
	slices.Sort(st.Exceptions)
	st.Current = append(append(st.Current, sh.tr.Waiting...), st.Exceptions...)
	slices.Sort(st.Current)
	st.Current = slices.Compact(st.Current)
	for id, js := range sh.tr.Joins {
		st.Joins[id] = [2]int{js.Expected, js.Arrived}
	}
	return st
}

// readState reads an order's state from the database and checks the invariants that
// need no model: (a) an order in review has an open task, a waiting node or an open
// exception; (b) an ended order has no open task; (c) each active review node's
// counters equal the decisions its tasks record (plus the automatic approvals it
// opened with).
func readState(t *testing.T, c *ent.Client, id int, auto map[string]int, steps []string) dbState {
	t.Helper()
	fatalf := func(format string, a ...any) {
		t.Helper()
		t.Fatalf("%s\nafter %v", fmt.Sprintf(format, a...), steps)
	}
	ctx := context.Background()
	o, err := c.Order.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	st := dbState{Status: o.Status, Current: orEmpty(slices.Sorted(slices.Values(o.CurrentNodes))), Open: map[string]nodeState{},
		Joins: map[string][2]int{}, Waiting: []string{}, Exceptions: []string{}}
	nis, err := c.NodeInstance.Query().Where(nodeinstance.OrderID(id), nodeinstance.StatusIn("active", "waiting")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	live, err := c.Task.Query().Where(task.OrderID(id), task.StatusIn("open", "waiting"), task.KindNEQ("cc")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ni := range nis {
		switch {
		case ni.NodeType == engine.TypeReview && ni.Status == "active":
			ns := nodeState{Mode: ni.Mode, Need: ni.Required, Pool: ni.Pool, Approvals: ni.Approvals, Reject: ni.Rejections,
				Queue: orEmpty(slices.Clone(ni.Queue)), After: orEmpty(slices.Clone(ni.After)), Tasks: []string{}}
			for _, tk := range live {
				if tk.NodeInstanceID == ni.ID {
					ns.Tasks = append(ns.Tasks, taskKey(tk.Kind, tk.Assignees, tk.Status == "waiting"))
				}
			}
			slices.Sort(ns.Tasks)
			if _, dup := st.Open[ni.NodeID]; dup {
				fatalf("two active instances of %s", ni.NodeID)
			}
			st.Open[ni.NodeID] = ns
			// (c) the counters are the recorded votes
			decided, err := c.Task.Query().Where(task.NodeInstanceID(ni.ID), task.DecisionIn(engine.ActApprove, engine.ActReject),
				task.KindIn(engine.KindReview, engine.KindBefore)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var yes, no int
			for _, d := range decided {
				switch {
				case d.Decision == engine.ActApprove && d.Kind == engine.KindReview:
					yes++
				case d.Decision == engine.ActReject:
					no++
				}
			}
			if ni.Approvals != yes+auto[ni.NodeID] || ni.Rejections != no {
				fatalf("order %d node %s: counters %d/%d, recorded votes %d (+%d automatic)/%d", id, ni.NodeID, ni.Approvals, ni.Rejections, yes, auto[ni.NodeID], no)
			}
		case (ni.NodeType == engine.TypeWait || ni.NodeType == engine.TypeSubflow) && ni.Status == "waiting":
			st.Waiting = append(st.Waiting, ni.NodeID)
		case ni.NodeType == engine.TypeJoin && ni.Status == "waiting":
			st.Joins[ni.NodeID] = [2]int{ni.Required, ni.Approvals}
		}
	}
	slices.Sort(st.Waiting)
	exs, err := c.Exception.Query().Where(exception.OrderID(id), exception.Status("open")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exs {
		st.Exceptions = append(st.Exceptions, e.Node)
	}
	slices.Sort(st.Exceptions)
	switch st.Status {
	case engine.StatusInReview:
		if len(live) == 0 && len(st.Waiting) == 0 && len(exs) == 0 { // (a)
			fatalf("order %d is stranded: in review with no open task, waiting node or exception", id)
		}
	case engine.StatusException:
		if len(exs) == 0 {
			fatalf("order %d is held by an exception, and none is open", id)
		}
	default: // (b)
		if len(live) > 0 || len(st.Open) > 0 || len(st.Waiting) > 0 {
			fatalf("order %d is stranded: it ended %s with tasks %d, nodes %v, waiting %v", id, st.Status, len(live), st.Open, st.Waiting)
		}
	}
	return st
}

func TestReplayFromStoredState(t *testing.T) {
	seed := replaySeed(t)
	budget := 10 * time.Second
	if v := os.Getenv("SLUICE_REPLAY_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		budget = time.Duration(n) * time.Second
	}
	if testing.Short() {
		budget = 2 * time.Second
	}
	first := 0
	if v := os.Getenv("SLUICE_REPLAY_FLOW"); v != "" {
		var err error
		if first, err = strconv.Atoi(v); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seed %d (SLUICE_SEED=%d replays it; SLUICE_REPLAY_FLOW=<n> starts at the failing flow n)", seed, seed)
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc, instant := replayService(t, ctx, s)
		end := time.Now().Add(budget)
		var st replayStats
		for i := first; time.Now().Before(end); i++ {
			st.add(replayFlow(t, ctx, svc, s, instant, seed, i, end))
		}
		// every decision taken on the way has its audit entry, and its events name it:
		// the cross-check of `sluice audit verify` has nothing to report on real data
		if problem, decided, err := s.CheckDecisions(ctx); err != nil || problem != "" || decided == 0 {
			t.Fatalf("cross-check of %d decided tasks: %s %v", decided, problem, err)
		}
		t.Logf("%d flows generated (%d proved, %d refused: %d counterexamples reproduced in the service %v, %d not replayable %v, "+
			"%d child flows that the parent replaced by one that ends at once), "+
			"%d orders, 0 stranded, %d steps (%d automatic timer actions, %d waits over, %d exceptions resolved, %d switches passed, "+
			"%d rejections sent back by on_reject, %d returns to a chosen node, %d sub-flow children ended, %d child tasks decided), "+
			"%d actions also taken on a copy by a new Service, in %s",
			st.flows, st.accepted, st.refused, st.reproduced, st.kinds, st.unreplayable, st.why, st.childRefused, st.orders, st.steps, st.autos, st.waits,
			st.resolved, st.switched, st.reworked, st.returns, st.children, st.childSteps, st.clones, budget)
		if st.refused > 0 && st.reproduced == 0 && st.flows > 30 {
			t.Fatalf("%d flows refused and no counterexample replayed in the service", st.refused)
		}
	})
}

// replayService is the demo service the replays run on, with the child flow that ends
// at once (which parents fall back to when the checker refuses their own child).
func replayService(t *testing.T, ctx context.Context, s *store.Store) (*app.Service, *engine.Flow) {
	t.Helper()
	svc := newDemo(t, s)
	publish(t, svc, s, "instant-child", instantChildFlow)
	instant, err := svc.Catalog.Flow(ctx, "instant-child", 0)
	if err != nil || instant == nil {
		t.Fatalf("instant-child: %v", err)
	}
	return svc, instant
}

// replayRegressions are flows random runs once failed on, replayed on every run.
var replayRegressions = []struct {
	seed uint64
	flow int
	what string
}{
	// a review passed by one person auto-passed and one timer: nobody counts as its
	// approver for the auto-pass after a wait (the database said the auto-passed one)
	{16232689015653329574, 12, "last approvers after a timer"},
	// a rejection routed into a sibling branch opens its review a second time: the
	// checker refuses it (open_twice) with a counterexample the service replays
	{16232689015653329574, 26, "a review open twice"},
}

func TestReplayRegressions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc, instant := replayService(t, ctx, s)
		for _, c := range replayRegressions {
			if st := replayFlow(t, ctx, svc, s, instant, c.seed, c.flow, time.Now().Add(time.Minute)); st.orders+st.refused == 0 {
				t.Fatalf("%s: flow %d of seed %d ran nothing", c.what, c.flow, c.seed)
			}
		}
	})
}

// replayFlow generates flow i of the seed's run, publishes it (and its child flow)
// and runs orders through it until end; a flow depends only on (seed, i), so
// SLUICE_SEED with SLUICE_REPLAY_FLOW=i replays a failure without the flows before it.
func replayFlow(t *testing.T, ctx context.Context, svc *app.Service, s *store.Store, instant *engine.Flow, seed uint64, i int, end time.Time) replayStats {
	t.Helper()
	var st replayStats
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	key := fmt.Sprintf("replay-%d", i)
	name := fmt.Sprintf("flow %d (seed %d)", i, seed)
	flows := map[string]*engine.Flow{"instant-child": instant}
	opts := enginetest.Options{Key: key, Form: "order", People: replayPeople, Plugin: "test.flaky", Waits: true,
		Switches: true, OnReject: true, Inclusive: true, BranchRework: true, Chain: 4}
	if i%3 == 2 {
		// shapes that may strand, with approvers the checker abstracts exactly:
		// what it refuses must replay in the service as its counterexample says
		opts.Risky, opts.Pairs = true, true
	} else {
		// a child flow with reviews of its own (or, when the checker refuses
		// it, the child that ends as it starts)
		child := enginetest.RandomFlow(r, enginetest.Options{Key: key + "-child", Form: "order", People: replayPeople,
			Switches: true, OnReject: true, Inclusive: true, BranchRework: true, Chain: 3})
		opts.NobodyRole, opts.Subflow = "finance", "instant-child"
		if cf, fd := proveAndPublish(t, ctx, svc, s, child, name+" child"); fd == nil {
			flows[child.Key], opts.Subflow = cf, child.Key
			st.accepted++
		} else {
			st.refused++
			st.childRefused++
		}
		st.flows++
	}
	doc := enginetest.RandomFlow(r, opts)
	f, fd := proveAndPublish(t, ctx, svc, s, doc, name)
	st.flows++
	if fd != nil {
		st.refused++
		st.add(reproduce(t, ctx, s, doc, f, fd, name))
		return st
	}
	st.accepted++
	// half the flows get a reminder whose timers approve or reject some review
	// nodes' tasks automatically (the system decides: engine.Action.Auto)
	if r.IntN(2) == 0 {
		rules := map[string]any{}
		for _, n := range doc.Nodes {
			if n.Type == engine.TypeReview && r.IntN(2) == 0 {
				rules[n.ID] = map[string]any{"auto_after": "1h", "auto_action": []string{"approve", "approve", "reject"}[r.IntN(3)]}
			}
		}
		if len(rules) > 0 {
			rem, _ := json.Marshal(map[string]any{"kind": "reminder", "key": doc.Key + "-sla", "flow": doc.Key, "rules": rules})
			admin := as(t, s, "admin")
			if _, err := svc.SaveDraft(ctx, admin, "reminder", doc.Key+"-sla", rem); err != nil {
				t.Fatalf("reminder: %v", err)
			}
			if _, err := svc.Publish(ctx, admin, "reminder", doc.Key+"-sla"); err != nil {
				t.Fatalf("reminder: %v", err)
			}
		}
	}
	for k := 0; k < 2 && time.Now().Before(end); k++ {
		st.add(replayOrder(t, ctx, svc, s, f, flows, r, fmt.Sprintf("%s order %d", name, k)))
	}
	return st
}

// proveAndPublish publishes a flow through the service, which proves it first
// (Catalog.prove: definitions.ProveFlow, as every publish does). It returns the
// compiled flow and, when the checker refuses it, the finding the service's 422 carries.
func proveAndPublish(t *testing.T, ctx context.Context, svc *app.Service, s *store.Store, doc engine.FlowDoc, name string) (*engine.Flow, *flowcheck.Finding) {
	t.Helper()
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	def := map[string]any{}
	_ = json.Unmarshal(body, &def)
	def["kind"] = "flow"
	body, _ = json.Marshal(def)
	f, err := engine.Build(doc, 1)
	if err != nil {
		t.Fatal(err)
	}
	admin := as(t, s, "admin")
	if _, err := svc.SaveDraft(ctx, admin, "flow", doc.Key, body); err != nil {
		t.Fatalf("%s: the generator made a flow the validator refuses: %v\n%s", name, err, body)
	}
	_, err = svc.Publish(ctx, admin, "flow", doc.Key)
	if err == nil {
		return f, nil
	}
	e, ok := service.AsError(err)
	if !ok || e.Status != 422 || !strings.HasPrefix(e.Code, "flow_") || len(e.Errors) != 1 {
		t.Fatalf("%s: publish: %v\n%s", name, err, body)
	}
	return f, &flowcheck.Finding{Kind: flowcheck.Kind(strings.TrimPrefix(e.Code, "flow_")), Pointer: e.Errors[0].Pointer,
		Message: e.Errors[0].Message, Counterexample: e.Counterexample}
}

// replayOrder runs one order with random steps, checking after each; it returns the
// number of steps.
func replayOrder(t *testing.T, ctx context.Context, svc *app.Service, s *store.Store, f *engine.Flow, flows map[string]*engine.Flow,
	r *rand.Rand, name string) replayStats {
	var clones, autos, waits, resolved, returns, childSteps int
	req := sample(t, "small-standard.json")
	req.Flow = f.Key
	note := "fine"
	if r.IntN(2) == 0 {
		note = "fail:data"
	}
	if r.IntN(4) == 0 {
		note = "other"
	}
	req.Data["note"] = note
	ov, _, err := svc.Submit(ctx, as(t, s, "clerk"), req, nil)
	if err != nil {
		t.Fatalf("%s: submit: %v", name, err)
	}
	id := ov.ID
	// the model reads the note as the service does (a retry's fix changes both)
	sh := newShadow(t, f, flows, engine.Order{ID: id, Department: ov.Department, Submitter: "clerk", Data: map[string]any{"note": note}})
	sh.id = id
	res, err := engine.Start(f, sh.o, sh.env)
	if err != nil {
		t.Fatalf("%s: model start: %v", name, err)
	}
	sh.take(res, "")
	var log []string
	check := func(what string) {
		t.Helper()
		log = append(log, what)
		sh.lookup(ctx, s)
		for _, x := range append([]*shadow{sh}, slices.Collect(maps.Values(sh.kids))...) {
			got := readState(t, s.Read, x.id, x.auto, log)
			want := x.modelState()
			if !reflect.DeepEqual(got, want) {
				doc, _ := json.Marshal(x.f.Doc)
				t.Fatalf("%s, order %d, after %v:\ndatabase %+v\nmodel    %+v\nflow %s", name, x.id, log, got, want, doc)
			}
		}
		for _, k := range sh.dropped {
			if k.id == 0 {
				continue // started and cancelled within one transition
			}
			if o, err := s.Read.Order.Get(ctx, k.id); err != nil || o.Status != "cancelled" {
				t.Fatalf("%s, after %v: the child %d of %s was left behind: %v %v", name, log, k.id, k.node, o, err)
			}
			if n, err := s.Read.Task.Query().Where(task.OrderID(k.id), task.StatusIn("open", "waiting")).Count(ctx); err != nil || n > 0 {
				t.Fatalf("%s, after %v: the cancelled child %d keeps %d tasks %v", name, log, k.id, n, err)
			}
		}
		sh.dropped = nil
	}
	check("submit")
	step := 0
	for ; step < 40 && live(sh.tr.Status); step++ {
		if r.IntN(6) == 0 {
			restart(t, ctx, svc, s, id, name)
		}
		waitsAt := slices.DeleteFunc(slices.Clone(sh.tr.Waiting), func(n string) bool { return f.Nodes[n].Type != engine.TypeWait })
		movable := sh.movable()
		switch {
		case sh.tr.Status == engine.StatusException:
			check(resolveOne(t, ctx, svc, s, sh, r, id, name))
			resolved++
		case r.IntN(5) == 0 && autoDue(t, ctx, s, id) != nil:
			check(autoOne(t, ctx, svc, s, sh, autoDue(t, ctx, s, id), name))
			autos++
		case len(waitsAt) > 0 && (len(movable) == 0 || r.IntN(4) == 0):
			node := waitsAt[r.IntN(len(waitsAt))]
			tm, err := s.Read.Timer.Query().Where(timer.OrderID(id), timer.Node(node), timer.Kind(service.TimerWait), timer.Status("pending")).Only(ctx)
			if err != nil {
				t.Fatalf("%s: the wait timer of %s: %v", name, node, err)
			}
			if ok, err := svc.FireTimer(ctx, tm.ID, time.Now().Add(3*time.Hour), "replay"); err != nil || !ok {
				t.Fatalf("%s: fire the wait at %s: %v %v", name, node, ok, err)
			}
			res, err := engine.Resume(f, node, "", sh.tr.Order(sh.o), sh.env)
			if err != nil {
				t.Fatalf("%s: model resume %s: %v", name, node, err)
			}
			sh.take(res, node)
			check("wait over at " + node)
			waits++
		case len(movable) == 0:
			t.Fatalf("%s: stranded: nothing to move after %v (model %+v)", name, log, sh.modelState())
		default:
			x := movable[r.IntN(len(movable))]
			if x != sh {
				childSteps++
			}
			// Now and then the next action is also taken by a brand-new Service on a
			// copy of the database as it was before it (SQLite): both must answer the
			// same.
			var twin *app.Service
			var twinStore *store.Store
			var closeTwin func()
			if s.Dialect == dialect.SQLite && r.IntN(8) == 0 {
				twin, twinStore, closeTwin = cloneSQLite(t, ctx, s)
			}
			what, did := actOne(t, ctx, svc, s, x, r, name, step)
			if did.req.Action == engine.ActReturn && did.req.Node != "" {
				returns++
			}
			check(what)
			if twin != nil {
				if _, _, err := twin.Act(ctx, as(t, twinStore, did.actor), did.task, did.req, nil); err != nil {
					t.Fatalf("%s: %s: the running service took it, a new one on a copy said %v", name, what, err)
				}
				a, err := svc.GetOrder(ctx, as(t, s, "admin"), id)
				if err != nil {
					t.Fatal(err)
				}
				b, err := twin.GetOrder(ctx, as(t, twinStore, "admin"), id)
				if err != nil {
					t.Fatal(err)
				}
				if !sameView(t, a, b) {
					t.Fatalf("%s: %s gave different orders:\nrunning %+v\nnew     %+v", name, what, a, b)
				}
				closeTwin()
				clones++
			}
		}
	}
	restart(t, ctx, svc, s, id, name)
	return replayStats{orders: 1, steps: step, clones: clones, autos: autos, waits: waits, resolved: resolved,
		switched: sh.switched, reworked: sh.reworked, children: sh.children, returns: returns, childSteps: childSteps}
}

// replayStats count what a replay run did.
type replayStats struct {
	flows, accepted, refused, childRefused, reproduced, unreplayable                                 int
	orders, steps, clones, autos, waits, resolved, switched, reworked, children, returns, childSteps int
	kinds, why                                                                                       map[string]int
}

func (a *replayStats) add(b replayStats) {
	a.orders, a.steps, a.clones, a.autos, a.waits, a.resolved = a.orders+b.orders, a.steps+b.steps, a.clones+b.clones,
		a.autos+b.autos, a.waits+b.waits, a.resolved+b.resolved
	a.switched, a.reworked, a.children = a.switched+b.switched, a.reworked+b.reworked, a.children+b.children
	a.returns, a.childSteps = a.returns+b.returns, a.childSteps+b.childSteps
	a.reproduced, a.unreplayable = a.reproduced+b.reproduced, a.unreplayable+b.unreplayable
	a.flows, a.accepted, a.refused, a.childRefused = a.flows+b.flows, a.accepted+b.accepted, a.refused+b.refused, a.childRefused+b.childRefused
	for _, m := range []struct {
		to   *map[string]int
		from map[string]int
	}{{&a.kinds, b.kinds}, {&a.why, b.why}} {
		for k, v := range m.from {
			if *m.to == nil {
				*m.to = map[string]int{}
			}
			(*m.to)[k] += v
		}
	}
}

// actOne takes a random valid action on a random open task, through the service and
// in the model.
func actOne(t *testing.T, ctx context.Context, svc *app.Service, s *store.Store, sh *shadow, r *rand.Rand, name string, step int) (string, taken) {
	id := sh.id
	if sh.parent != nil {
		name = fmt.Sprintf("%s (its child %d at %s)", name, id, sh.node)
	}
	open := sh.tr.Open[:0:0]
	for _, st := range sh.tr.Open {
		if slices.ContainsFunc(st.Tasks, func(x engine.TaskRef) bool { return !x.Waiting }) {
			open = append(open, st)
		}
	}
	st := open[r.IntN(len(open))]
	tasks := slices.DeleteFunc(slices.Clone(st.Tasks), func(x engine.TaskRef) bool { return x.Waiting })
	tk := tasks[r.IntN(len(tasks))]
	actor := tk.Assignees[r.IntN(len(tk.Assignees))]
	req := service.ActionRequest{Action: engine.ActApprove}
	// someone who could join this node: not holding a task there, not queued
	var free []string
	for _, u := range replayPeople {
		if !slices.ContainsFunc(st.Tasks, func(x engine.TaskRef) bool { return slices.Contains(x.Assignees, u) }) &&
			!slices.Contains(st.Queue, u) && !slices.Contains(st.After, u) {
			free = append(free, u)
		}
	}
	switch p := r.IntN(20); {
	case p < 11:
	case p < 14:
		req.Action, req.Reason = engine.ActReject, "no"
	case p < 16 && slices.ContainsFunc(sh.tr.Visited, func(v string) bool { return v != st.NodeID && !sh.f.Branch[v] }):
		req.Action = engine.ActReturn
		if r.IntN(2) == 0 {
			// a chosen earlier review, before a fork or a join on the way as likely
			earlier := slices.DeleteFunc(slices.Clone(sh.tr.Visited), func(v string) bool { return v == st.NodeID || sh.f.Branch[v] })
			req.Node = earlier[r.IntN(len(earlier))]
		}
	case p < 17 && len(free) > 0:
		req.Action, req.User = engine.ActDelegate, free[r.IntN(len(free))]
	case p < 19 && len(free) > 0:
		req.Action, req.User, req.Position = engine.ActAddSigner, free[r.IntN(len(free))], []string{"before", "after"}[r.IntN(2)]
	case len(free) > 0:
		req.Action, req.User = engine.ActTransfer, free[r.IntN(len(free))]
	}
	what := fmt.Sprintf("%s %s by %s at %s", req.Action, req.User, actor, st.NodeID)
	// the model first: the same action on the model's state
	ea := engine.Action{Kind: req.Action, TaskID: tk.ID, Actor: actor, Reason: req.Reason, User: req.User, Position: req.Position, Node: req.Node,
		Visited: sh.tr.Visited, Approved: slices.Clone(sh.approved[st.NodeID])}
	res, err := engine.Act(sh.f, *st, ea, sh.tr.Order(sh.o), sh.env)
	if err != nil {
		t.Fatalf("%s: model %s: %v", name, what, err)
	}
	// the same task in the database: the node's live task with these assignees
	rows, err := s.Read.Task.Query().Where(task.OrderID(id), task.NodeID(st.NodeID), task.Status("open"), task.KindNEQ("cc")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rows, func(x *ent.Task) bool { return slices.Equal(x.Assignees, tk.Assignees) && x.Kind == tk.Kind })
	if i < 0 {
		t.Fatalf("%s: no open task of %v at %s in the database", name, tk.Assignees, st.NodeID)
	}
	if _, _, err := svc.Act(ctx, as(t, s, actor), rows[i].ID, req, nil); err != nil {
		t.Fatalf("%s: %s: the model took it, the service said %v", name, what, err)
	}
	if req.Action == engine.ActApprove && tk.Kind == engine.KindReview {
		sh.approved[st.NodeID] = append(sh.approved[st.NodeID], actor)
	}
	if req.Action == engine.ActReject && sh.f.Nodes[st.NodeID].OnReject != "" && res.Status != engine.StatusRejected {
		sh.reworked++
	}
	sh.take(res, st.NodeID)
	return what, taken{actor, rows[i].ID, req}
}

// taken is an action as the service took it.
type taken struct {
	actor string
	task  int
	req   service.ActionRequest
}

// cloneSQLite copies the database as it is now (VACUUM INTO) and opens a brand-new
// Service on the copy; close closes it.
func cloneSQLite(t *testing.T, ctx context.Context, s *store.Store) (*app.Service, *store.Store, func()) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clone.db")
	if _, err := s.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	c, err := store.Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.New(ctx, c, nil)
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	return svc, c, func() { c.Close() }
}

// sameView compares two answers of GetOrder, times aside (the two databases wrote the
// same change at different instants).
func sameView(t *testing.T, a, b *service.OrderView) bool {
	t.Helper()
	norm := func(v service.OrderView) string {
		v.CreatedAt, v.UpdatedAt = time.Time{}, time.Time{}
		v.Tasks = slices.Clone(v.Tasks)
		for i := range v.Tasks {
			v.Tasks[i].CreatedAt = time.Time{}
		}
		v.Children = slices.Clone(v.Children) // sub-flow children: started when each acted
		for i := range v.Children {
			v.Children[i].CreatedAt = time.Time{}
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	return norm(*a) == norm(*b)
}

// resolveOne resolves a random open exception of the order: retry (after fixing the
// note a failing plugin reads), give a review nobody could decide to someone, or
// override.
func resolveOne(t *testing.T, ctx context.Context, svc *app.Service, s *store.Store, sh *shadow, r *rand.Rand, id int, name string) string {
	ex := sh.tr.Exceptions[r.IntN(len(sh.tr.Exceptions))]
	row, err := s.Read.Exception.Query().Where(exception.OrderID(id), exception.Node(ex.NodeID), exception.Status("open")).Only(ctx)
	if err != nil {
		t.Fatalf("%s: the open exception at %s: %v", name, ex.NodeID, err)
	}
	o := sh.tr.Order(sh.o)
	req := service.ResolveRequest{Action: service.ResolveOverride, Note: "replay"}
	var res *engine.Result
	switch p := r.IntN(3); {
	case p == 0 && ex.Type == engine.TypeTask:
		req = service.ResolveRequest{Action: service.ResolveRetry, Data: map[string]any{"note": "fixed"}}
		sh.env.data["note"] = "fixed"
		res, err = engine.Retry(sh.f, ex.NodeID, o, sh.env, ex.ReturnTo)
	case p == 1 && ex.Type == engine.TypeReview:
		req.User = replayPeople[r.IntN(len(replayPeople))]
		res, err = engine.Assign(sh.f, ex.NodeID, req.User, o, sh.env, ex.ReturnTo)
	default:
		res, err = engine.Skip(sh.f, ex.NodeID, o, sh.env, ex.ReturnTo)
	}
	what := fmt.Sprintf("resolve %s at %s: %s %s", ex.Reason, ex.NodeID, req.Action, req.User)
	if err != nil {
		t.Fatalf("%s: model %s: %v", name, what, err)
	}
	if _, err := svc.ResolveException(ctx, as(t, s, "admin"), row.ID, req); err != nil {
		t.Fatalf("%s: %s: the model took it, the service said %v", name, what, err)
	}
	sh.tr.Resolve(ex.NodeID)
	sh.take(res, "")
	return what
}

// restart: a brand-new Service on the same database answers GetOrder as the running one.
func restart(t *testing.T, ctx context.Context, svc *app.Service, s *store.Store, id int, name string) {
	t.Helper()
	fresh, err := app.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"clerk", "admin"} {
		a, err := svc.GetOrder(ctx, as(t, s, who), id)
		if err != nil {
			t.Fatal(err)
		}
		b, err := fresh.GetOrder(ctx, as(t, s, who), id)
		if err != nil {
			t.Fatal(err)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Fatalf("%s: after a restart GetOrder differs:\nrunning %s\nnew     %s", name, ja, jb)
		}
	}
}

// autoDue is the order's first pending automatic-action timer of an open task, or nil.
func autoDue(t *testing.T, ctx context.Context, s *store.Store, id int) *ent.Timer {
	t.Helper()
	tms, err := s.Read.Timer.Query().Where(timer.OrderID(id), timer.Kind(service.TimerAuto), timer.Status("pending")).
		Order(ent.Asc(timer.FieldID)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range tms {
		if tk, err := s.Read.Task.Get(ctx, tm.TaskID); err == nil && tk.Status == "open" {
			return tm
		}
	}
	return nil
}

// autoOne fires an automatic-action timer: the system decides the task, in the service
// and in the model.
func autoOne(t *testing.T, ctx context.Context, svc *app.Service, s *store.Store, sh *shadow, tm *ent.Timer, name string) string {
	tk, err := s.Read.Task.Get(ctx, tm.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	rule := sh.rules(t, ctx, s, tm)
	what := fmt.Sprintf("timer %d: automatic %s of %v at %s", tm.ID, rule, tk.Assignees, tk.NodeID)
	st := sh.tr.Node(tk.NodeID)
	if st == nil {
		t.Fatalf("%s: %s is not open in the model", name, tk.NodeID)
	}
	i := slices.IndexFunc(st.Tasks, func(x engine.TaskRef) bool {
		return slices.Equal(x.Assignees, tk.Assignees) && x.Kind == tk.Kind && !x.Waiting
	})
	if i < 0 {
		t.Fatalf("%s: no open task of %v at %s in the model", name, tk.Assignees, tk.NodeID)
	}
	ea := engine.Action{Kind: rule, TaskID: st.Tasks[i].ID, Actor: engine.SystemActor, Auto: true, Visited: sh.tr.Visited,
		Approved: slices.Clone(sh.approved[tk.NodeID])}
	if rule == engine.ActReject {
		ea.Reason = "overdue"
	}
	res, err := engine.Act(sh.f, *st, ea, sh.tr.Order(sh.o), sh.env)
	if err != nil {
		t.Fatalf("%s: model %s: %v", name, what, err)
	}
	if ok, err := svc.FireTimer(ctx, tm.ID, tm.DueAt.Add(time.Minute), "replay"); err != nil || !ok {
		t.Fatalf("%s: %s: %v %v", name, what, ok, err)
	}
	after, err := s.Read.Task.Get(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != "done" || after.DecidedBy != engine.SystemActor && tk.Kind != engine.KindDelegate {
		fired, _ := s.Read.Timer.Get(ctx, tm.ID)
		t.Fatalf("%s: %s left the task %s decided by %q (timer outcome %q)", name, what, after.Status, after.DecidedBy, fired.Outcome)
	}
	sh.take(res, tk.NodeID)
	return what
}

// rules reads the automatic action of the timer's reminder rule.
func (sh *shadow) rules(t *testing.T, ctx context.Context, s *store.Store, tm *ent.Timer) string {
	t.Helper()
	d, err := s.Read.Definition.Query().Where(definition.Kind("reminder"), definition.Key(tm.Reminder), definition.Version(tm.ReminderVersion)).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Rules map[string]struct {
			AutoAction string `json:"auto_action"`
		} `json:"rules"`
	}
	if err := json.Unmarshal(d.Body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Rules[tm.Node].AutoAction
}

// reproduce drives the real service along a refused flow's counterexample: the flow is
// published bypassing the check (a store-level insert, as a version published before
// the checker existed would be), an order submitted with the note that makes the
// conditions and plugins of the start answer as the counterexample says, and each
// decision taken through the service; the order must reach the bad state the checker
// named. The steps a service cannot be made to take (a sub-flow ending other than
// its child does, conditions no one note satisfies, a review the service resolves
// differently from the checker's abstraction) are counted, not failed; on Pairs flows
// (Risky) none come up.
func reproduce(t *testing.T, ctx context.Context, s *store.Store, doc engine.FlowDoc, f *engine.Flow, fd *flowcheck.Finding, name string) replayStats {
	t.Helper()
	out := replayStats{kinds: map[string]int{}, why: map[string]int{}}
	skip := func(why string) replayStats {
		out.unreplayable++
		out.why[why]++
		return out
	}
	switch fd.Kind {
	case flowcheck.TooLarge:
		return skip(string(fd.Kind)) // a bound: no run to replay
	case flowcheck.AutomaticLoop:
		if len(fd.Counterexample) < 2 {
			return skip("automatic loop found on the graph")
		}
	}
	notes, ok := counterNotes(t, doc, fd.Counterexample)
	if !ok {
		return skip("no note satisfies the conditions")
	}
	for _, st := range fd.Counterexample {
		if st.Action == "resume" && f.Nodes[st.Node].Type == engine.TypeSubflow {
			return skip("a sub-flow's end")
		}
	}
	for _, n := range doc.Nodes {
		if n.Type == engine.TypeReview && (n.Approvers.Role != "" || len(n.Approvers.Users) != 2) {
			return skip("approvers the checker abstracts differently")
		}
	}
	name = fmt.Sprintf("%s refused (%v)", name, fd)
	body, _ := json.Marshal(doc)
	def := map[string]any{}
	_ = json.Unmarshal(body, &def)
	def["kind"] = "flow"
	body, _ = json.Marshal(def)
	if err := s.Client.Definition.Create().SetKind("flow").SetKey(doc.Key).SetVersion(1).SetStatus("published").
		SetBody(body).SetCreatedBy("admin").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	// a new Service: its catalog has not seen the key yet
	svc, err := app.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.RefreshPolicy(ctx); err != nil {
		t.Fatal(err)
	}
	steps := fd.Counterexample
	show := func(k int) string {
		b, _ := json.Marshal(steps[:k+1])
		return fmt.Sprintf("step %d of %s\nflow %s", k+1, b, body)
	}
	req := sample(t, "small-standard.json")
	req.Flow = doc.Key
	req.Data["note"] = notes[0]
	ov, _, err := svc.Submit(ctx, as(t, s, "clerk"), req, nil)
	last := err
	if err != nil && len(steps) > 1 {
		t.Fatalf("%s: submit: %v\n%s", name, err, show(0))
	}
	id := 0
	if ov != nil {
		id = ov.ID
	}
	for k := 1; k < len(steps) && last == nil; k++ {
		st := steps[k]
		kind, taskOf, _ := strings.Cut(st.Action, "@")
		switch kind {
		case "resume": // a wait (sub-flows were skipped above)
			tm, err := s.Read.Timer.Query().Where(timer.OrderID(id), timer.Node(st.Node), timer.Kind(service.TimerWait), timer.Status("pending")).Only(ctx)
			if err != nil {
				t.Fatalf("%s: the wait timer of %s: %v\n%s", name, st.Node, err, show(k))
			}
			ok, err := svc.FireTimer(ctx, tm.ID, time.Now().Add(3*time.Hour), "replay")
			if err == nil && !ok {
				err = fmt.Errorf("the timer did not fire")
			}
			last = err
		case "retry", "override":
			row, err := s.Read.Exception.Query().Where(exception.OrderID(id), exception.Node(st.Node), exception.Status("open")).Only(ctx)
			if err != nil {
				t.Fatalf("%s: the open exception at %s: %v\n%s", name, st.Node, err, show(k))
			}
			rr := service.ResolveRequest{Action: service.ResolveOverride, Note: "replay"}
			if kind == "retry" {
				rr = service.ResolveRequest{Action: service.ResolveRetry, Data: map[string]any{"note": notes[k]}}
			}
			_, last = svc.ResolveException(ctx, as(t, s, "admin"), row.ID, rr)
		default:
			taskOf = cmp.Or(taskOf, engine.KindReview)
			rows, err := s.Read.Task.Query().Where(task.OrderID(id), task.NodeID(st.Node), task.Status("open"), task.KindNEQ("cc")).
				Order(ent.Asc(task.FieldID)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(rows, func(x *ent.Task) bool { return cmp.Or(x.Kind, engine.KindReview) == taskOf })
			if i < 0 {
				t.Fatalf("%s: no open %s task at %s in the service\n%s", name, taskOf, st.Node, show(k))
			}
			areq := service.ActionRequest{Action: kind, Reason: "checked", Node: st.Target}
			if pos, ok := strings.CutPrefix(kind, engine.ActAddSigner+":"); ok {
				areq.Action, areq.Position = engine.ActAddSigner, pos
			}
			if areq.Action == engine.ActAddSigner || areq.Action == engine.ActDelegate {
				// as the checker's fresh signer: someone no review names, so nobody
				// auto-passes on their approval
				areq.User = "admin"
			}
			_, _, last = svc.Act(ctx, as(t, s, rows[i].Assignees[0]), rows[i].ID, areq, nil)
		}
		if last != nil && k < len(steps)-1 {
			t.Fatalf("%s: the service refused a step on the way: %v\n%s", name, last, show(k))
		}
	}
	// the bad state the checker named
	o, err := s.Read.Order.Get(ctx, id)
	if err != nil && fd.Kind != flowcheck.EngineError {
		t.Fatal(err)
	}
	switch fd.Kind {
	case flowcheck.EngineError, flowcheck.AutomaticLoop: // the loop: auto-passing reviews, found running
		if e, refusal := service.AsError(last); last == nil || refusal && e.Status < 500 {
			t.Fatalf("%s: the service should fail on the last step, got %v\n%s", name, last, show(len(steps)-1))
		}
	case flowcheck.Stranded, flowcheck.JoinNeverPasses, flowcheck.OpenAfterEnd:
		if last != nil {
			t.Fatalf("%s: the last step failed: %v\n%s", name, last, show(len(steps)-1))
		}
		open, err := s.Read.Task.Query().Where(task.OrderID(id), task.StatusIn("open"), task.KindNEQ("cc")).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		waiting, err := s.Read.NodeInstance.Query().Where(nodeinstance.OrderID(id), nodeinstance.Status("waiting"),
			nodeinstance.NodeTypeIn(engine.TypeWait, engine.TypeSubflow)).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		exs, err := s.Read.Exception.Query().Where(exception.OrderID(id), exception.Status("open")).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		joins, err := s.Read.NodeInstance.Query().Where(nodeinstance.OrderID(id), nodeinstance.Status("waiting"),
			nodeinstance.NodeType(engine.TypeJoin)).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case fd.Kind == flowcheck.Stranded && (!live(o.Status) || open+waiting+exs > 0),
			fd.Kind == flowcheck.JoinNeverPasses && (!live(o.Status) || joins == 0),
			fd.Kind == flowcheck.OpenAfterEnd && (live(o.Status) || open+waiting == 0):
			t.Fatalf("%s: the service's order is %s with %d open tasks, %d waiting nodes, %d exceptions, %d waiting joins\n%s",
				name, o.Status, open, waiting, exs, joins, show(len(steps)-1))
		}
	case flowcheck.OpenTwice:
		if last != nil {
			t.Fatalf("%s: the last step failed: %v\n%s", name, last, show(len(steps)-1))
		}
		active, err := s.Read.NodeInstance.Query().Where(nodeinstance.OrderID(id), nodeinstance.Status("active"),
			nodeinstance.NodeType(engine.TypeReview)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen, twice := map[string]bool{}, false
		for _, ni := range active {
			twice = twice || seen[ni.NodeID]
			seen[ni.NodeID] = true
		}
		if !twice {
			t.Fatalf("%s: no review node of the service's order is open twice (%d open)\n%s", name, len(active), show(len(steps)-1))
		}
	default:
		t.Fatalf("%s: unexpected finding", name)
	}
	out.reproduced++
	out.kinds[string(fd.Kind)]++
	return out
}

// counterNotes picks, for each step of a counterexample where the order's note can be
// set (the submit, a retry's fix), a note that makes every condition and plugin up to
// the next such step answer as the step says; ok is false when none does.
func counterNotes(t *testing.T, doc engine.FlowDoc, steps []flowcheck.Step) ([]string, bool) {
	notes := make([]string, len(steps))
	for k := 0; k < len(steps); {
		end := k + 1
		for end < len(steps) && steps[end].Action != "retry" {
			end++
		}
		found := false
		for _, cand := range []string{"fine", "other", "fail:data"} {
			if slices.IndexFunc(steps[k:end], func(st flowcheck.Step) bool { return !answers(t, doc, st, cand) }) < 0 {
				notes[k], found = cand, true
				break
			}
		}
		if !found {
			return nil, false
		}
		k = end
	}
	return notes, true
}

// answers says whether the note makes the step's conditions and plugins answer as
// the step records.
func answers(t *testing.T, doc engine.FlowDoc, st flowcheck.Step, note string) bool {
	for _, ch := range st.Choices {
		if ch.Edge == "" { // test.flaky: fails while the note says fail:
			if failing := strings.HasPrefix(note, "fail:"); ch.Value != map[bool]string{true: "failure", false: "ok"}[failing] {
				return false
			}
			continue
		}
		k, err := strconv.Atoi(strings.TrimPrefix(ch.Edge, "/edges/"))
		if err != nil {
			t.Fatal(err)
		}
		v, err := expr.Eval(doc.Edges[k].When, map[string]any{"order": map[string]any{"note": note}})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(v) != ch.Value {
			return false
		}
	}
	return true
}
