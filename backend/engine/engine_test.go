package engine

import (
	"errors"
	"slices"
	"testing"
)

// fakeEnv resolves roles from a fixed table and runs "plugins" that return the outcome
// named in the order data, so each test states what the outside world says.
type fakeEnv struct {
	holders map[string][]string // "role@dept" -> users
	ran     []string
}

func (e *fakeEnv) Resolve(a Approvers, dept string, o Order) ([]string, error) {
	if len(a.Users) > 0 {
		return a.Users, nil
	}
	return e.holders[a.Role+"@"+dept], nil
}

func (e *fakeEnv) Run(n *NodeDoc, o Order) (string, map[string]any, error) {
	e.ran = append(e.ran, n.ID)
	if out, ok := o.Data["outcome"].(string); ok {
		if out == "fail" {
			return "", nil, errors.New("plugin failed")
		}
		return out, map[string]any{"checked": true}, nil
	}
	return "ok", nil, nil
}

func demoFlow(t *testing.T) *Flow {
	t.Helper()
	doc := FlowDoc{Key: "demo", Form: "order",
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
		}}
	f, err := Build(doc, 1)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func env() *fakeEnv {
	return &fakeEnv{holders: map[string][]string{
		"clerk@sales":    {"clerk"},
		"manager@sales":  {"boss", "clerk"},
		"finance@fin":    {"f1", "f2"},
		"warehouse@wh":   {"w1"},
		"manager@empty":  nil,
		"clerk@selfonly": {"sub"},
	}}
}

func order(total float64, extra ...string) Order {
	d := map[string]any{"total": total}
	if len(extra) > 0 {
		d["outcome"] = extra[0]
	}
	return Order{ID: 1, Department: "sales", Submitter: "clerk", Data: d}
}

// state turns the review visit of a result into the NodeState the store would load.
func state(t *testing.T, r *Result, firstTask int) NodeState {
	t.Helper()
	v := r.Visits[len(r.Visits)-1]
	if v.Status != "active" {
		t.Fatalf("last visit %s is %s, not active", v.NodeID, v.Status)
	}
	st := NodeState{NodeID: v.NodeID, Mode: v.Mode, Required: v.Required}
	for i, as := range v.Tasks {
		st.Open = append(st.Open, TaskRef{ID: firstTask + i, Assignees: as})
	}
	return st
}

func TestStart(t *testing.T) {
	f := demoFlow(t)
	tests := []struct {
		name    string
		o       Order
		status  string
		current []string
		tasks   [][]string
	}{
		{"waits at verify for the clerk", order(10), StatusInReview, []string{"verify"}, [][]string{{"clerk"}}},
		{"nobody holds the role", Order{Department: "nowhere", Submitter: "x", Data: map[string]any{}}, StatusException, []string{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Start(f, tc.o, env())
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tc.status || !slices.Equal(r.Current, tc.current) {
				t.Fatalf("status %s current %v, want %s %v", r.Status, r.Current, tc.status, tc.current)
			}
			last := r.Visits[len(r.Visits)-1]
			if len(last.Tasks) != len(tc.tasks) || (len(tc.tasks) > 0 && !slices.Equal(last.Tasks[0], tc.tasks[0])) {
				t.Fatalf("tasks %v, want %v", last.Tasks, tc.tasks)
			}
		})
	}
}

func TestApproveRoutes(t *testing.T) {
	tests := []struct {
		name     string
		o        Order
		wantNode string
		wantMode string
		tasks    int
		ran      []string
	}{
		{"small order goes to sales", order(1000), "sales", ModeAny, 1, []string{"stock"}},
		{"large order goes to finance, one task each", order(50000), "finance", ModeAll, 2, []string{"stock"}},
		{"shortage goes to the warehouse", order(10, "shortage"), "short", ModeAny, 1, []string{"stock"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, e := demoFlow(t), env()
			r, err := Start(f, tc.o, e)
			if err != nil {
				t.Fatal(err)
			}
			r, err = Act(f, state(t, r, 1), Action{Kind: ActApprove, TaskID: 1, Actor: "clerk"}, tc.o, e)
			if err != nil {
				t.Fatal(err)
			}
			if r.Acted.Status != "approved" || r.Acted.Approvals != 1 {
				t.Fatalf("acted %+v", r.Acted)
			}
			last := r.Visits[len(r.Visits)-1]
			if last.NodeID != tc.wantNode || last.Mode != tc.wantMode || len(last.Tasks) != tc.tasks {
				t.Fatalf("reached %+v, want %s/%s with %d tasks", last, tc.wantNode, tc.wantMode, tc.tasks)
			}
			if !slices.Equal(e.ran, tc.ran) {
				t.Fatalf("plugins ran %v, want %v", e.ran, tc.ran)
			}
			if len(r.Trace) == 0 {
				t.Fatal("no rule trace")
			}
		})
	}
}

func TestAllModeNeedsEveryone(t *testing.T) {
	f, e := demoFlow(t), env()
	o := order(60000)
	st := NodeState{NodeID: "finance", Mode: ModeAll, Required: 2, Open: []TaskRef{{10, []string{"f1"}}, {11, []string{"f2"}}}}
	r, err := Act(f, st, Action{Kind: ActApprove, TaskID: 10, Actor: "f1"}, o, e)
	if err != nil {
		t.Fatal(err)
	}
	if r.Acted.Status != "active" || r.Acted.Approvals != 1 || r.Status != "" || len(r.Visits) != 0 {
		t.Fatalf("first approval of two must leave the node active: %+v", r)
	}
	st.Approvals, st.Open = 1, st.Open[1:]
	r, err = Act(f, st, Action{Kind: ActApprove, TaskID: 11, Actor: "f2"}, o, e)
	if err != nil {
		t.Fatal(err)
	}
	if r.Acted.Status != "approved" || r.Status != StatusCompleted {
		t.Fatalf("second approval must pass the node and end the order: %+v %+v", r.Acted, r)
	}
}

