package flowcheck

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

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

// TestEnginetestNewShapes: the replay generator's new shapes (inclusive sections,
// reworks inside a branch, nested sections, rejections routed anywhere) — a flow the
// checker accepts never strands in random walks through the engine, a flow it refuses
// fails on its counterexample's replay as the finding says.
func TestEnginetestNewShapes(t *testing.T) {
	s := seed(t)
	t.Logf("seed %d (SLUICE_SEED replays)", s)
	people := []string{"a", "b", "c", "d", "e", "f"}
	kinds := map[Kind]int{}
	accepted, most, slowest := 0, 0, time.Duration(0)
	for i := range 30 {
		r := rand.New(rand.NewPCG(s, uint64(i)))
		o := enginetest.Options{Key: fmt.Sprintf("replay-%d", i), Form: "order", People: people, Plugin: "test.flaky",
			Waits: true, Switches: true, OnReject: true, Inclusive: true, BranchRework: true, Chain: 4}
		if i%3 == 2 {
			o.Risky, o.Pairs = true, true
		} else {
			o.NobodyRole, o.Subflow = "finance", "child"
		}
		f, err := engine.Build(enginetest.RandomFlow(r, o), 1)
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		rep := Check(f, Options{})
		most, slowest = max(most, rep.States), max(slowest, time.Since(began))
		name := fmt.Sprintf("flow %d (seed %d)", i, s)
		fd := rep.Finding
		if fd == nil {
			accepted++
			for w := range 20 {
				if err := walk(f, r); err != nil {
					t.Fatalf("%s was accepted, but walk %d: %v\n%s", name, w, err, docOf(f))
				}
			}
			continue
		}
		kinds[fd.Kind]++
		if !o.Risky && fd.Kind != TooLarge {
			t.Fatalf("%s: refused without risky shapes: %v\n%s", name, fd, docOf(f))
		}
		if fd.Kind == TooLarge || fd.Kind == AutomaticLoop {
			continue
		}
		tr, err := Replay(f, fd.Counterexample, Options{})
		switch fd.Kind {
		case EngineError:
			if _, refusal := engine.AsError(err); err == nil || refusal {
				t.Fatalf("%s: the engine should fail on the counterexample: %v\n%s", name, err, show(fd.Counterexample))
			}
		case Stranded:
			if err != nil || !live(tr.Status) || len(tr.Open)+len(tr.Waiting)+len(tr.Exceptions) > 0 {
				t.Fatalf("%s: the counterexample should strand: %v %+v", name, err, tr)
			}
		default:
			if err != nil {
				t.Fatalf("%s: the counterexample should run: %v", name, err)
			}
		}
	}
	t.Logf("%d accepted, refused %v; at most %d states, slowest proof %s", accepted, kinds, most, slowest)
	if accepted == 0 || len(kinds) == 0 {
		t.Fatalf("the generator should make both kinds: %d accepted, %v refused", accepted, kinds)
	}
}
