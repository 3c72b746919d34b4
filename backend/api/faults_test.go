package api_test

import (
	"strings"
	"testing"

	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// TestFaultAnswersProblemWithRequestID: a database statement failing anywhere in a
// submit over HTTP (each in turn, until one run passes them all) answers 500 or 503
// problem+json naming the request id, never a refusal (4xx) nor an order made.
func TestFaultAnswersProblemWithRequestID(t *testing.T) {
	storetest.ForEachFaulty(t, func(t *testing.T, s *store.Store, f *store.Faults) {
		e := start(t, s)
		clerk := e.login("clerk")
		body := sampleBody(t, "small-standard.json")
		for n := 1; ; n++ {
			before := e.counts()
			f.Arm(n)
			r := e.do("POST", "/api/v1/orders", clerk, body)
			hit := f.Hit()
			f.Disarm()
			if !hit {
				if r.status != 201 {
					t.Fatalf("the run past every fault (%d statements): %d %s", n-1, r.status, r.body)
				}
				return
			}
			if r.status == 201 {
				continue // the fault hit something the request does without
			}
			if r.status != 500 && r.status != 503 {
				t.Fatalf("statement %d failed: %d %s, want a fault", n, r.status, r.body)
			}
			p := r.problem(t)
			if id := r.header.Get("X-Request-Id"); id == "" || !strings.Contains(p.Detail, id) {
				t.Fatalf("statement %d failed: the problem %q does not name the request id %q", n, p.Detail, id)
			}
			if after := e.counts(); after != before {
				t.Fatalf("statement %d failed: %+v → %+v", n, before, after)
			}
		}
	})
}