func TestRejectAndRefusals(t *testing.T) {
	f := demoFlow(t)
	verify := NodeState{NodeID: "verify", Mode: ModeAny, Required: 1, Open: []TaskRef{{1, []string{"clerk"}}}}
	sales := NodeState{NodeID: "sales", Mode: ModeAny, Required: 1, Open: []TaskRef{{2, []string{"boss", "clerk"}}}}
	finance := NodeState{NodeID: "finance", Mode: ModeAll, Required: 2, Open: []TaskRef{{3, []string{"f1"}}, {4, []string{"f2"}}}}
	tests := []struct {
		name    string
		st      NodeState
		a       Action
		kind    ErrorKind
		pointer string
		status  string // when no error
	}{
		{"reject needs a reason", verify, Action{Kind: ActReject, TaskID: 1, Actor: "clerk"}, Invalid, "/reason", ""},
		{"reason must be the node's", verify, Action{Kind: ActReject, TaskID: 1, Actor: "clerk", Reason: "bored"}, Invalid, "/reason", ""},
		{"reject ends the order", verify, Action{Kind: ActReject, TaskID: 1, Actor: "clerk", Reason: "incomplete"}, 0, "", StatusRejected},
		{"free-text reason where the node lists none", sales, Action{Kind: ActReject, TaskID: 2, Actor: "boss", Reason: "too risky"}, 0, "", StatusRejected},
		{"on_reject goes back", finance, Action{Kind: ActReject, TaskID: 3, Actor: "f1", Reason: "x"}, 0, "", StatusInReview},
		{"not an assignee", sales, Action{Kind: ActApprove, TaskID: 2, Actor: "mallory"}, Forbidden, "", ""},
		{"no self-approval", sales, Action{Kind: ActApprove, TaskID: 2, Actor: "clerk"}, Forbidden, "", ""},
		{"task not open", sales, Action{Kind: ActApprove, TaskID: 99, Actor: "boss"}, Conflict, "", ""},
		{"unknown action", sales, Action{Kind: "shrug", TaskID: 2, Actor: "boss"}, Invalid, "/action", ""},
		{"empty comment", sales, Action{Kind: ActComment, TaskID: 2, Actor: "boss"}, Invalid, "/comment", ""},
		{"comment changes nothing", sales, Action{Kind: ActComment, TaskID: 2, Actor: "boss", Comment: "ok?"}, 0, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Act(f, tc.st, tc.a, order(100), env())
			if tc.pointer != "" || tc.kind != 0 {
				e, ok := AsError(err)
				if !ok || e.Kind != tc.kind || e.Pointer != tc.pointer {
					t.Fatalf("err %v, want kind %d pointer %q", err, tc.kind, tc.pointer)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tc.status {
				t.Fatalf("status %q, want %q", r.Status, tc.status)
			}
		})
	}
	// rejecting one of an all-mode node's tasks cancels the others
	r, err := Act(f, finance, Action{Kind: ActReject, TaskID: 3, Actor: "f1", Reason: "x"}, order(60000), env())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Acted.CancelTasks, []int{4}) || !slices.Equal(r.Current, []string{"verify"}) {
		t.Fatalf("cancel %v current %v", r.Acted.CancelTasks, r.Current)
	}
}

func TestSelfOnlyIsException(t *testing.T) {
	doc := FlowDoc{Key: "x", Nodes: []NodeDoc{{ID: "s", Type: TypeStart}, {ID: "r", Type: TypeReview, Approvers: &Approvers{Role: "clerk"}}, {ID: "e", Type: TypeEnd}},
		Edges: []EdgeDoc{{From: "s", To: "r"}, {From: "r", To: "e"}}}
	f, err := Build(doc, 1)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Start(f, Order{Department: "selfonly", Submitter: "sub"}, env())
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusException || r.Visits[1].Detail["reason"] == nil {
		t.Fatalf("%+v", r)
	}
}

func TestPluginErrorsAndLoops(t *testing.T) {
	f := demoFlow(t)
	st := NodeState{NodeID: "verify", Mode: ModeAny, Required: 1, Open: []TaskRef{{1, []string{"clerk"}}}}
	if _, err := Act(f, st, Action{Kind: ActApprove, TaskID: 1, Actor: "clerk"}, order(1, "fail"), env()); err == nil {
		t.Fatal("a failing plugin must fail the transition")
	}
	if _, err := Act(f, st, Action{Kind: ActApprove, TaskID: 1, Actor: "clerk"}, order(1, "weird"), env()); err == nil {
		t.Fatal("an outcome with no edge must fail the transition")
	}
	loop := FlowDoc{Key: "loop", Nodes: []NodeDoc{{ID: "s", Type: TypeStart}, {ID: "a", Type: TypeSwitch}, {ID: "b", Type: TypeSwitch}},
		Edges: []EdgeDoc{{From: "s", To: "a"}, {From: "a", To: "b", Default: true}, {From: "b", To: "a", Default: true}}}
	lf, err := Build(loop, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Start(lf, Order{Data: map[string]any{}}, env()); err == nil {
		t.Fatal("an automatic loop must be cut off")
	}
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
			e := env()
			r := Simulate(f, tc.o, tc.decisions, e)
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
	// a flow that returns on reject forever is cut off, not spun
	r := Simulate(f, order(90000), map[string]Decision{"finance": {Action: ActReject}}, env())
	if r.Error == "" {
		t.Fatalf("an endless reject loop must be reported: %+v", r.Status)
	}
}
