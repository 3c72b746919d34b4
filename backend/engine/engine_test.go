package engine

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// fakeEnv resolves roles from a fixed table and runs "plugins" that return the outcome
// named in the order data, so each test states what the outside world says.
type fakeEnv struct {
	holders map[string][]string // "role@dept" -> users
	ran     []string
	fixed   map[string]bool // task nodes whose "failure:" outcome has been fixed (a retry passes)
}

func (e *fakeEnv) Resolve(a Approvers, dept string, o Order) ([]string, error) {
	if len(a.Users) > 0 {
		return a.Users, nil
	}
	return e.holders[a.Role+"@"+dept], nil
}

func (e *fakeEnv) Run(n *NodeDoc, o Order) (string, map[string]any, any, error) {
	e.ran = append(e.ran, n.ID)
	if n.Plugin == "flaky" && !e.fixed[n.ID] { // fails until someone fixes it (property test)
		return "", nil, nil, &Failure{Reason: "data", Message: "flaky"}
	}
	if out, ok := o.Data["outcome"].(string); ok {
		if out == "fail" {
			return "", nil, nil, errors.New("plugin failed")
		}
		if reason, ok := strings.CutPrefix(out, "failure:"); ok {
			if e.fixed[n.ID] {
				return "ok", nil, nil, nil
			}
			return "", nil, nil, &Failure{Reason: reason, Message: "needs a person", Detail: map[string]any{"node": n.ID}}
		}
		return out, map[string]any{"checked": true}, nil, nil
	}
	return "ok", nil, nil, nil
}

func (e *fakeEnv) Eligible(u string) (bool, error) { return u != "ghost", nil }

func env() *fakeEnv {
	return &fakeEnv{holders: map[string][]string{
		"clerk@sales":    {"clerk"},
		"manager@sales":  {"boss", "clerk"},
		"finance@fin":    {"f1", "f2"},
		"warehouse@wh":   {"w1"},
		"board@sales":    {"b1", "b2", "b3", "b4"},
		"chain@sales":    {"c3", "c1", "c2"},
		"clerk@selfonly": {"sub"},
	}}
}

