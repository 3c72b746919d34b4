package flowcheck

import (
	"encoding/json"
	"strings"
	"testing"

	"sluice/backend/engine"
)

// build compiles a flow written as nodes "id:type[:k=v,…]" and edges "from>to[:when]".
func build(t testing.TB, nodes []engine.NodeDoc, edges ...string) *engine.Flow {
	t.Helper()
	doc := engine.FlowDoc{Key: "t", Nodes: nodes}
	for _, e := range edges {
		ft, when, _ := strings.Cut(e, ":")
		from, to, _ := strings.Cut(ft, ">")
		ed := engine.EdgeDoc{From: from, To: to}
		switch {
		case when == "default":
			ed.Default = true
		case strings.HasPrefix(when, "outcome="):
			ed.Outcome = strings.TrimPrefix(when, "outcome=")
		default:
			ed.When = when
		}
		doc.Edges = append(doc.Edges, ed)
	}
	f, err := engine.Build(doc, 1)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func n(id, typ string) engine.NodeDoc { return engine.NodeDoc{ID: id, Type: typ} }

func review(id string) engine.NodeDoc {
	return engine.NodeDoc{ID: id, Type: engine.TypeReview, Approvers: &engine.Approvers{Role: "r"}}
}

func reviewRejectTo(id, to string) engine.NodeDoc {
	r := review(id)
	r.OnReject = to
	return r
}

func join(id, fork string) engine.NodeDoc {
	return engine.NodeDoc{ID: id, Type: engine.TypeJoin, Fork: fork}
}

// issueFlow is the flow of issue 14: a branch of a parallel section routes its
// rejection to a rework review that leads back into the join.
func issueFlow(t testing.TB) *engine.Flow {
	return build(t, []engine.NodeDoc{n("start", "start"), review("verify"), n("split", "parallel"),
		reviewRejectTo("sales", "rework"), review("finance"), review("rework"), join("join", "split"), n("end", "end")},
		"start>verify", "verify>split", "split>sales", "split>finance", "sales>join", "finance>join", "rework>join", "join>end")
}

// nestedFlow still strands: a branch of an inner section routes its rejection to a
// rework in the outer section only, leaving the inner section's other branch behind.
func nestedFlow(t testing.TB) *engine.Flow {
	return build(t, []engine.NodeDoc{n("start", "start"), n("outer", "parallel"), n("inner", "parallel"),
		reviewRejectTo("a1", "rework"), review("a2"), join("ij", "inner"), review("b"), review("rework"),
		join("oj", "outer"), n("end", "end")},
		"start>outer", "outer>inner", "outer>b", "inner>a1", "inner>a2", "a1>ij", "a2>ij", "ij>oj", "b>oj", "rework>oj", "oj>end")
}

// TestIssueFlowIsSupported: the rejection stays in its branch, the other branch keeps
// its task, and the rework rejoins; the checker proves the flow.
func TestIssueFlowIsSupported(t *testing.T) {
	f := issueFlow(t)
	rep := Check(f, Options{})
	if rep.Finding != nil {
		t.Fatalf("refused: %v\n%s", rep.Finding, show(rep.Finding.Counterexample))
	}
	// and as the issue tells it: approve verify, reject sales, approve rework, approve finance
	steps := []Step{{Action: "start"}, {Action: "approve", Node: "verify"}, {Action: "reject", Node: "sales"},
		{Action: "approve", Node: "rework"}}
	tr, err := Replay(f, steps, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Node("finance") == nil || tr.Joins["join"].Arrived != 1 {
		t.Fatalf("finance should still be open and the join count the rework: open %v joins %v", tr.Open, tr.Joins)
	}
	tr, err = Replay(f, append(steps, Step{Action: "approve", Node: "finance"}), Options{})
	if err != nil || tr.Status != engine.StatusCompleted {
		t.Fatalf("the order should complete: %v %v", tr.Status, err)
	}
}

// TestStrandingFlowRefused: the checker refuses a flow that strands, with the join at
// fault, and its counterexample really fails in the engine.
func TestStrandingFlowRefused(t *testing.T) {
	f := nestedFlow(t)
	rep := Check(f, Options{})
	fd := rep.Finding
	if fd == nil || fd.Kind != EngineError || fd.Pointer != "/nodes/8" {
		t.Fatalf("want engine_error at the outer join /nodes/8, got %+v", fd)
	}
	if !strings.Contains(fd.Message, "reached without its fork") {
		t.Fatalf("message: %s", fd.Message)
	}
	// replay the decisions up to the last, then the last fails in the engine every time
	cex := fd.Counterexample
	tr, err := Replay(f, cex[:len(cex)-1], Options{})
	if err != nil || !live(tr.Status) {
		t.Fatalf("the steps before the last should run: %v %v", tr.Status, err)
	}
	for range 2 {
		if _, err := Replay(f, cex, Options{}); err == nil || !strings.Contains(err.Error(), "reached without its fork") {
			t.Fatalf("the counterexample should fail in the engine: %v\n%s", err, show(cex))
		}
	}
	// the counterexample is plain JSON the designer can read
	b, _ := json.Marshal(fd)
	for _, want := range []string{`"counterexample"`, `"nodes"`, `"edges"`, `"action":"reject","node":"a1"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
}

func TestBadStateKinds(t *testing.T) {
	cases := []struct {
		name string
		f    func(t testing.TB) *engine.Flow
		kind Kind
		at   string
	}{
		{"two joins of one fork wait for each other", func(t testing.TB) *engine.Flow {
			return build(t, []engine.NodeDoc{n("s", "start"), n("p", "parallel"), review("a"), review("b"),
				join("j1", "p"), join("j2", "p"), n("e", "end")},
				"s>p", "p>a", "p>b", "a>j1", "b>j2", "j1>e", "j2>e")
		}, Stranded, "/nodes/"},
		{"rejection leaves a nested section", nestedFlow, EngineError, "/nodes/8"},
		{"a branch ends the order before the join", func(t testing.TB) *engine.Flow {
			return build(t, []engine.NodeDoc{n("s", "start"), n("p", "parallel"), review("a"), review("b"),
				join("j", "p"), n("e", "end"), n("e2", "end")},
				"s>p", "p>a", "p>b", "a>j", "b>e2", "j>e")
		}, JoinNeverPasses, "/nodes/4"},
		{"a switch and a task loop", func(t testing.TB) *engine.Flow {
			return build(t, []engine.NodeDoc{n("s", "start"), n("sw", "switch"), {ID: "t", Type: "task", Plugin: "p"}, n("e", "end")},
				"s>sw", "sw>t:order.x > 1", "sw>e:default", "t>sw")
		}, AutomaticLoop, "/nodes/1"},
		{"auto-passing reviews loop", func(t testing.TB) *engine.Flow {
			r1, r2 := review("r1"), review("r2")
			r2.AutoPass = true
			return build(t, []engine.NodeDoc{n("s", "start"), r1, r2, n("sw", "switch"), n("e", "end")},
				"s>r1", "r1>r2", "r2>sw", "sw>r2:order.x > 1", "sw>e:default")
		}, AutomaticLoop, "/nodes/3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f(t)
			fd := Check(f, Options{}).Finding
			if fd == nil || fd.Kind != tc.kind || !strings.HasPrefix(fd.Pointer, tc.at) {
				t.Fatalf("want %s at %s, got %+v", tc.kind, tc.at, fd)
			}
			if len(fd.Counterexample) == 0 || fd.Counterexample[0].Action != "start" {
				t.Fatalf("counterexample should begin at the start: %s", show(fd.Counterexample))
			}
			if tc.kind == Stranded || tc.kind == JoinNeverPasses {
				tr, err := Replay(f, fd.Counterexample, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if tc.kind == Stranded && (!live(tr.Status) || len(tr.Open)+len(tr.Waiting)+len(tr.Exceptions) > 0) {
					t.Fatalf("the replay should strand: %+v", tr)
				}
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	fd := Check(issueFlow(t), Options{MaxStates: 3}).Finding
	if fd == nil || fd.Kind != TooLarge {
		t.Fatalf("want too_large, got %+v", fd)
	}
}

func show(steps []Step) string {
	b, _ := json.MarshalIndent(steps, "", " ")
	return string(b)
}

// TestAutoPassSeesEveryApprover: the service tells the engine who approved a node
// before the deciding vote (engine.Action.Approved), so an auto-passing review after an
// "all" review passes on every approver of it, not only the last. Here the second
// review then approves itself, the switch sends the order back to it, and it approves
// itself again: the engine loops (a 500 on every try). The checker used to pass only
// the deciding voter, saw the second review wait for its other voter, and proved the
// flow.
func TestAutoPassSeesEveryApprover(t *testing.T) {
	both := engine.Approvers{Users: []string{"x", "y"}}
	a := engine.NodeDoc{ID: "a", Type: engine.TypeReview, Mode: engine.ModeAll, Approvers: &both}
	b := engine.NodeDoc{ID: "b", Type: engine.TypeReview, Mode: engine.ModeAll, Approvers: &both, AutoPass: true}
	f := build(t, []engine.NodeDoc{n("s", "start"), a, b, n("sw", "switch"), n("e", "end")},
		"s>a", "a>b", "b>sw", "sw>b:order.x > 1", "sw>e:default")
	fd := Check(f, Options{}).Finding
	if fd == nil || fd.Kind != AutomaticLoop {
		t.Fatalf("want automatic_loop, got %+v", fd)
	}
	if _, err := Replay(f, fd.Counterexample, Options{}); err == nil {
		t.Fatalf("the counterexample should loop: %s", show(fd.Counterexample))
	}
}

// TestOpenTwiceRefused: a branch routes its rejection to the review of its sibling
// branch, which is still open; the checker stops at the second opening (the service
// would keep both visits, and both would arrive at the join).
func TestOpenTwiceRefused(t *testing.T) {
	f := build(t, []engine.NodeDoc{n("start", "start"), n("split", "parallel"), reviewRejectTo("sales", "finance"),
		review("finance"), join("join", "split"), n("end", "end")},
		"start>split", "split>sales", "split>finance", "sales>join", "finance>join", "join>end")
	fd := Check(f, Options{}).Finding
	if fd == nil || fd.Kind != OpenTwice || fd.Pointer != "/nodes/3" {
		t.Fatalf("want open_twice at finance /nodes/3, got %+v", fd)
	}
	tr, err := Replay(f, fd.Counterexample, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if openTwice(tr) != "finance" {
		t.Fatalf("the counterexample should open finance twice: %+v", tr.Open)
	}
}
