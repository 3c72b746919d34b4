package flowcheck_test

import (
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sluice/backend/engine"
	"sluice/backend/i18n"
)

// traceEnv answers at random: one to three approvers (sometimes none), plugins that
// pass, take an outcome their node names, or fail with a message as data.
type traceEnv struct {
	r *rand.Rand
	f *engine.Flow
}

func (e traceEnv) Resolve(engine.Approvers, string, engine.Order) ([]string, error) {
	if e.r.IntN(12) == 0 {
		return nil, nil // nobody: an exception
	}
	return []string{"x", "y", "z"}[:1+e.r.IntN(3)], nil
}

func (e traceEnv) Run(n *engine.NodeDoc, _ engine.Order) (string, map[string]any, any, error) {
	switch e.r.IntN(6) {
	case 0:
		return "", nil, nil, &engine.Failure{Reason: "stock", Message: "plugin p failed: boom",
			Text: i18n.M("exception.plugin_failed", i18n.Params{"Plugin": n.Plugin, "Error": "boom"})}
	case 1:
		return "no_such_outcome", nil, nil, nil // the flow has no edge for it: an exception
	case 2:
		for _, e := range e.f.Out[n.ID] {
			if e.Outcome != "" {
				return e.Outcome, nil, nil, nil
			}
		}
	}
	return "ok", nil, nil, nil
}

func (traceEnv) Eligible(u string) (bool, error) { return u != "ghost", nil }

