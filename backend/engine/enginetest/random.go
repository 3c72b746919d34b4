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
	// order (with the parent's data), going on by their default edge when it ends, or,
	// on some, to an end of their own when the child was rejected.
	// Empty: no subflow nodes.
	Subflow string
	// Inclusive makes some parallel sections inclusive forks: each branch's edge holds
	// on a condition of order.note (all hold for "fine"), one edge is the default.
	Inclusive bool
	// BranchRework routes the rejection of some reviews inside a parallel section to a
	// rework review of the same branch that leads back into the section's join (the
	// checker and the engine support it: the other branches go on).
	BranchRework bool
	// Risky adds shapes that may strand an order, for the checker to sort out: sections
	// nested in a branch, and rejections routed anywhere — to a review in another branch
	// or section, or to a rework review leading into any join or node of the flow.
	Risky bool
	// Pairs: each review's approvers are one of three fixed, disjoint pairs of People
	// (People needs six), in a fixed order, and no review resolves nobody. The flow
	// checker abstracts every approver spec to two users, the same spec to the same
	// two, so on such a flow (auto-pass included) its counterexamples replay exactly in
	// a real service.
	Pairs bool
	// Chain bounds the reviews on the main chain (2 to Chain; 0 means 5).
	Chain int
}

// conditions of inclusive edges: each holds for the note "fine" (the first answer the
// checker tries), and "other" and "fail:data" make different ones hold.
var inclusiveWhen = []string{`order.note == "fine"`, `order.note != "other"`, `order.note startsWith "f"`}