func build(t *testing.T, doc FlowDoc) *Flow {
	t.Helper()
	f, err := Build(doc, 1)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func demoFlow(t *testing.T) *Flow {
	return build(t, FlowDoc{Key: "demo", Form: "order",
		Nodes: []NodeDoc{
			{ID: "start", Type: TypeStart},
			{ID: "verify", Type: TypeReview, Mode: ModeAny, Approvers: &Approvers{Role: "clerk"}, AllowSelf: true, Reasons: []string{"incomplete", "wrong_price"}},
			{ID: "stock", Type: TypeTask, Plugin: "inventory.check"},
			{ID: "short", Type: TypeReview, Approvers: &Approvers{Role: "warehouse", Department: "wh"}},
			{ID: "amount", Type: TypeSwitch},
			{ID: "finance", Type: TypeReview, Mode: ModeAll, Approvers: &Approvers{Role: "finance", Department: "fin"}, OnReject: "verify"},
			{ID: "sales", Type: TypeReview, Approvers: &Approvers{Role: "manager"}},
			{ID: "done", Type: TypeEnd},
		},
		Edges: []EdgeDoc{
			{From: "start", To: "verify"},
			{From: "verify", To: "stock"},
			{From: "stock", To: "amount", Default: true},
			{From: "stock", To: "short", Outcome: "shortage"},
			{From: "short", To: "amount"},
			{From: "amount", To: "finance", When: "order.total >= 50000"},
			{From: "amount", To: "sales", Default: true},
			{From: "finance", To: "done"},
			{From: "sales", To: "done"},
		}})
}

// modesFlow: start → r1 (any, clerk) → r2 (the mode under test) → r3 (any, w1) → end.
func modesFlow(t *testing.T, mode string, role string, extra func(*NodeDoc)) *Flow {
	r2 := NodeDoc{ID: "r2", Type: TypeReview, Mode: mode, Approvers: &Approvers{Role: role}, Reasons: []string{"no"}}
	if extra != nil {
		extra(&r2)
	}
	return build(t, FlowDoc{Key: "m", Nodes: []NodeDoc{
		{ID: "s", Type: TypeStart},
		{ID: "r1", Type: TypeReview, Mode: ModeAny, Approvers: &Approvers{Users: []string{"clerk"}}, AllowSelf: true},
		r2,
		{ID: "r3", Type: TypeReview, Mode: ModeAny, Approvers: &Approvers{Users: []string{"w1"}}},
		{ID: "e", Type: TypeEnd},
	}, Edges: []EdgeDoc{{From: "s", To: "r1"}, {From: "r1", To: "r2"}, {From: "r2", To: "r3"}, {From: "r3", To: "e"}}})
}

func order(total float64, extra ...string) Order {
	d := map[string]any{"total": total}
	if len(extra) > 0 {
		d["outcome"] = extra[0]
	}
	return Order{ID: 1, Department: "sales", Submitter: "sub", Data: d}
}

// desk plays a store: a Tracker holds the order's state and takes each result.
type desk struct {
	t    *testing.T
	f    *Flow
	o    Order
	e    *fakeEnv
	tr   *Tracker
	last *Result
}

func newDesk(t *testing.T, f *Flow, o Order) *desk {
	d := &desk{t: t, f: f, o: o, e: env(), tr: &Tracker{}}
	r, err := Start(f, o, d.e)
	if err != nil {
		t.Fatal(err)
	}
	d.last = r
	d.tr.Take(r, "")
	return d
}

// st is the first open node (nil when none).
func (d *desk) st() *NodeState {
	if len(d.tr.Open) == 0 {
		return nil
	}
	return d.tr.Open[0]
}

func (d *desk) status() string { return d.tr.Status }

// task finds the open (not waiting) task of a user at any open node.
func (d *desk) task(user string) (*NodeState, int) {
	d.t.Helper()
	for _, st := range d.tr.Open {
		for _, t := range st.Tasks {
			if !t.Waiting && slices.Contains(t.Assignees, user) {
				return st, t.ID
			}
		}
	}
	d.t.Fatalf("%s has no open task (open: %v, status %s)", user, d.at(), d.tr.Status)
	return nil, 0
}

func (d *desk) act(a Action) error {
	var st *NodeState
	if a.TaskID == 0 {
		st, a.TaskID = d.task(a.Actor)
	} else {
		for _, s := range d.tr.Open {
			if slices.ContainsFunc(s.Tasks, func(t TaskRef) bool { return t.ID == a.TaskID }) {
				st = s
			}
		}
		if st == nil {
			st = d.st()
		}
	}
	a.Visited = d.tr.Visited
	r, err := Act(d.f, *st, a, d.tr.Order(d.o), d.e)
	if err != nil {
		return err
	}
	d.last = r
	d.tr.Take(r, st.NodeID)
	return nil
}

func (d *desk) must(a Action) {
	d.t.Helper()
	if err := d.act(a); err != nil {
		d.t.Fatalf("%s by %s: %v", a.Kind, a.Actor, err)
	}
}

// at is the open node ids joined by "+", or the status when none is open.
func (d *desk) at() string {
	if len(d.tr.Open) == 0 {
		return d.tr.Status
	}
	var ids []string
	for _, st := range d.tr.Open {
		ids = append(ids, st.NodeID)
	}
	slices.Sort(ids)
	return strings.Join(ids, "+")
}

func approve(u string) Action { return Action{Kind: ActApprove, Actor: u} }
func reject(u string) Action  { return Action{Kind: ActReject, Actor: u, Reason: "no"} }

func TestRoutes(t *testing.T) {
	tests := []struct {
		name string
		o    Order
		want string
		ran  []string
	}{
		{"small order goes to sales", order(1000), "sales", []string{"stock"}},
		{"large order goes to finance", order(50000), "finance", []string{"stock"}},
		{"shortage goes to the warehouse", order(10, "shortage"), "short", []string{"stock"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDesk(t, demoFlow(t), tc.o)
			if d.at() != "verify" || len(d.last.Trace) == 0 {
				t.Fatalf("at %s", d.at())
			}
			d.o.Submitter = "clerk"
			d.must(approve("clerk"))
			if d.at() != tc.want || !slices.Equal(d.e.ran, tc.ran) {
				t.Fatalf("at %s ran %v", d.at(), d.e.ran)
			}
		})
	}
}

// Every mode with its approve/reject arithmetic.
func TestModes(t *testing.T) {
	tests := []struct {
		name   string
		mode   string
		role   string
		ratio  *Ratio
		acts   []Action
		want   string // node or status after the acts
		passed bool
	}{
		{"any: first approval passes", ModeAny, "board", nil, []Action{approve("b3")}, "r3", true},
		{"any: first reject rejects", ModeAny, "board", nil, []Action{reject("b2")}, StatusRejected, false},
		{"all: three of four is not enough", ModeAll, "board", nil, []Action{approve("b1"), approve("b2"), approve("b3")}, "r2", false},
		{"all: four of four passes", ModeAll, "board", nil, []Action{approve("b1"), approve("b2"), approve("b3"), approve("b4")}, "r3", true},
		{"all: one reject rejects", ModeAll, "board", nil, []Action{approve("b1"), reject("b2")}, StatusRejected, false},
		{"sequential: in the resolved order", ModeSequential, "chain", nil, []Action{approve("c3"), approve("c1"), approve("c2")}, "r3", true},
		{"sequential: a reject ends it", ModeSequential, "chain", nil, []Action{approve("c3"), reject("c1")}, StatusRejected, false},
		{"ratio share: half of four passes at two", ModeRatio, "board", &Ratio{Share: 0.5}, []Action{approve("b1"), reject("b2"), approve("b4")}, "r3", true},
		{"ratio share: fails when out of reach", ModeRatio, "board", &Ratio{Share: 0.75}, []Action{reject("b1"), reject("b2")}, StatusRejected, false},
		{"ratio share: one reject of 3-needed still open", ModeRatio, "board", &Ratio{Share: 0.75}, []Action{reject("b1"), approve("b2")}, "r2", false},
		{"ratio count: two approvals pass", ModeRatio, "board", &Ratio{Count: 2}, []Action{approve("b2"), approve("b3")}, "r3", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := modesFlow(t, tc.mode, tc.role, func(n *NodeDoc) { n.Ratio = tc.ratio })
			d := newDesk(t, f, order(1))
			d.must(approve("clerk"))
			if d.at() != "r2" {
				t.Fatalf("at %s", d.at())
			}
			if tc.mode == ModeSequential && !slices.Equal(d.st().Tasks[0].Assignees, []string{"c3"}) {
				t.Fatalf("sequential starts with %v", d.st().Tasks)
			}
			for _, a := range tc.acts {
				d.must(a)
			}
			if d.at() != tc.want {
				t.Fatalf("at %s, want %s", d.at(), tc.want)
			}
			if tc.want == "r2" && d.st().Approvals+d.st().Rejections != len(tc.acts) {
				t.Fatalf("counters %d+%d for %d votes", d.st().Approvals, d.st().Rejections, len(tc.acts))
			}
		})
	}
}

