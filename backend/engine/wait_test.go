package engine

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// holdFlow: start → r1 (clerk) → the node under test → r2 (w1) → end, plus outcome
// edges from the node for a subflow.
func holdFlow(t *testing.T, n NodeDoc, extra ...EdgeDoc) *Flow {
	n.ID = "h"
	return build(t, FlowDoc{Key: "w", Nodes: []NodeDoc{
		{ID: "s", Type: TypeStart},
		{ID: "r1", Type: TypeReview, Mode: ModeAny, Approvers: &Approvers{Users: []string{"clerk"}}},
		n,
		{ID: "r2", Type: TypeReview, Mode: ModeAny, Approvers: &Approvers{Users: []string{"w1"}}},
		{ID: "no", Type: TypeEnd, Status: StatusRejected},
		{ID: "e", Type: TypeEnd},
	}, Edges: append(extra, EdgeDoc{From: "s", To: "r1"}, EdgeDoc{From: "r1", To: "h"}, EdgeDoc{From: "h", To: "r2", Default: true}, EdgeDoc{From: "r2", To: "e"})})
}

func TestWaitAndSubflow(t *testing.T) {
	wait := func(after, field string) NodeDoc {
		return NodeDoc{Type: TypeWait, Wait: &WaitSpec{After: after, UntilField: field}}
	}
	sub := NodeDoc{Type: TypeSubflow, Subflow: &SubflowSpec{Flow: "credit", Data: map[string]string{"customer": "customer.name", "amount": "total"}}}
	tests := []struct {
		name    string
		node    NodeDoc
		extra   []EdgeDoc
		data    map[string]any
		stops   bool   // the branch waits at h after r1 approves
		hold    Hold   // what it waits for
		trace   string // a trace line at h contains this
		outcome string // resume with
		then    string // where the order is after the resume
	}{
		{name: "wait after", node: wait("2h", ""), stops: true, hold: Hold{After: "2h"}, trace: "waits 2h", then: "r2"},
		{name: "wait until a date", node: wait("", "ship_after"), data: map[string]any{"ship_after": "2026-12-01"}, stops: true,
			hold: Hold{Until: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Field: "ship_after"}, trace: "waits until 2026-12-01T00:00:00Z", then: "r2"},
		{name: "wait until a date-time", node: wait("", "ship_after"), data: map[string]any{"ship_after": "2026-12-01T09:30:00+08:00"}, stops: true,
			hold: Hold{Until: time.Date(2026, 12, 1, 1, 30, 0, 0, time.UTC), Field: "ship_after"}, trace: "waits until", then: "r2"},
		{name: "wait field missing passes", node: wait("", "ship_after"), trace: "holds no valid date", then: "r2"},
		{name: "wait field invalid passes", node: wait("", "ship_after"), data: map[string]any{"ship_after": "soon"}, trace: "holds no valid date (soon)", then: "r2"},
		{name: "subflow approved takes its outcome edge", node: sub, extra: []EdgeDoc{{From: "h", To: "no", Outcome: StatusRejected}, {From: "h", To: "e", Outcome: StatusApproved}},
			data: map[string]any{"customer": map[string]any{"name": "ACME"}}, stops: true,
			hold: Hold{Flow: "credit", Data: map[string]any{"customer": "ACME", "amount": 10.0}}, trace: "starts sub-flow credit", outcome: StatusApproved, then: StatusCompleted},
		{name: "subflow rejected takes its outcome edge", node: sub, extra: []EdgeDoc{{From: "h", To: "no", Outcome: StatusRejected}},
			stops: true, hold: Hold{Flow: "credit", Data: map[string]any{"amount": 10.0}}, trace: "starts sub-flow", outcome: StatusRejected, then: StatusRejected},
		{name: "subflow other outcome goes by default", node: sub, extra: []EdgeDoc{{From: "h", To: "no", Outcome: StatusRejected}},
			stops: true, hold: Hold{Flow: "credit", Data: map[string]any{"amount": 10.0}}, outcome: "withdrawn", then: "r2"},
		{name: "subflow without mapping copies the data", node: NodeDoc{Type: TypeSubflow, Subflow: &SubflowSpec{Flow: "credit"}},
			stops: true, hold: Hold{Flow: "credit", Data: map[string]any{"total": 10.0}}, outcome: StatusCompleted, then: "r2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := holdFlow(t, tc.node, tc.extra...)
			o := order(10)
			for k, v := range tc.data {
				o.Data[k] = v
			}
			d := newDesk(t, f, o)
			d.must(approve("clerk"))
			var hv *Visit
			for i, v := range d.last.Visits {
				if v.NodeID == "h" {
					hv = &d.last.Visits[i]
				}
			}
			if hv == nil {
				t.Fatalf("h not visited: %+v", d.last.Visits)
			}
			if tc.trace != "" && !slices.ContainsFunc(d.last.Trace, func(x Trace) bool { return x.Node == "h" && strings.Contains(x.Text, tc.trace) }) {
				t.Fatalf("no trace %q at h: %v", tc.trace, d.last.Trace)
			}
			if !tc.stops {
				if hv.Status != "done" || d.at() != tc.then {
					t.Fatalf("h should pass at once to %s: %s, at %s", tc.then, hv.Status, d.at())
				}
				return
			}
			if hv.Status != "waiting" || hv.Hold == nil || !reflect.DeepEqual(*hv.Hold, tc.hold) {
				t.Fatalf("h: %s %+v, want waiting %+v", hv.Status, hv.Hold, tc.hold)
			}
			if !slices.Equal(d.last.Current, []string{"h"}) || !slices.Equal(d.tr.Waiting, []string{"h"}) || len(d.tr.Open) != 0 || d.status() != StatusInReview {
				t.Fatalf("current %v waiting %v open %s status %s", d.last.Current, d.tr.Waiting, d.at(), d.status())
			}
			r, err := Resume(f, "h", tc.outcome, d.tr.Order(d.o), d.e)
			if err != nil {
				t.Fatal(err)
			}
			if r.Acted == nil || r.Acted.Status != "done" {
				t.Fatalf("resume must close the waiting node: %+v", r.Acted)
			}
			d.tr.Take(r, "h")
			if d.at() != tc.then || len(d.tr.Waiting) != 0 {
				t.Fatalf("after resume at %s (waiting %v), want %s; trace %v", d.at(), d.tr.Waiting, tc.then, r.Trace)
			}
		})
	}
}