// everything is a flow with each node type the engine traces: a switch, a task, the
// review modes, parallel and inclusive sections, waits, a sub-flow and a rework.
func everything(t *testing.T) *engine.Flow {
	t.Helper()
	rv := func(id, mode string, extra ...func(*engine.NodeDoc)) engine.NodeDoc {
		n := engine.NodeDoc{ID: id, Type: engine.TypeReview, Mode: mode, Approvers: &engine.Approvers{Role: "clerk"}, AutoPass: true}
		if mode == engine.ModeRatio {
			n.Ratio = &engine.Ratio{Share: 0.5}
		}
		for _, x := range extra {
			x(&n)
		}
		return n
	}
	doc := engine.FlowDoc{Key: "all", Nodes: []engine.NodeDoc{
		{ID: "s", Type: engine.TypeStart},
		{ID: "sw", Type: engine.TypeSwitch},
		{ID: "t", Type: engine.TypeTask, Plugin: "p"},
		rv("r1", engine.ModeAny, func(n *engine.NodeDoc) { n.Approvers = &engine.Approvers{Field: "owner"} }),
		rv("r2", engine.ModeSequential, func(n *engine.NodeDoc) { n.ReturnDirect = true }),
		{ID: "f", Type: engine.TypeParallel},
		rv("b1", engine.ModeAll, func(n *engine.NodeDoc) { n.OnReject = "b1" }),
		{ID: "b2", Type: engine.TypeWait, Wait: &engine.WaitSpec{After: "2h"}},
		{ID: "j", Type: engine.TypeJoin, Fork: "f"},
		{ID: "inc", Type: engine.TypeInclusive},
		rv("c1", engine.ModeRatio, func(n *engine.NodeDoc) { n.Approvers = &engine.Approvers{Manager: 2} }),
		{ID: "c2", Type: engine.TypeWait, Wait: &engine.WaitSpec{UntilField: "ship_on"}},
		{ID: "j2", Type: engine.TypeJoin, Fork: "inc"},
		{ID: "sub", Type: engine.TypeSubflow, Subflow: &engine.SubflowSpec{Flow: "child"}},
		rv("r3", engine.ModeAll, func(n *engine.NodeDoc) { n.OnReject = "r1"; n.Approvers = &engine.Approvers{Users: []string{"x", "y"}} }),
		{ID: "e", Type: engine.TypeEnd},
		{ID: "e2", Type: engine.TypeEnd, Status: engine.StatusRejected},
	}, Edges: []engine.EdgeDoc{
		{From: "s", To: "sw"},
		{From: "sw", To: "t", When: "order.total >= 100"},
		{From: "sw", To: "r1", Default: true},
		{From: "t", To: "r1"}, {From: "t", To: "e2", Outcome: "stop"},
		{From: "r1", To: "r2"}, {From: "r2", To: "f"},
		{From: "f", To: "b1"}, {From: "f", To: "b2"}, {From: "b1", To: "j"}, {From: "b2", To: "j"},
		{From: "j", To: "inc"},
		{From: "inc", To: "c1", When: "order.total >= 50"}, {From: "inc", To: "c2", Default: true},
		{From: "c1", To: "j2"}, {From: "c2", To: "j2"},
		{From: "j2", To: "sub"}, {From: "sub", To: "r3"}, {From: "r3", To: "e"},
	}}
	f, err := engine.Build(doc, 1)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// traceWalk runs one random order through f with every kind of action and resolution,
// and hands each trace line the engine wrote to see.
func traceWalk(f *engine.Flow, r *rand.Rand, see func(engine.Trace)) {
	env := traceEnv{r, f}
	data := map[string]any{"total": float64(r.IntN(300)), "severity": []string{"low", "high"}[r.IntN(2)], "owner": "x"}
	if r.IntN(2) == 0 {
		data["ship_on"] = "2030-01-02"
	}
	o := engine.Order{ID: 1, Submitter: "s", Department: "d", Data: data}
	tr := &engine.Tracker{}
	take := func(res *engine.Result, err error, acted string) bool {
		if err != nil {
			return false
		}
		for _, l := range res.Trace {
			see(l)
		}
		tr.Take(res, acted)
		return true
	}
	res, err := engine.Start(f, o, env)
	if !take(res, err, "") {
		return
	}
	kinds := []string{engine.ActApprove, engine.ActApprove, engine.ActApprove, engine.ActReject, engine.ActReturn,
		engine.ActComment, engine.ActTransfer, engine.ActDelegate, engine.ActAddSigner}
	for step := 0; step < 80 && (tr.Status == engine.StatusInReview || tr.Status == engine.StatusException); step++ {
		o := tr.Order(o)
		switch p := r.IntN(4); {
		case p == 0 && len(tr.Waiting) > 0:
			id := tr.Waiting[r.IntN(len(tr.Waiting))]
			outcome := ""
			if f.Nodes[id].Type == engine.TypeSubflow {
				outcome = engine.StatusCompleted
			}
			res, err := engine.Resume(f, id, outcome, o, env)
			take(res, err, id)
		case p == 1 && len(tr.Exceptions) > 0:
			ex := tr.Exceptions[r.IntN(len(tr.Exceptions))]
			var res *engine.Result
			var err error
			switch r.IntN(3) {
			case 0:
				res, err = engine.Retry(f, ex.NodeID, o, env, ex.ReturnTo)
			case 1:
				res, err = engine.Skip(f, ex.NodeID, o, env, ex.ReturnTo)
			default:
				res, err = engine.Assign(f, ex.NodeID, "z", o, env, ex.ReturnTo)
			}
			if err == nil {
				tr.Resolve(ex.NodeID)
				take(res, nil, "")
			}
		case len(tr.Open) > 0:
			st := tr.Open[r.IntN(len(tr.Open))]
			open := slices.DeleteFunc(slices.Clone(st.Tasks), func(t engine.TaskRef) bool { return t.Waiting })
			if len(open) == 0 {
				continue
			}
			t := open[r.IntN(len(open))]
			a := engine.Action{Kind: kinds[r.IntN(len(kinds))], TaskID: t.ID, Actor: t.Assignees[0], Reason: "r",
				Comment: "c", User: []string{"w", "v", "u"}[r.IntN(3)], Position: []string{"before", "after"}[r.IntN(2)],
				Visited: tr.Visited, Checklist: slices.Repeat([]bool{true}, len(f.Nodes[st.NodeID].Checklist))}
			if len(f.Nodes[st.NodeID].Reasons) > 0 {
				a.Reason = f.Nodes[st.NodeID].Reasons[0]
			}
			res, err := engine.Act(f, *st, a, o, env)
			take(res, err, st.NodeID)
		}
	}
}

var han = regexp.MustCompile(`\p{Han}`)

// TestTraceLinesCatalogued: every trace line the engine writes, over the example flows
// and a flow with every node type under random actions, carries its message; the key
// is in the catalogues, the English text is its English rendering, and both Chinese
// renderings are Chinese.
func TestTraceLinesCatalogued(t *testing.T) {
	s := rand.Uint64()
	if v := os.Getenv("SLUICE_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		s = n
	}
	t.Logf("seed %d (SLUICE_SEED replays)", s)
	r := rand.New(rand.NewPCG(s, 17))
	flows := exampleFlows(t)
	flows["everything"] = everything(t)
	seen := map[string]bool{}
	lines := 0
	for key, f := range flows {
		for range 300 {
			traceWalk(f, r, func(l engine.Trace) {
				lines++
				k, p, ok := i18n.Message(l.Msg)
				if !ok {
					t.Fatalf("%s: a trace line without its message: %+v", key, l)
				}
				seen[k] = true
				if !strings.HasPrefix(k, "trace.") || !i18n.Has(k) {
					t.Fatalf("%s: trace line key %q is not a catalogued trace.* key", key, k)
				}
				if en := i18n.En(k, p); l.Text != en || en == k {
					t.Fatalf("%s: text %q, English rendering %q", key, l.Text, en)
				}
				for _, lang := range []string{"zh-TW", "zh-CN"} {
					if s := l.Rendered(lang); !han.MatchString(s) || strings.Contains(s, "{{") {
						t.Fatalf("%s: %s renders %q as %q", key, lang, k, s)
					}
				}
			})
		}
	}
	// the walks reach the engine's kinds of lines, or the test proves little
	for _, k := range []string{"trace.switch.rule", "trace.switch.default", "trace.task", "trace.waiting", "trace.waiting.ratio",
		"trace.approved.passes", "trace.rejected", "trace.returned", "trace.transfer", "trace.delegate", "trace.add_signer.after",
		"trace.fork", "trace.join.done", "trace.wait.after", "trace.subflow.start", "trace.exception", "trace.retried",
		"trace.overridden", "trace.end", "trace.comment"} {
		if !seen[k] {
			t.Errorf("no walk wrote a %s line", k)
		}
	}
	t.Logf("%d lines, %d keys", lines, len(seen))
}
