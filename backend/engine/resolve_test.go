package engine

import (
	"slices"
	"testing"
)

// exFlow: start → check (task) → r (review by role "clerk") → end. Order data decides
// what the plugin says ("outcome": "failure:stock") and the department who resolves.
func exFlow(t *testing.T) *Flow {
	return build(t, FlowDoc{Key: "ex", Nodes: []NodeDoc{
		{ID: "s", Type: TypeStart},
		{ID: "check", Type: TypeTask, Plugin: "verify.rules"},
		{ID: "r", Type: TypeReview, Approvers: &Approvers{Role: "clerk"}, AllowSelf: true},
		{ID: "e", Type: TypeEnd},
	}, Edges: []EdgeDoc{{From: "s", To: "check"}, {From: "check", To: "r"}, {From: "r", To: "e"}}})
}

func TestExceptionsRaised(t *testing.T) {
	tests := []struct {
		name    string
		dept    string
		outcome string
		node    string
		reason  string
	}{
		{"plugin failure stops at the task", "sales", "failure:credit", "check", "credit"},
		{"no approver stops at the review", "nowhere", "ok", "r", ReasonNoApprover},
		{"self only is no approver", "selfonly", "ok", "", ""}, // r allows self: sub decides
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Start(exFlow(t), Order{Department: tc.dept, Submitter: "sub", Data: map[string]any{"outcome": tc.outcome}}, env())
			if err != nil {
				t.Fatal(err)
			}
			if tc.node == "" {
				if r.Status != StatusInReview {
					t.Fatalf("status %s", r.Status)
				}
				return
			}
			last := r.Visits[len(r.Visits)-1]
			if r.Status != StatusException || !slices.Equal(r.Current, []string{tc.node}) ||
				last.Status != "exception" || last.NodeID != tc.node || last.Reason != tc.reason || last.Message == "" {
				t.Fatalf("got status %s current %v last %+v", r.Status, r.Current, last)
			}
		})
	}
}

func TestExceptionResolutions(t *testing.T) {
	type step func(f *Flow, o Order, e *fakeEnv) (*Result, error)
	tests := []struct {
		name    string
		dept    string
		outcome string
		fix     func(e *fakeEnv)
		do      step
		status  string
		current []string
		wantErr ErrorKind
	}{
		{"retry unfixed raises again", "sales", "failure:data", nil,
			func(f *Flow, o Order, e *fakeEnv) (*Result, error) { return Retry(f, "check", o, e, "") },
			StatusException, []string{"check"}, -1},
		{"retry after the fix passes on", "sales", "failure:data", func(e *fakeEnv) { e.fixed = map[string]bool{"check": true} },
			func(f *Flow, o Order, e *fakeEnv) (*Result, error) { return Retry(f, "check", o, e, "") },
			StatusInReview, []string{"r"}, -1},
		{"skip a task takes its ok edge", "sales", "failure:price", nil,
			func(f *Flow, o Order, e *fakeEnv) (*Result, error) { return Skip(f, "check", o, e, "") },
			StatusInReview, []string{"r"}, -1},
		{"skip a review passes it", "nowhere", "ok", nil,
			func(f *Flow, o Order, e *fakeEnv) (*Result, error) { return Skip(f, "r", o, e, "") },
			StatusCompleted, []string{}, -1},
		{"retry a review after someone holds the role", "nowhere", "ok", func(e *fakeEnv) { e.holders["clerk@nowhere"] = []string{"c9"} },
			func(f *Flow, o Order, e *fakeEnv) (*Result, error) { return Retry(f, "r", o, e, "") },
			StatusInReview, []string{"r"}, -1},
		{"assign a review to a user", "nowhere", "ok", nil,
			func(f *Flow, o Order, e *fakeEnv) (*Result, error) { return Assign(f, "r", "w1", o, e, "") },
			StatusInReview, []string{"r"}, -1},
		{"assign to nobody real", "nowhere", "ok", nil,
			func(f *Flow, o Order, e *fakeEnv) (*Result, error) { return Assign(f, "r", "ghost", o, e, "") },
			"", nil, Invalid},
		{"assign at a task", "sales", "failure:stock", nil,
			func(f *Flow, o Order, e *fakeEnv) (*Result, error) { return Assign(f, "check", "w1", o, e, "") },
			"", nil, Invalid},
		{"unknown node", "sales", "failure:stock", nil,
			func(f *Flow, o Order, e *fakeEnv) (*Result, error) { return Retry(f, "gone", o, e, "") },
			"", nil, Conflict},
		{"a switch holds no exception", "sales", "failure:stock", nil,
			func(f *Flow, o Order, e *fakeEnv) (*Result, error) { return Skip(f, "s", o, e, "") },
			"", nil, Conflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, e := exFlow(t), env()
			o := Order{Department: tc.dept, Submitter: "sub", Data: map[string]any{"outcome": tc.outcome}}
			d := &desk{t: t, f: f, o: o, e: e, tr: &Tracker{}}
			r, err := Start(f, o, e)
			if err != nil {
				t.Fatal(err)
			}
			d.tr.Take(r, "")
			if d.status() != StatusException || len(d.tr.Exceptions) != 1 {
				t.Fatalf("not held: %s %v", d.status(), d.tr.Exceptions)
			}
			if tc.fix != nil {
				tc.fix(e)
			}
			r, err = tc.do(f, d.tr.Order(o), e)
			if tc.wantErr >= 0 {
				if ee, ok := AsError(err); !ok || ee.Kind != tc.wantErr {
					t.Fatalf("want error kind %d, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d.tr.Resolve(d.tr.Exceptions[0].NodeID)
			d.tr.Take(r, "")
			if d.status() != tc.status || !slices.Equal(r.Current, tc.current) {
				t.Fatalf("status %s current %v, want %s %v", d.status(), r.Current, tc.status, tc.current)
			}
			if tc.name == "assign a review to a user" {
				if nt := r.Visits[0].Tasks; len(nt) != 1 || !nt[0].Granted || nt[0].Assignees[0] != "w1" {
					t.Fatalf("tasks %+v", nt)
				}
				d.must(approve("w1"))
				if d.status() != StatusCompleted {
					t.Fatalf("after the assignee approves: %s", d.status())
				}
			}
		})
	}
}

// A direct return recorded with the exception still sends the order back after a skip.
func TestSkipKeepsDirectReturn(t *testing.T) {
	f := modesFlow(t, ModeAny, "nobody", nil)
	r, err := Skip(f, "r2", Order{Department: "sales", Submitter: "sub", Data: map[string]any{}}, env(), "r1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Current, []string{"r1"}) {
		t.Fatalf("current %v, want r1 (the return chain)", r.Current)
	}
}
