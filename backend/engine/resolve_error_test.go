package engine

import (
	"errors"
	"testing"
)

// brokenEnv cannot look up one role: its Resolve fails (a database fault).
type brokenEnv struct {
	*fakeEnv
	broken string
}

var errLookup = errors.New("the lookup failed")

func (e brokenEnv) Resolve(a Approvers, dept string, o Order) ([]string, error) {
	if a.Role == e.broken {
		return nil, errLookup
	}
	return e.fakeEnv.Resolve(a, dept, o)
}

// TestResolveErrorsAbort: "resolving failed" is an error that fails the transition,
// never "resolved to nobody": neither a no_approver exception for the approvers nor a
// review without its copies for the CC. Before, a failing CC lookup dropped the copies.
func TestResolveErrorsAbort(t *testing.T) {
	flow := func(approvers, cc string) *Flow {
		return build(t, FlowDoc{Key: "cc", Nodes: []NodeDoc{
			{ID: "s", Type: TypeStart},
			{ID: "r", Type: TypeReview, Mode: ModeAny, Approvers: &Approvers{Role: approvers}, CC: &Approvers{Role: cc}},
			{ID: "e", Type: TypeEnd},
		}, Edges: []EdgeDoc{{From: "s", To: "r"}, {From: "r", To: "e"}}})
	}
	o := order(1)
	o.Department, o.Submitter = "sales", "x"
	env := brokenEnv{env(), "broken"}
	r, err := Start(flow("clerk", "manager"), o, env)
	if err != nil || len(r.Visits) == 0 {
		t.Fatalf("clean start: %v", err)
	}
	for name, f := range map[string]*Flow{"approvers": flow("broken", "manager"), "cc": flow("clerk", "broken")} {
		r, err := Start(f, o, env)
		if !errors.Is(err, errLookup) {
			t.Fatalf("%s lookup failed: Start answered %+v, %v; want the error", name, r, err)
		}
	}
}
