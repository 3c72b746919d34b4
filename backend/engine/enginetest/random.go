// Package enginetest holds test helpers shared by the engine's and the service's
// randomised tests: a generator of random valid flows. It is for tests only; the
// engine itself stays pure and knows nothing of it.
package enginetest

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"sluice/backend/engine"
)

// Options shape a random flow.
type Options struct {
	Key  string
	Form string
	// People are the usernames review nodes name as approvers (1 to 4 of them each).
	People []string
	// NobodyRole is a role no one holds in the order's department: a review node with it
	// resolves no approver and raises an exception. Empty: never.
	NobodyRole string
	// Plugin names an automatic node type that fails until its exception is retried
	// after a fix; empty: no automatic nodes.
	Plugin string
	// Waits puts wait nodes on the chain and as parallel branches.
	Waits bool
	// Switches puts switch nodes on the chain: order.note == "fine" takes one one-review
	// branch, the default edge another, and both lead on to the rest of the chain.
	Switches bool
	// OnReject sends the rejection of some chain reviews back to an earlier chain review
	// (the order goes round again) instead of ending the order.
	OnReject bool
	// Subflow names a published flow that subflow nodes on the chain start as a child
	// order (with the parent's data), going on by their default edge when it ends.
	// Empty: no subflow nodes.
	Subflow string
}

// RandomFlow makes a chain of 2–5 review nodes with random modes and pass marks,
// return-direct and auto-pass on some, parallel sections of 2–3 one-node branches,
// and (as the options allow) wait nodes, failing automatic nodes before a review,
// reviews nobody can decide, switches between two reviews, rejections that go back to
// an earlier review, and sub-flows. Every flow it makes is valid.
func RandomFlow(r *rand.Rand, o Options) engine.FlowDoc {
	n := 2 + r.IntN(4)
	doc := engine.FlowDoc{Key: o.Key, Form: o.Form, Nodes: []engine.NodeDoc{{ID: "s", Type: engine.TypeStart}}}
	prevs := []string{"s"} // what the next node follows: two reviews after a switch
	link := func(to string) {
		for _, p := range prevs {
			doc.Edges = append(doc.Edges, engine.EdgeDoc{From: p, To: to})
		}
		prevs = []string{to}
	}
	var chain []string // the reviews on the chain itself, for on_reject
	review := func(id string, nobody int) engine.NodeDoc {
		mode := []string{engine.ModeAny, engine.ModeAll, engine.ModeSequential, engine.ModeRatio}[r.IntN(4)]
		k := 1 + r.IntN(min(4, len(o.People)))
		users := slices.Clone(o.People[:k])
		r.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
		nd := engine.NodeDoc{ID: id, Type: engine.TypeReview, Mode: mode, Approvers: &engine.Approvers{Users: users},
			ReturnDirect: r.IntN(3) == 0, AutoPass: r.IntN(4) == 0}
		if mode == engine.ModeRatio {
			nd.Ratio = &engine.Ratio{Share: []float64{0.34, 0.5, 0.67, 1}[r.IntN(4)]}
		}
		if r.IntN(nobody) == 0 && o.NobodyRole != "" {
			nd.Approvers = &engine.Approvers{Role: o.NobodyRole} // resolves no one: an exception
		}
		return nd
	}
	for i := 0; i < n; i++ {
		if i > 0 && r.IntN(3) == 0 {
			// a parallel section of 2–3 one-node branches
			fork, join := fmt.Sprintf("f%d", i), fmt.Sprintf("j%d", i)
			doc.Nodes = append(doc.Nodes, engine.NodeDoc{ID: fork, Type: engine.TypeParallel}, engine.NodeDoc{ID: join, Type: engine.TypeJoin, Fork: fork})
			link(fork)
			for b := 0; b < 2+r.IntN(2); b++ {
				id := fmt.Sprintf("p%d_%d", i, b)
				if o.Waits && r.IntN(4) == 0 {
					doc.Nodes = append(doc.Nodes, engine.NodeDoc{ID: id, Type: engine.TypeWait, Wait: &engine.WaitSpec{After: "1h"}})
				} else {
					nd := review(id, 8)
					nd.ReturnDirect = false // a node inside a branch cannot be returned to
					doc.Nodes = append(doc.Nodes, nd)
				}
				doc.Edges = append(doc.Edges, engine.EdgeDoc{From: fork, To: id}, engine.EdgeDoc{From: id, To: join})
			}
			prevs = []string{join}
			continue
		}
		if o.Switches && i > 0 && r.IntN(4) == 0 {
			// a switch between two one-review branches that both lead on
			x, a, b := fmt.Sprintf("x%d", i), review(fmt.Sprintf("a%d", i), 8), review(fmt.Sprintf("b%d", i), 8)
			doc.Nodes = append(doc.Nodes, engine.NodeDoc{ID: x, Type: engine.TypeSwitch}, a, b)
			link(x)
			doc.Edges = append(doc.Edges, engine.EdgeDoc{From: x, To: a.ID, When: `order.note == "fine"`}, engine.EdgeDoc{From: x, To: b.ID, Default: true})
			prevs = []string{a.ID, b.ID}
			continue
		}
		if o.Subflow != "" && r.IntN(5) == 0 {
			id := fmt.Sprintf("c%d", i)
			doc.Nodes = append(doc.Nodes, engine.NodeDoc{ID: id, Type: engine.TypeSubflow, Subflow: &engine.SubflowSpec{Flow: o.Subflow}})
			link(id)
		}
		if o.Waits && r.IntN(5) == 0 {
			id := fmt.Sprintf("w%d", i)
			doc.Nodes = append(doc.Nodes, engine.NodeDoc{ID: id, Type: engine.TypeWait, Wait: &engine.WaitSpec{After: "2h"}})
			link(id)
		}
		id := fmt.Sprintf("r%d", i)
		nd := review(id, 6)
		if o.OnReject && len(chain) > 0 && r.IntN(3) == 0 {
			nd.OnReject = chain[r.IntN(len(chain))]
		}
		if o.Plugin != "" && r.IntN(4) == 0 {
			tid := fmt.Sprintf("t%d", i)
			doc.Nodes = append(doc.Nodes, engine.NodeDoc{ID: tid, Type: engine.TypeTask, Plugin: o.Plugin})
			link(tid)
		}
		doc.Nodes = append(doc.Nodes, nd)
		link(id)
		chain = append(chain, id)
	}
	doc.Nodes = append(doc.Nodes, engine.NodeDoc{ID: "e", Type: engine.TypeEnd})
	link("e")
	return doc
}