// RandomFlow makes a chain of 2–5 review nodes with random modes and pass marks,
// return-direct and auto-pass on some, parallel sections of 2–3 branches, and (as the
// options allow) inclusive sections, wait nodes, failing automatic nodes before a
// review, reviews nobody can decide, switches between two reviews, rejections that go
// back to an earlier review or to a rework inside a branch, sub-flows, nested sections
// and rejections routed anywhere. Every flow it makes is valid (the validator accepts
// it); without Risky the checker proves nearly all, with Risky it refuses some.
func RandomFlow(r *rand.Rand, o Options) engine.FlowDoc {
	top := o.Chain
	if top < 2 {
		top = 5
	}
	n := 2 + r.IntN(top-1)
	doc := engine.FlowDoc{Key: o.Key, Form: o.Form, Nodes: []engine.NodeDoc{{ID: "s", Type: engine.TypeStart}}}
	prevs := []string{"s"} // what the next node follows: two reviews after a switch
	link := func(to string) {
		for _, p := range prevs {
			doc.Edges = append(doc.Edges, engine.EdgeDoc{From: p, To: to})
		}
		prevs = []string{to}
	}
	edge := func(from, to string) { doc.Edges = append(doc.Edges, engine.EdgeDoc{From: from, To: to}) }
	var chain []string // the reviews on the chain itself, for on_reject
	pairs := [][]string{}
	if o.Pairs && len(o.People) >= 6 {
		pairs = [][]string{o.People[0:2], o.People[2:4], o.People[4:6]}
	}
	review := func(id string, nobody int) engine.NodeDoc {
		mode := []string{engine.ModeAny, engine.ModeAll, engine.ModeSequential, engine.ModeRatio}[r.IntN(4)]
		var users []string
		if len(pairs) > 0 {
			users = slices.Clone(pairs[r.IntN(len(pairs))])
		} else {
			k := 1 + r.IntN(min(4, len(o.People)))
			users = slices.Clone(o.People[:k])
			r.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
		}
		nd := engine.NodeDoc{ID: id, Type: engine.TypeReview, Mode: mode, Approvers: &engine.Approvers{Users: users},
			ReturnDirect: r.IntN(3) == 0, AutoPass: r.IntN(4) == 0}
		if mode == engine.ModeRatio {
			nd.Ratio = &engine.Ratio{Share: []float64{0.34, 0.5, 0.67, 1}[r.IntN(4)]}
		}
		if r.IntN(nobody) == 0 && o.NobodyRole != "" && len(pairs) == 0 {
			nd.Approvers = &engine.Approvers{Role: o.NobodyRole} // resolves no one: an exception
		}
		return nd
	}
	// branchReview adds a review inside a section, with (BranchRework) a rework of its
	// own branch that leads into the join.
	branchReview := func(id, join string) {
		nd := review(id, 8)
		nd.ReturnDirect = false // a node inside a branch cannot be returned to
		if o.BranchRework && r.IntN(3) == 0 {
			rw := review("k"+id, 8)
			rw.ReturnDirect = false
			doc.Nodes = append(doc.Nodes, rw)
			edge(rw.ID, join)
			nd.OnReject = rw.ID
		}
		doc.Nodes = append(doc.Nodes, nd)
	}
	// section adds a parallel (or inclusive) section after prev, its branches one or two
	// nodes long; inside a branch (nested) only reviews. It returns the join.
	sections := 0
	var section func(prev, tag string, nested bool) string
	section = func(prev, tag string, nested bool) string {
		fork, join := "f"+tag, "j"+tag
		typ := engine.TypeParallel
		if o.Inclusive && r.IntN(2) == 0 {
			typ = engine.TypeInclusive
		}
		doc.Nodes = append(doc.Nodes, engine.NodeDoc{ID: fork, Type: typ}, engine.NodeDoc{ID: join, Type: engine.TypeJoin, Fork: fork})
		edge(prev, fork)
		sections++
		branches := 2
		if sections == 1 && !nested && r.IntN(2) == 0 {
			branches = 3 // a third branch multiplies the states to prove: on the first section only
		}
		def := r.IntN(branches)
		for b := 0; b < branches; b++ {
			id := fmt.Sprintf("p%s_%d", tag, b)
			fe := engine.EdgeDoc{From: fork, To: id}
			if typ == engine.TypeInclusive {
				if b == def {
					fe.Default = true
				} else {
					fe.When = inclusiveWhen[r.IntN(len(inclusiveWhen))]
				}
			}
			doc.Edges = append(doc.Edges, fe)
			switch {
			case o.Waits && !nested && r.IntN(4) == 0:
				doc.Nodes = append(doc.Nodes, engine.NodeDoc{ID: id, Type: engine.TypeWait, Wait: &engine.WaitSpec{After: "1h"}})
				edge(id, join)
			case o.Risky && !nested && sections < 2 && r.IntN(4) == 0:
				// a section nested in this branch
				branchReview(id, join)
				edge(section(id, fmt.Sprintf("%s_%d", tag, b), true), join)
			default:
				branchReview(id, join)
				last := id
				if branches == 2 && r.IntN(3) == 0 { // a second review in the branch
					next := id + "b"
					branchReview(next, join)
					edge(id, next)
					last = next
				}
				edge(last, join)
			}
		}
		return join
	}
	for i := 0; i < n; i++ {
		if i > 0 && sections < 2 && r.IntN(3) == 0 {
			if len(prevs) > 1 { // after a switch: a plain review first, the fork takes one edge
				id := fmt.Sprintf("q%d", i)
				doc.Nodes = append(doc.Nodes, review(id, 8))
				link(id)
				chain = append(chain, id)
			}
			prevs = []string{section(prevs[0], fmt.Sprint(i), false)}
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
		if o.Subflow != "" && r.IntN(4) == 0 {
			id := fmt.Sprintf("c%d", i)
			doc.Nodes = append(doc.Nodes, engine.NodeDoc{ID: id, Type: engine.TypeSubflow, Subflow: &engine.SubflowSpec{Flow: o.Subflow}})
			link(id)
			if r.IntN(2) == 0 {
				// a rejected child ends the parent as rejected; anything else goes on
				end := fmt.Sprintf("e%d", i)
				doc.Nodes = append(doc.Nodes, engine.NodeDoc{ID: end, Type: engine.TypeEnd, Status: engine.StatusRejected})
				doc.Edges = append(doc.Edges, engine.EdgeDoc{From: id, To: end, Outcome: engine.StatusRejected})
			}
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
	if o.Risky {
		risky(r, &doc, review)
	}
	return doc
}

// risky routes the rejection of some reviews anywhere: to another review (in another
// branch, section or further on), or to a new rework review that leads into a random
// join or review of the flow. Some of these strand an order; the checker says which.
func risky(r *rand.Rand, doc *engine.FlowDoc, review func(string, int) engine.NodeDoc) {
	var reviews, joins []string
	for _, n := range doc.Nodes {
		switch n.Type {
		case engine.TypeReview:
			reviews = append(reviews, n.ID)
		case engine.TypeJoin:
			joins = append(joins, n.ID)
		}
	}
	for k, id := range reviews {
		i := slices.IndexFunc(doc.Nodes, func(n engine.NodeDoc) bool { return n.ID == id })
		if r.IntN(4) != 0 || doc.Nodes[i].OnReject != "" {
			continue // (a rework already routed to must stay reachable)
		}
		switch p := r.IntN(3); {
		case p == 0 && len(joins) > 0, p == 1:
			into := reviews[r.IntN(len(reviews))]
			if p == 0 {
				into = joins[r.IntN(len(joins))]
			}
			rw := review(fmt.Sprintf("z%d", k), 8)
			rw.ReturnDirect = false
			doc.Nodes = append(doc.Nodes, rw)
			doc.Edges = append(doc.Edges, engine.EdgeDoc{From: rw.ID, To: into})
			doc.Nodes[i].OnReject = rw.ID
		default:
			if to := reviews[r.IntN(len(reviews))]; to != id {
				doc.Nodes[i].OnReject = to
			}
		}
	}
}
