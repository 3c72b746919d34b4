package flowcheck

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"sluice/backend/engine"
	"sluice/backend/engine/enginetest"
)

// TestEnginetestFlowsProvable: the random flows the service's replay test publishes
// are proved within the bounds (else that test could not publish them).
func TestEnginetestFlowsProvable(t *testing.T) {
	s := seed(t)
	t.Logf("seed %d (SLUICE_SEED replays)", s)
	most := 0
	for i := range 15 {
		r := rand.New(rand.NewPCG(s, uint64(i)))
		doc := enginetest.RandomFlow(r, enginetest.Options{Key: fmt.Sprintf("replay-%d", i), Form: "order", People: []string{"a", "b", "c", "d"},
			NobodyRole: "finance", Plugin: "test.flaky", Waits: true, Switches: true, OnReject: true, Subflow: "child"})
		f, err := engine.Build(doc, 1)
		if err != nil {
			t.Fatal(err)
		}
		rep := Check(f, Options{})
		most = max(most, rep.States)
		if rep.Finding != nil {
			t.Fatalf("flow %d refused after %d states: %v\n%s", i, rep.States, rep.Finding, docOf(f))
		}
	}
	t.Logf("at most %d states", most)
}
