package engine

import "testing"

// An automatic action is the system's decision: it needs no assignment, counts as one
// vote of the task it decides, never makes the system an auto-pass approver, and is
// limited to approve, reject and return.
func TestAutoActionDecidesAsSystem(t *testing.T) {
	f := build(t, FlowDoc{Key: "a", Nodes: []NodeDoc{
		{ID: "s", Type: TypeStart},
		{ID: "r1", Type: TypeReview, Mode: ModeAll, Approvers: &Approvers{Users: []string{"u1", "u2"}}},
		{ID: "r2", Type: TypeReview, Mode: ModeAny, AutoPass: true, Approvers: &Approvers{Users: []string{"u2", "system"}}},
		{ID: "e", Type: TypeEnd},
	}, Edges: []EdgeDoc{{From: "s", To: "r1"}, {From: "r1", To: "r2"}, {From: "r2", To: "e"}}})
	d := newDesk(t, f, Order{ID: 1, Department: "x", Submitter: "nobody", Data: map[string]any{}})
	st := d.st()
	if err := d.act(Action{Kind: ActTransfer, Auto: true, TaskID: st.Tasks[0].ID, User: "u3"}); err == nil {
		t.Fatal("an automatic transfer was accepted")
	}
	d.must(Action{Kind: ActApprove, Auto: true, TaskID: st.Tasks[0].ID})
	if st := d.st(); st.NodeID != "r1" || st.Approvals != 1 || len(st.Tasks) != 1 {
		t.Fatalf("after the automatic approval: %+v", st)
	}
	if got := d.last.Trace[0].Text; got != "approved by system (1 of 2 needed)" {
		t.Fatalf("trace %q", got)
	}
	d.must(Action{Kind: ActApprove, Actor: "u2"})
	// r2 auto-passes for u2 (who approved r1), never for "system"
	if d.status() != StatusCompleted || len(d.last.Visits) < 1 {
		t.Fatalf("status %s", d.status())
	}
	for _, v := range d.last.Visits {
		if v.NodeID == "r2" && (len(v.AutoApproved) != 1 || v.AutoApproved[0] != "u2") {
			t.Fatalf("auto-approved %v", v.AutoApproved)
		}
	}
}

// A return asks the target's reviewers to decide again: nobody auto-passes there on an
// approval from before the return.
func TestReturnIsNotAutoPassed(t *testing.T) {
	f := build(t, FlowDoc{Key: "b", Nodes: []NodeDoc{
		{ID: "s", Type: TypeStart},
		{ID: "r0", Type: TypeReview, Mode: ModeAny, AutoPass: true, Approvers: &Approvers{Users: []string{"u1"}}},
		{ID: "r1", Type: TypeReview, Mode: ModeAny, Approvers: &Approvers{Users: []string{"u2"}}},
		{ID: "e", Type: TypeEnd},
	}, Edges: []EdgeDoc{{From: "s", To: "r0"}, {From: "r0", To: "r1"}, {From: "r1", To: "e"}}})
	d := newDesk(t, f, Order{ID: 1, Department: "x", Submitter: "nobody", Data: map[string]any{}})
	d.must(Action{Kind: ActApprove, Actor: "u1"})
	d.must(Action{Kind: ActReturn, Actor: "u2"})
	if st := d.st(); st == nil || st.NodeID != "r0" || len(st.Tasks) != 1 || st.Approvals != 0 {
		t.Fatalf("after the return: %s %+v", d.at(), st)
	}
}
