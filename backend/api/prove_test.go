package api_test

import (
	"os"
	"strings"
	"testing"

	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// TestPublishRefusesStrandingFlow: over HTTP, a flow that strands an order is refused
// at publish with the node at fault, the code and a counterexample the designer can
// highlight (node ids and edge pointers per step).
func TestPublishRefusesStrandingFlow(t *testing.T) {
	body, err := os.ReadFile("../flowcheck/testdata/nested-reject.json")
	if err != nil {
		t.Fatal(err)
	}
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		admin := e.login("admin")
		if r := e.do("PUT", "/api/v1/definitions/flows/nested-reject", admin, body); r.status != 200 {
			t.Fatalf("save draft: %d %s", r.status, r.body)
		}
		r := e.do("POST", "/api/v1/definitions/flows/nested-reject/publish", admin, nil)
		if r.status != 422 {
			t.Fatalf("publish: %d %s", r.status, r.body)
		}
		p := r.problem(t)
		if p.Code != "flow_engine_error" || len(p.Errors) != 1 || p.Errors[0].Pointer != "/nodes/8" || p.Errors[0].Code != p.Code || len(p.Counterexample) != 3 {
			t.Fatalf("problem: %s", r.body)
		}
		rej := p.Counterexample[1]
		if rej.Action != "reject" || rej.Node != "a1" || len(rej.Nodes) != 1 || rej.Nodes[0] != "rework" {
			t.Fatalf("step 2 should be the rejection at a1 reaching rework: %+v", rej)
		}
		if first := p.Counterexample[0]; len(first.Edges) == 0 || first.Edges[0] != "/edges/0" {
			t.Fatalf("step 1 should name its edges: %+v", first)
		}
		if r := e.do("GET", "/api/v1/flows", admin, nil); r.status != 200 || contains(r.body, "nested-reject") {
			t.Fatalf("the flow should not be published: %d %s", r.status, r.body)
		}
	})
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
