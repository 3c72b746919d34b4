package engine

import (
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"testing"
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

var people = []string{"u1", "u2", "u3", "u4", "u5"}

// randomFlow is a chain of review nodes with random modes, sometimes a switch that
// skips one, and return-direct on some: every such flow is valid.
func randomFlow(t *testing.T, r *rand.Rand) *Flow {
	n := 2 + r.IntN(4)
	doc := FlowDoc{Key: "p", Nodes: []NodeDoc{{ID: "s", Type: TypeStart}}}
	prev := "s"
	review := func(id string) NodeDoc {
		mode := []string{ModeAny, ModeAll, ModeSequential, ModeRatio}[r.IntN(4)]
		k := 1 + r.IntN(4)
		users := slices.Clone(people[:k])
		r.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
		nd := NodeDoc{ID: id, Type: TypeReview, Mode: mode, Approvers: &Approvers{Users: users}, ReturnDirect: r.IntN(3) == 0, AutoPass: r.IntN(4) == 0}
		if mode == ModeRatio {
			nd.Ratio = &Ratio{Share: []float64{0.34, 0.5, 0.67, 1}[r.IntN(4)]}
		}
		if r.IntN(8) == 0 {
			nd.Approvers = &Approvers{Role: "nobody"} // an exception inside a parallel branch
		}
		return nd
	}
	for i := 0; i < n; i++ {
		if i > 0 && r.IntN(3) == 0 {
			// a parallel section of 2–3 one-review branches
			fork, join := fmt.Sprintf("f%d", i), fmt.Sprintf("j%d", i)
			doc.Nodes = append(doc.Nodes, NodeDoc{ID: fork, Type: TypeParallel}, NodeDoc{ID: join, Type: TypeJoin, Fork: fork})
			doc.Edges = append(doc.Edges, EdgeDoc{From: prev, To: fork})
			for b := 0; b < 2+r.IntN(2); b++ {
				id := fmt.Sprintf("p%d_%d", i, b)
				if r.IntN(4) == 0 {
					// a branch that only waits
					doc.Nodes = append(doc.Nodes, NodeDoc{ID: id, Type: TypeWait, Wait: &WaitSpec{After: "1h"}})
				} else {
					doc.Nodes = append(doc.Nodes, review(id))
				}
				doc.Edges = append(doc.Edges, EdgeDoc{From: fork, To: id}, EdgeDoc{From: id, To: join})
			}
			prev = join
			continue
		}
		if r.IntN(5) == 0 {
			id := fmt.Sprintf("w%d", i)
			doc.Nodes = append(doc.Nodes, NodeDoc{ID: id, Type: TypeWait, Wait: &WaitSpec{After: "2h"}})
			doc.Edges = append(doc.Edges, EdgeDoc{From: prev, To: id})
			prev = id
		}
		id := fmt.Sprintf("r%d", i)
		mode := []string{ModeAny, ModeAll, ModeSequential, ModeRatio}[r.IntN(4)]
		k := 1 + r.IntN(4)
		users := slices.Clone(people[:k])
		r.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
		nd := NodeDoc{ID: id, Type: TypeReview, Mode: mode, Approvers: &Approvers{Users: users}, ReturnDirect: r.IntN(3) == 0, AutoPass: r.IntN(4) == 0}
		if mode == ModeRatio {
			nd.Ratio = &Ratio{Share: []float64{0.34, 0.5, 0.67, 1}[r.IntN(4)]}
		}
		if r.IntN(6) == 0 {
			nd.Approvers = &Approvers{Role: "nobody"} // resolves no one: an exception
		}
		if r.IntN(4) == 0 {
			// an automatic node that fails until its exception is retried after a fix
			tid := fmt.Sprintf("t%d", i)
			doc.Nodes = append(doc.Nodes, NodeDoc{ID: tid, Type: TypeTask, Plugin: "flaky"})
			doc.Edges = append(doc.Edges, EdgeDoc{From: prev, To: tid})
			prev = tid
		}
		doc.Nodes = append(doc.Nodes, nd)
		doc.Edges = append(doc.Edges, EdgeDoc{From: prev, To: id})
		prev = id
	}
	doc.Nodes = append(doc.Nodes, NodeDoc{ID: "e", Type: TypeEnd})
	doc.Edges = append(doc.Edges, EdgeDoc{From: prev, To: "e"})
	return build(t, doc)
}

type snapshot struct {
	Status  string
	Open    []NodeState
	Visited []string
	Trace   int
}

// run plays a random action sequence and checks the invariants after every step; it
// returns what it saw so a second run can be compared (the replay check).
func run(t *testing.T, f *Flow, r *rand.Rand) []snapshot {
	d := newDesk(t, f, Order{ID: 1, Department: "x", Submitter: "nobody", Data: map[string]any{}})
	var seen []snapshot
	votes := map[string][2]int{} // node -> approvals, rejections recorded this visit
	for steps := 0; steps < 60 && (d.status() == StatusInReview || d.status() == StatusException); steps++ {
		if d.status() == StatusException {
			// Not stuck: an order held by an exception always has one to resolve, and
			// every resolution moves it.
			if len(d.tr.Exceptions) == 0 {
				t.Fatalf("step %d: in exception with no open exception", steps)
			}
			resolve(t, d, r)
			seen = append(seen, snapshot{Status: d.status(), Visited: slices.Clone(d.tr.Visited), Trace: len(d.last.Trace)})
			continue
		}
		if len(d.tr.Open) == 0 && len(d.tr.Waiting) == 0 {
			t.Fatalf("in review with no open node")
		}
		// A waiting branch is not stuck: its timer resumes it, sometimes before the
		// reviews of other branches decide.
		if len(d.tr.Waiting) > 0 && (len(d.tr.Open) == 0 || r.IntN(4) == 0) {
			id := d.tr.Waiting[r.IntN(len(d.tr.Waiting))]
			res, err := Resume(f, id, "", d.tr.Order(d.o), d.e)
			if err != nil {
				t.Fatalf("step %d resume %s: %v", steps, id, err)
			}
			d.last = res
			d.tr.Take(res, id)
			if d.status() != StatusInReview && d.status() != StatusException && (len(d.tr.Open) > 0 || len(d.tr.Waiting) > 0) {
				t.Fatalf("ended %s with open nodes %v / waiting %v", d.status(), d.at(), d.tr.Waiting)
			}
			seen = append(seen, snapshot{d.status(), nil, slices.Clone(d.tr.Visited), len(d.last.Trace)})
			continue
		}
		st := d.tr.Open[r.IntN(len(d.tr.Open))]
		open := slices.DeleteFunc(slices.Clone(st.Tasks), func(x TaskRef) bool { return x.Waiting })
		if len(open) == 0 {
			t.Fatalf("stuck: %s has no open task: %+v", st.NodeID, st.Tasks)
		}
		task := open[r.IntN(len(open))]
		actor := task.Assignees[r.IntN(len(task.Assignees))]
		a := Action{Actor: actor, TaskID: task.ID}
		switch p := r.IntN(20); {
		case p < 12:
			a.Kind = ActApprove
		case p < 15:
			a.Kind, a.Reason = ActReject, "no"
		case p < 17 && slices.ContainsFunc(d.tr.Visited, func(id string) bool { return id != st.NodeID && !f.Branch[id] }):
			a.Kind = ActReturn
		case p < 18:
			a.Kind, a.User = ActDelegate, "d"+strconv.Itoa(steps)
		case p < 19:
			a.Kind, a.User, a.Position = ActAddSigner, "x"+strconv.Itoa(steps), []string{"before", "after"}[r.IntN(2)]
		default:
			a.Kind, a.User = ActTransfer, "t"+strconv.Itoa(steps)
		}
		node := st.NodeID
		before := *st
		a.TaskID = task.ID
		if err := d.act(a); err != nil {
			t.Fatalf("step %d %s by %s at %s: %v", steps, a.Kind, actor, node, err)
		}
		ch := d.last.Acted
		if ch != nil && task.Kind != KindDelegate && task.Kind != KindBefore {
			v := votes[node]
			switch a.Kind {
			case ActApprove:
				v[0]++
			case ActReject:
				v[1]++
			}
			votes[node] = v
			if (a.Kind == ActApprove || a.Kind == ActReject) && (ch.Approvals != before.Approvals+b2i(a.Kind == ActApprove) || ch.Rejections != before.Rejections+b2i(a.Kind == ActReject)) {
				t.Fatalf("counters moved wrongly: %+v → %+v on %s", before, ch, a.Kind)
			}
		}
		if ch != nil && ch.Status != "active" {
			delete(votes, node)
		}
		// an exception holds other branches open; any other status ends them all
		if d.status() != StatusInReview && d.status() != StatusException && (len(d.tr.Open) > 0 || len(d.tr.Waiting) > 0) {
			t.Fatalf("ended %s with open nodes %v / waiting %v", d.status(), d.at(), d.tr.Waiting)
		}
		var nodes []NodeState
		for _, st := range d.tr.Open {
			nodes = append(nodes, *st)
		}
		seen = append(seen, snapshot{d.status(), nodes, slices.Clone(d.tr.Visited), len(d.last.Trace)})
	}
	return seen
}

// resolve picks an open exception and resolves it at random: retry (after fixing a
// task), skip (override) or assign a review to someone.
func resolve(t *testing.T, d *desk, r *rand.Rand) {
	ex := d.tr.Exceptions[r.IntN(len(d.tr.Exceptions))]
	o := d.tr.Order(d.o)
	var res *Result
	var err error
	switch p := r.IntN(3); {
	case p == 0 && ex.Type == TypeTask:
		if d.e.fixed == nil {
			d.e.fixed = map[string]bool{}
		}
		d.e.fixed[ex.NodeID] = true
		res, err = Retry(d.f, ex.NodeID, o, d.e, ex.ReturnTo)
	case p == 1 && ex.Type == TypeReview:
		res, err = Assign(d.f, ex.NodeID, people[r.IntN(len(people))], o, d.e, ex.ReturnTo)
	default:
		res, err = Skip(d.f, ex.NodeID, o, d.e, ex.ReturnTo)
	}
	if err != nil {
		t.Fatalf("resolve %s at %s: %v", ex.Reason, ex.NodeID, err)
	}
	d.last = res
	d.tr.Resolve(ex.NodeID)
	d.tr.Take(res, "")
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestRandomFlowsNeverStick(t *testing.T) {
	s := seed(t)
	t.Logf("seed %d (SLUICE_SEED=%d replays it)", s, s)
	for i := 0; i < 300; i++ {
		fr := rand.New(rand.NewPCG(s, uint64(i)))
		f := randomFlow(t, fr)
		first := run(t, f, rand.New(rand.NewPCG(s, uint64(i)+1e6)))
		again := run(t, f, rand.New(rand.NewPCG(s, uint64(i)+1e6)))
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("flow %d: the same actions from the same state gave a different state", i)
		}
	}
}