func TestResumeRefusesOtherNodes(t *testing.T) {
	f := holdFlow(t, NodeDoc{Type: TypeWait, Wait: &WaitSpec{After: "1h"}})
	for _, id := range []string{"r1", "s", "e", "nope"} {
		_, err := Resume(f, id, "", order(1), env())
		if e, ok := AsError(err); !ok || e.Kind != Conflict {
			t.Fatalf("resume %s: %v, want a conflict", id, err)
		}
	}
}

// A return from a later node cancels the waiting branch: the tracker forgets it.
func TestWaitInParallelBranchAndReturn(t *testing.T) {
	f := build(t, FlowDoc{Key: "pw", Nodes: []NodeDoc{
		{ID: "s", Type: TypeStart},
		{ID: "r0", Type: TypeReview, Approvers: &Approvers{Users: []string{"clerk"}}},
		{ID: "f", Type: TypeParallel},
		{ID: "w", Type: TypeWait, Wait: &WaitSpec{After: "1d"}},
		{ID: "rb", Type: TypeReview, Approvers: &Approvers{Users: []string{"w1"}}},
		{ID: "j", Type: TypeJoin, Fork: "f"},
		{ID: "e", Type: TypeEnd},
	}, Edges: []EdgeDoc{{From: "s", To: "r0"}, {From: "r0", To: "f"}, {From: "f", To: "w"}, {From: "f", To: "rb"},
		{From: "w", To: "j"}, {From: "rb", To: "j"}, {From: "j", To: "e"}}})
	d := newDesk(t, f, order(1))
	d.must(approve("clerk"))
	if d.at() != "rb" || !slices.Equal(d.tr.Waiting, []string{"w"}) {
		t.Fatalf("at %s waiting %v", d.at(), d.tr.Waiting)
	}
	// the wait ends first: its branch arrives at the join, which waits for rb
	r, err := Resume(f, "w", "", d.tr.Order(d.o), d.e)
	if err != nil {
		t.Fatal(err)
	}
	d.tr.Take(r, "w")
	if d.at() != "rb" || len(d.tr.Waiting) != 0 || d.tr.Joins["j"].Arrived != 1 {
		t.Fatalf("at %s waiting %v joins %v", d.at(), d.tr.Waiting, d.tr.Joins)
	}
	d.must(approve("w1"))
	if d.status() != StatusCompleted {
		t.Fatalf("status %s", d.status())
	}

	// again, but rb returns the order to r0 while the wait still runs
	d = newDesk(t, f, order(1))
	d.must(approve("clerk"))
	d.must(Action{Kind: ActReturn, Actor: "w1", Node: "r0"})
	if d.at() != "r0" || len(d.tr.Waiting) != 0 || !d.last.CancelRest {
		t.Fatalf("at %s waiting %v", d.at(), d.tr.Waiting)
	}
}

func TestSimulateWaitAndSubflow(t *testing.T) {
	f := holdFlow(t, NodeDoc{Type: TypeSubflow, Subflow: &SubflowSpec{Flow: "credit"}}, EdgeDoc{From: "h", To: "no", Outcome: StatusRejected})
	res := Simulate(f, order(5), nil, env())
	if res.Error != "" || res.Status != StatusCompleted {
		t.Fatalf("%+v", res)
	}
	if !slices.ContainsFunc(res.Trace, func(x Trace) bool {
		return x.Node == "h" && strings.Contains(x.Text, "sub-flow credit ended completed")
	}) {
		t.Fatalf("trace %v", res.Trace)
	}
	res = Simulate(f, order(5), map[string]Decision{"h": {Action: StatusRejected}}, env())
	if res.Status != StatusRejected {
		t.Fatalf("scripted rejection: %+v", res)
	}
	w := holdFlow(t, NodeDoc{Type: TypeWait, Wait: &WaitSpec{After: "2h"}})
	res = Simulate(w, order(5), nil, env())
	if res.Error != "" || res.Status != StatusCompleted || !slices.ContainsFunc(res.Trace, func(x Trace) bool { return x.Text == "waits 2h" }) {
		t.Fatalf("%+v", res)
	}
}

func TestMapDataDoesNotAlias(t *testing.T) {
	parent := map[string]any{"items": []any{map[string]any{"sku": "A"}}, "c": map[string]any{"n": "x"}}
	child := MapData(parent, map[string]string{"lines": "items", "who.name": "c.n", "gone": "nope"})
	want := map[string]any{"lines": []any{map[string]any{"sku": "A"}}, "who": map[string]any{"name": "x"}}
	if !reflect.DeepEqual(child, want) {
		t.Fatalf("%v", child)
	}
	child["lines"].([]any)[0].(map[string]any)["sku"] = "B"
	if parent["items"].([]any)[0].(map[string]any)["sku"] != "A" {
		t.Fatal("the child shares the parent's data")
	}
}
