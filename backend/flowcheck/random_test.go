package flowcheck

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"

	"sluice/backend/engine"
)

// seed returns the seed of a randomised test: SLUICE_SEED replays a failure.
func seed(t *testing.T) uint64 {
	if s := os.Getenv("SLUICE_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	return rand.Uint64()
}

// gen builds random flows: chains of reviews, switches, tasks with an outcome, waits
// and parallel sections (sometimes nested), rejections routed to reworks inside a
// branch, before the fork, or out of an inner section, and branches that end the
// order. Some strand, most do not.
type gen struct {
	r     *rand.Rand
	doc   engine.FlowDoc
	id    int
	prior []string // review nodes before the current point, outside any section
}

func (g *gen) node(n engine.NodeDoc) string {
	g.id++
	n.ID = fmt.Sprintf("%s%d", n.Type[:1], g.id)
	g.doc.Nodes = append(g.doc.Nodes, n)
	return n.ID
}

func (g *gen) edge(from, to string, e ...engine.EdgeDoc) {
	ed := engine.EdgeDoc{}
	if len(e) > 0 {
		ed = e[0]
	}
	ed.From, ed.To = from, to
	g.doc.Edges = append(g.doc.Edges, ed)
}

func (g *gen) review() engine.NodeDoc {
	mode := []string{engine.ModeAny, engine.ModeAll, engine.ModeSequential, engine.ModeRatio}[g.r.IntN(4)]
	n := engine.NodeDoc{Type: engine.TypeReview, Mode: mode, Approvers: &engine.Approvers{Role: "r" + strconv.Itoa(g.r.IntN(3))}}
	if mode == engine.ModeRatio {
		n.Ratio = &engine.Ratio{Share: 0.5}
	}
	return n
}

// chain adds k steps after from, inside a section when join is set (then outer is the
// join of the section around, for a rejection that leaves the inner one). It returns
// the last node.
func (g *gen) chain(from string, k int, join, outer string) string {
	for range k {
		switch p := g.r.IntN(10); {
		case p < 4:
			n := g.review()
			switch q := g.r.IntN(6); {
			case q == 0 && join != "":
				// a rework in this branch that rejoins
				rw := g.node(g.review())
				g.edge(rw, join)
				n.OnReject = rw
			case q == 1 && outer != "":
				rw := g.node(g.review())
				g.edge(rw, outer)
				n.OnReject = rw
			case q == 2 && len(g.prior) > 0:
				n.OnReject = g.prior[g.r.IntN(len(g.prior))]
			}
			id := g.node(n)
			g.edge(from, id)
			if join == "" {
				g.prior = append(g.prior, id)
			}
			from = id
		case p < 5:
			sw := g.node(engine.NodeDoc{Type: engine.TypeSwitch})
			g.edge(from, sw)
			side := g.node(g.review())
			next := g.node(g.review())
			g.edge(sw, side, engine.EdgeDoc{When: "order.x > " + strconv.Itoa(g.r.IntN(10))})
			g.edge(sw, next, engine.EdgeDoc{Default: true})
			g.edge(side, next)
			from = next
		case p < 6:
			t := g.node(engine.NodeDoc{Type: engine.TypeTask, Plugin: "p"})
			g.edge(from, t)
			next := g.node(g.review())
			alt := g.node(g.review())
			g.edge(t, next)
			g.edge(t, alt, engine.EdgeDoc{Outcome: "alt"})
			g.edge(alt, next)
			from = next
		case p < 7:
			w := g.node(engine.NodeDoc{Type: engine.TypeWait, Wait: &engine.WaitSpec{After: "1h"}})
			g.edge(from, w)
			from = w
		case p < 9 && join == "" || p < 8 && outer == "":
			kind := engine.TypeParallel
			fork := g.node(engine.NodeDoc{Type: kind})
			g.edge(from, fork)
			j := g.node(engine.NodeDoc{Type: engine.TypeJoin, Fork: fork})
			for b := range 2 + g.r.IntN(2) {
				first := g.node(g.review())
				g.edge(fork, first)
				last := g.chain(first, g.r.IntN(2), j, join)
				if b > 0 && g.r.IntN(8) == 0 {
					end := g.node(engine.NodeDoc{Type: engine.TypeEnd, Status: engine.StatusRejected})
					g.edge(last, end)
					continue
				}
				g.edge(last, j)
			}
			from = j
		default:
			id := g.node(g.review())
			g.edge(from, id)
			from = id
		}
	}
	return from
}

func randomFlow(t *testing.T, r *rand.Rand) *engine.Flow {
	g := &gen{r: r, doc: engine.FlowDoc{Key: "rand"}}
	start := g.node(engine.NodeDoc{Type: engine.TypeStart})
	last := g.chain(start, 1+r.IntN(4), "", "")
	end := g.node(engine.NodeDoc{Type: engine.TypeEnd})
	g.edge(last, end)
	f, err := engine.Build(g.doc, 1)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// walkEnv answers as a real order would: one to three approvers, plugins that pass,
// take their outcome or fail at random.
type walkEnv struct{ r *rand.Rand }

func (e walkEnv) Resolve(a engine.Approvers, _ string, _ engine.Order) ([]string, error) {
	return []string{"x", "y", "z"}[:1+e.r.IntN(3)], nil
}

func (e walkEnv) Run(*engine.NodeDoc, engine.Order) (string, map[string]any, any, error) {
	switch e.r.IntN(4) {
	case 0:
		return "alt", nil, nil, nil
	case 1:
		return "", nil, nil, &engine.Failure{Reason: "random", Message: "failed"}
	}
	return "ok", nil, nil, nil
}

func (e walkEnv) Eligible(string) (bool, error) { return true, nil }

// walk runs one random order through the engine; it reports an engine failure or a
// stranded order.
func walk(f *engine.Flow, r *rand.Rand) error {
	env := walkEnv{r}
	o := engine.Order{ID: 1, Submitter: "s", Department: "d", Data: map[string]any{"x": float64(r.IntN(10))}}
	tr := &engine.Tracker{}
	res, err := engine.Start(f, o, env)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	tr.Take(res, "")
	for step := 0; step < 60 && live(tr.Status); step++ {
		open := 0
		for _, st := range tr.Open {
			open += len(slices.DeleteFunc(slices.Clone(st.Tasks), func(t engine.TaskRef) bool { return t.Waiting }))
		}
		if open == 0 && len(tr.Waiting) == 0 && len(tr.Exceptions) == 0 {
			return fmt.Errorf("stranded after %d steps: joins %v", step, tr.Joins)
		}
		var what string
		var acted string
		o := tr.Order(o)
		switch p := r.IntN(3); {
		case p == 0 && len(tr.Waiting) > 0:
			acted = tr.Waiting[r.IntN(len(tr.Waiting))]
			what = "resume " + acted
			res, err = engine.Resume(f, acted, "", o, env)
		case p == 1 && len(tr.Exceptions) > 0:
			ex := tr.Exceptions[r.IntN(len(tr.Exceptions))]
			what = "resolve " + ex.NodeID
			if r.IntN(2) == 0 {
				res, err = engine.Retry(f, ex.NodeID, o, env, ex.ReturnTo)
			} else {
				res, err = engine.Skip(f, ex.NodeID, o, env, ex.ReturnTo)
			}
			if err == nil {
				tr.Resolve(ex.NodeID)
			}
		case open > 0:
			st := tr.Open[r.IntN(len(tr.Open))]
			i := slices.IndexFunc(st.Tasks, func(t engine.TaskRef) bool { return !t.Waiting })
			if i < 0 {
				continue
			}
			acted = st.NodeID
			kind := []string{engine.ActApprove, engine.ActApprove, engine.ActApprove, engine.ActReject, engine.ActReturn}[r.IntN(5)]
			what = kind + " " + acted
			a := engine.Action{Kind: kind, TaskID: st.Tasks[i].ID, Actor: st.Tasks[i].Assignees[0], Reason: "r", Visited: tr.Visited}
			res, err = engine.Act(f, *st, a, o, env)
		default:
			continue
		}
		if _, refused := engine.AsError(err); refused {
			continue
		}
		if err != nil {
			return fmt.Errorf("step %d, %s: %w", step, what, err)
		}
		tr.Take(res, acted)
	}
	return nil
}

// TestRandomFlows: a flow the checker accepts never strands or fails in random walks
// through the engine; a flow it refuses fails on the counterexample's replay as said.
func TestRandomFlows(t *testing.T) {
	s := seed(t)
	t.Logf("seed %d (SLUICE_SEED replays)", s)
	r := rand.New(rand.NewPCG(s, 14))
	accepted, refused := 0, 0
	for i := range 50 {
		f := randomFlow(t, r)
		rep := Check(f, Options{MaxStates: 2000})
		fd := rep.Finding
		name := fmt.Sprintf("flow %d (seed %d)", i, s)
		if fd == nil {
			accepted++
			for w := range 20 {
				if err := walk(f, r); err != nil {
					t.Fatalf("%s was accepted, but walk %d: %v\n%s", name, w, err, docOf(f))
				}
			}
			continue
		}
		refused++
		if fd.Kind == TooLarge || fd.Kind == AutomaticLoop {
			continue // nothing to replay: a bound, or a loop found on the graph
		}
		tr, err := Replay(f, fd.Counterexample, Options{})
		switch fd.Kind {
		case EngineError:
			if _, refusal := engine.AsError(err); err == nil || refusal {
				t.Fatalf("%s: the engine should fail on the counterexample: %v\n%s", name, err, show(fd.Counterexample))
			}
		case Stranded:
			if err != nil || !live(tr.Status) || len(tr.Open)+len(tr.Waiting)+len(tr.Exceptions) > 0 {
				t.Fatalf("%s: the counterexample should strand: %v %+v", name, err, tr)
			}
		case JoinNeverPasses:
			if err != nil {
				t.Fatalf("%s: the counterexample should run: %v", name, err)
			}
		case OpenTwice:
			if err != nil || openTwice(tr) == "" {
				t.Fatalf("%s: the counterexample should open a review twice: %v %+v", name, err, tr.Open)
			}
		default:
			t.Fatalf("%s: unexpected finding %v", name, fd)
		}
	}
	t.Logf("%d accepted, %d refused", accepted, refused)
	if accepted == 0 || refused == 0 {
		t.Fatalf("the generator should make both kinds: %d accepted, %d refused", accepted, refused)
	}
}

func docOf(f *engine.Flow) string {
	return fmt.Sprintf("nodes %+v\nedges %+v", f.Doc.Nodes, f.Doc.Edges)
}