// The awkward combinations: return inside a countersign, add signer during a ratio vote,
// transfer of a delegated task, and signers added before/after.
func TestActions(t *testing.T) {
	t.Run("return inside a countersign cancels the other votes", func(t *testing.T) {
		d := newDesk(t, modesFlow(t, ModeAll, "board", nil), order(1))
		d.must(approve("clerk"))
		d.must(approve("b1"))
		d.must(Action{Kind: ActReturn, Actor: "b2", Reason: "no"})
		if d.at() != "r1" || d.st().Approvals != 0 {
			t.Fatalf("at %s", d.at())
		}
		d.must(approve("clerk"))
		if d.at() != "r2" || d.st().Approvals != 0 || len(d.st().Tasks) != 4 {
			t.Fatalf("back at r2 the vote starts again: %+v", d.st())
		}
	})
	t.Run("direct return comes straight back", func(t *testing.T) {
		f := build(t, FlowDoc{Key: "d", Nodes: []NodeDoc{
			{ID: "s", Type: TypeStart},
			{ID: "a", Type: TypeReview, Approvers: &Approvers{Users: []string{"clerk"}}, AllowSelf: true},
			{ID: "b", Type: TypeReview, Approvers: &Approvers{Users: []string{"boss"}}},
			{ID: "c", Type: TypeReview, Approvers: &Approvers{Users: []string{"w1"}}, ReturnDirect: true},
			{ID: "e", Type: TypeEnd},
		}, Edges: []EdgeDoc{{From: "s", To: "a"}, {From: "a", To: "b"}, {From: "b", To: "c"}, {From: "c", To: "e"}}})
		d := newDesk(t, f, order(1))
		d.must(approve("clerk"))
		d.must(approve("boss"))
		d.must(Action{Kind: ActReturn, Actor: "w1", Node: "a"})
		d.must(approve("clerk"))
		if d.at() != "c" {
			t.Fatalf("after resubmission at %s, want c (skipping b)", d.at())
		}
	})
	t.Run("return to a node never visited is refused", func(t *testing.T) {
		d := newDesk(t, modesFlow(t, ModeAny, "board", nil), order(1))
		d.must(approve("clerk"))
		err := d.act(Action{Kind: ActReturn, Actor: "b1", Node: "r3"})
		if e, ok := AsError(err); !ok || e.Pointer != "/node" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("add signer during a ratio vote grows the pool", func(t *testing.T) {
		d := newDesk(t, modesFlow(t, ModeRatio, "board", func(n *NodeDoc) { n.Ratio = &Ratio{Share: 0.5} }), order(1))
		d.must(approve("clerk"))
		d.must(approve("b1"))
		d.must(Action{Kind: ActAddSigner, Actor: "b2", User: "x1"})
		if d.st().Pool != 5 || d.st().Need != 3 {
			t.Fatalf("pool %d need %d", d.st().Pool, d.st().Need)
		}
		d.must(approve("x1"))
		if d.at() != "r2" {
			t.Fatalf("two of five is not half")
		}
		d.must(approve("b3"))
		if d.at() != "r3" {
			t.Fatalf("three of five passes: at %s", d.at())
		}
	})
	t.Run("signer before decides first, then the task reopens", func(t *testing.T) {
		d := newDesk(t, modesFlow(t, ModeAny, "board", nil), order(1))
		d.must(approve("clerk"))
		d.must(Action{Kind: ActAddSigner, Actor: "b1", User: "x1", Position: "before"})
		if err := d.act(Action{Kind: ActApprove, Actor: "b1", TaskID: d.st().Tasks[0].ID}); err == nil {
			t.Fatal("the suspended task must wait")
		}
		d.must(approve("x1"))
		if d.at() != "r2" {
			t.Fatal("the added signer's approval is not the node's")
		}
		d.must(approve("b1"))
		if d.at() != "r3" {
			t.Fatalf("at %s", d.at())
		}
	})
	t.Run("signer after must also approve", func(t *testing.T) {
		d := newDesk(t, modesFlow(t, ModeAny, "board", nil), order(1))
		d.must(approve("clerk"))
		d.must(Action{Kind: ActAddSigner, Actor: "b1", User: "x9"})
		d.must(approve("b2"))
		if d.at() != "r2" {
			t.Fatal("the added-after signer has not signed yet")
		}
		d.must(approve("x9"))
		if d.at() != "r3" {
			t.Fatalf("at %s", d.at())
		}
	})
	t.Run("transfer of a delegated task still returns to the delegator", func(t *testing.T) {
		d := newDesk(t, modesFlow(t, ModeAll, "finance", func(n *NodeDoc) { n.Approvers.Department = "fin" }), order(1))
		d.must(approve("clerk"))
		d.must(Action{Kind: ActDelegate, Actor: "f1", User: "d1"})
		d.must(Action{Kind: ActTransfer, Actor: "d1", User: "d2"})
		d.must(approve("d2"))
		if d.st().Approvals != 0 {
			t.Fatalf("a delegate's decision is a recommendation, not a vote: %d", d.st().Approvals)
		}
		d.must(approve("f1"))
		d.must(approve("f2"))
		if d.at() != "r3" {
			t.Fatalf("at %s", d.at())
		}
	})
	t.Run("refusals", func(t *testing.T) {
		f := modesFlow(t, ModeAny, "manager", func(n *NodeDoc) { n.Checklist = []Text{{"en": "a"}, {"en": "b"}} })
		cases := []struct {
			a       Action
			kind    ErrorKind
			pointer string
		}{
			{Action{Kind: ActReject, Actor: "boss"}, Invalid, "/reason"},
			{Action{Kind: ActReject, Actor: "boss", Reason: "bored"}, Invalid, "/reason"},
			{Action{Kind: ActApprove, Actor: "boss"}, Invalid, "/checklist"},
			{Action{Kind: ActApprove, Actor: "boss", Checklist: []bool{true, false}}, Invalid, "/checklist/1"},
			{Action{Kind: ActApprove, Actor: "mallory", TaskID: 2}, Forbidden, ""},
			{Action{Kind: ActApprove, Actor: "boss", TaskID: 99}, Conflict, ""},
			{Action{Kind: "shrug", Actor: "boss"}, Invalid, "/action"},
			{Action{Kind: ActComment, Actor: "boss"}, Invalid, "/comment"},
			{Action{Kind: ActTransfer, Actor: "boss"}, Invalid, "/user"},
			{Action{Kind: ActTransfer, Actor: "boss", User: "boss"}, Invalid, "/user"},
			{Action{Kind: ActTransfer, Actor: "boss", User: "ghost"}, Invalid, "/user"},
			{Action{Kind: ActTransfer, Actor: "boss", User: "sub"}, Invalid, "/user"},
			{Action{Kind: ActAddSigner, Actor: "boss", User: "x", Position: "beside"}, Invalid, "/position"},
		}
		for _, tc := range cases {
			d := newDesk(t, f, order(1))
			d.must(approve("clerk"))
			err := d.act(tc.a)
			e, ok := AsError(err)
			if !ok || e.Kind != tc.kind || e.Pointer != tc.pointer {
				t.Errorf("%+v: got %v, want kind %d at %q", tc.a, err, tc.kind, tc.pointer)
			}
		}
		d := newDesk(t, f, order(1))
		d.o.Submitter = "boss"
		d.must(approve("clerk"))
		if d.st().Tasks[0].Assignees[0] != "clerk" || slices.Contains(d.st().Tasks[0].Assignees, "boss") {
			t.Fatalf("the submitter must not be a candidate: %v", d.st().Tasks[0].Assignees)
		}
	})
}

func TestResolutionEdges(t *testing.T) {
	t.Run("self only is an exception", func(t *testing.T) {
		f := build(t, FlowDoc{Key: "x", Nodes: []NodeDoc{{ID: "s", Type: TypeStart}, {ID: "r", Type: TypeReview, Approvers: &Approvers{Role: "clerk"}}, {ID: "e", Type: TypeEnd}},
			Edges: []EdgeDoc{{From: "s", To: "r"}, {From: "r", To: "e"}}})
		r, err := Start(f, Order{Department: "selfonly", Submitter: "sub"}, env())
		if err != nil || r.Status != StatusException || r.Visits[1].Detail["reason"] == nil {
			t.Fatalf("%v %+v", err, r)
		}
	})
	t.Run("auto-pass when the same person approved the previous review", func(t *testing.T) {
		f := modesFlow(t, ModeAny, "manager", func(n *NodeDoc) { n.AutoPass = true })
		d := newDesk(t, f, order(1))
		d.must(approve("clerk")) // clerk approved r1 and is a candidate of r2
		if d.at() != "r3" {
			t.Fatalf("at %s, want r3 (r2 auto-passed)", d.at())
		}
	})
	t.Run("plugin errors and loops", func(t *testing.T) {
		f := demoFlow(t)
		d := newDesk(t, f, order(1, "fail"))
		d.o.Submitter = "x"
		if err := d.act(approve("clerk")); err == nil {
			t.Fatal("an error that is not a Failure must fail the transition (the service turns errors into Failures)")
		}
		d = newDesk(t, f, order(1, "weird"))
		d.o.Submitter = "x"
		d.must(approve("clerk"))
		if d.status() != StatusException || d.tr.Exceptions[0].NodeID != "stock" || d.tr.Exceptions[0].Reason != "error" {
			t.Fatalf("an outcome without an edge is an exception: %s %+v", d.status(), d.tr.Exceptions)
		}
		lf := build(t, FlowDoc{Key: "loop", Nodes: []NodeDoc{{ID: "s", Type: TypeStart}, {ID: "a", Type: TypeSwitch}, {ID: "b", Type: TypeSwitch}},
			Edges: []EdgeDoc{{From: "s", To: "a"}, {From: "a", To: "b", Default: true}, {From: "b", To: "a", Default: true}}})
		if _, err := Start(lf, Order{Data: map[string]any{}}, env()); err == nil {
			t.Fatal("an automatic loop must be cut off")
		}
	})
}

func TestSimulate(t *testing.T) {
	f := demoFlow(t)
	tests := []struct {
		name      string
		o         Order
		decisions map[string]Decision
		status    string
		nodes     []string
	}{
		{"small order to the end", order(100), nil, StatusCompleted, []string{"start", "verify", "stock", "amount", "sales", "done"}},
		{"large order through both finance approvers", order(90000), nil, StatusCompleted, []string{"start", "verify", "stock", "amount", "finance", "done"}},
		{"rejected at sales", order(100), map[string]Decision{"sales": {Action: ActReject}}, StatusRejected, []string{"start", "verify", "stock", "amount", "sales"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Simulate(f, tc.o, tc.decisions, env())
			if r.Error != "" || r.Status != tc.status {
				t.Fatalf("status %q error %q", r.Status, r.Error)
			}
			var nodes []string
			for _, s := range r.Path {
				nodes = append(nodes, s.Node)
			}
			if !slices.Equal(nodes, tc.nodes) {
				t.Fatalf("path %v, want %v", nodes, tc.nodes)
			}
		})
	}
	r := Simulate(f, order(90000), map[string]Decision{"finance": {Action: ActReject}}, env())
	if r.Error == "" {
		t.Fatalf("an endless reject loop must be reported: %+v", r.Status)
	}
}

func TestBranchRecordsRuleAndValues(t *testing.T) {
	f := demoFlow(t)
	d := newDesk(t, f, order(60000))
	d.o.Submitter = "x"
	d.must(approve("clerk"))
	var sw *Visit
	for i, v := range d.last.Visits {
		if v.Type == TypeSwitch {
			sw = &d.last.Visits[i]
		}
	}
	if sw == nil || sw.Detail["rule"] != "order.total >= 50000" || sw.Detail["values"].(map[string]any)["order.total"] != 60000.0 {
		t.Fatalf("branch detail %+v", sw)
	}
	d = newDesk(t, f, order(10))
	d.o.Submitter = "x"
	d.must(approve("clerk"))
	for _, v := range d.last.Visits {
		if v.Type == TypeSwitch && (v.Detail["rule"] != "default" || v.Detail["values"].(map[string]any)["order.total"] != 10.0) {
			t.Fatalf("default branch detail %+v", v.Detail)
		}
	}
}

func forkFlow(t *testing.T, kind string) *Flow {
	edges := []EdgeDoc{{From: "s", To: "r0"}, {From: "r0", To: "f"},
		{From: "f", To: "a"}, {From: "f", To: "b"}, {From: "a", To: "j"}, {From: "b", To: "j"}, {From: "j", To: "r3"}, {From: "r3", To: "e"}}
	if kind == TypeInclusive {
		edges[2].When = "order.total >= 50000"
		edges[3].Default = true
		edges = append(edges, EdgeDoc{From: "f", To: "c", When: "order.total >= 1000"}, EdgeDoc{From: "c", To: "j"})
	}
	nodes := []NodeDoc{
		{ID: "s", Type: TypeStart},
		{ID: "r0", Type: TypeReview, Approvers: &Approvers{Users: []string{"clerk"}}, AllowSelf: true},
		{ID: "f", Type: kind},
		{ID: "a", Type: TypeReview, Mode: ModeAll, Approvers: &Approvers{Role: "finance", Department: "fin"}, Reasons: []string{"no"}},
		{ID: "b", Type: TypeReview, Approvers: &Approvers{Role: "warehouse", Department: "wh"}, Reasons: []string{"no"}},
		{ID: "j", Type: TypeJoin, Fork: "f"},
		{ID: "r3", Type: TypeReview, Approvers: &Approvers{Users: []string{"boss"}}},
		{ID: "e", Type: TypeEnd},
	}
	if kind == TypeInclusive {
		nodes = append(nodes, NodeDoc{ID: "c", Type: TypeReview, Approvers: &Approvers{Users: []string{"c1"}}})
	}
	return build(t, FlowDoc{Key: "fork", Nodes: nodes, Edges: edges})
}

func TestParallelAndInclusive(t *testing.T) {
	t.Run("parallel: both branches, the join waits for both", func(t *testing.T) {
		d := newDesk(t, forkFlow(t, TypeParallel), order(1))
		d.must(approve("clerk"))
		if d.at() != "a+b" {
			t.Fatalf("open %s", d.at())
		}
		d.must(approve("w1"))
		if d.at() != "a" || d.tr.Joins["j"].Arrived != 1 {
			t.Fatalf("open %s joins %+v", d.at(), d.tr.Joins)
		}
		d.must(approve("f1"))
		d.must(approve("f2"))
		if d.at() != "r3" {
			t.Fatalf("after both branches: %s", d.at())
		}
		d.must(approve("boss"))
		if d.status() != StatusCompleted {
			t.Fatal(d.status())
		}
	})
	t.Run("a reject in one branch rejects the order and closes the other", func(t *testing.T) {
		d := newDesk(t, forkFlow(t, TypeParallel), order(1))
		d.must(approve("clerk"))
		d.must(reject("w1"))
		if d.status() != StatusRejected || len(d.tr.Open) != 0 {
			t.Fatalf("%s open %s", d.status(), d.at())
		}
	})
	t.Run("a return from a branch takes the whole order back", func(t *testing.T) {
		d := newDesk(t, forkFlow(t, TypeParallel), order(1))
		d.must(approve("clerk"))
		d.must(approve("f1"))
		d.must(Action{Kind: ActReturn, Actor: "w1", Node: "r0"})
		if d.at() != "r0" || len(d.tr.Joins) != 0 || !d.last.CancelRest {
			t.Fatalf("open %s joins %+v", d.at(), d.tr.Joins)
		}
		d.must(approve("clerk"))
		if d.at() != "a+b" || d.st().Approvals != 0 {
			t.Fatalf("the fork starts again: %s", d.at())
		}
	})
	t.Run("inclusive: only the branches whose condition holds", func(t *testing.T) {
		for _, tc := range []struct {
			total float64
			open  string
		}{{10, "b"}, {5000, "c"}, {60000, "a+c"}} {
			d := newDesk(t, forkFlow(t, TypeInclusive), order(tc.total))
			d.must(approve("clerk"))
			if d.at() != tc.open {
				t.Fatalf("total %v: open %s, want %s", tc.total, d.at(), tc.open)
			}
			for d.status() == StatusInReview && d.at() != "r3" {
				st := d.st()
				d.must(Action{Kind: ActApprove, Actor: st.Tasks[0].Assignees[0], TaskID: st.Tasks[0].ID})
			}
			if d.at() != "r3" {
				t.Fatalf("total %v: the join did not pass: %s", tc.total, d.at())
			}
		}
	})
}
