package flowcheck_test

import (
	"testing"

	"sluice/backend/definitions"
	"sluice/backend/engine"
	"sluice/backend/flowcheck"
	"sluice/plugins"
	_ "sluice/plugins/all" // the example flows use the built-in plugins
)

// outcomes are the plugins' declared outcomes, as publishing uses them.
func outcomes(name string) []string {
	if p, ok := plugins.Get(name); ok {
		return append([]string{}, p.Outcomes()...)
	}
	return nil
}

func exampleFlows(t testing.TB) map[string]*engine.Flow {
	set, probs := definitions.Examples()
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	flows := map[string]*engine.Flow{}
	for _, d := range set.Docs() {
		if d.Kind == "flow" {
			f, ok := set.Flow(d.Key)
			if !ok {
				t.Fatalf("flow %s does not compile", d.Key)
			}
			flows[d.Key] = f
		}
	}
	if len(flows) == 0 {
		t.Fatal("no example flows")
	}
	return flows
}

// TestExamplesProved: every example and demo flow is accepted.
func TestExamplesProved(t *testing.T) {
	for key, f := range exampleFlows(t) {
		rep := flowcheck.Check(f, flowcheck.Options{Outcomes: outcomes})
		if rep.Finding != nil {
			t.Errorf("%s refused: %v\n%+v", key, rep.Finding, rep.Finding.Counterexample)
		}
		t.Logf("%s: %d states", key, rep.States)
	}
}

// BenchmarkOrderReview proves the demo order-review flow.
func BenchmarkOrderReview(b *testing.B) {
	f := exampleFlows(b)["order-review"]
	states := 0
	for b.Loop() {
		rep := flowcheck.Check(f, flowcheck.Options{Outcomes: outcomes})
		if rep.Finding != nil {
			b.Fatal(rep.Finding)
		}
		states = rep.States
	}
	b.ReportMetric(float64(states), "states")
}
