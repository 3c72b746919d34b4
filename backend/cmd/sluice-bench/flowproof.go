package main

import (
	"fmt"
	"slices"
	"time"

	"sluice/backend/definitions"
	"sluice/backend/flowcheck"
	"sluice/plugins"
	_ "sluice/plugins/all" // the example flows use the built-in plugins
)

// proofResult is the flow checker's cost on the demo order-review flow: what every
// publish of that flow pays before it is accepted.
type proofResult struct {
	Flow   string  `json:"flow"`
	States int     `json:"states"`
	Ms     float64 `json:"ms"` // median of the runs
	Runs   int     `json:"runs"`
}

// targetProofMs: the demo flow is proved at publish in under a second.
const targetProofMs = 1000.0

// measureProof proves the demo order-review flow a few times, as Publish does.
func measureProof(runs int) (proofResult, error) {
	set, probs := definitions.Examples()
	if len(probs) > 0 {
		return proofResult{}, fmt.Errorf("example definitions: %v", probs)
	}
	const key = "order-review"
	f, ok := set.Flow(key)
	if !ok {
		return proofResult{}, fmt.Errorf("example flow %s does not compile", key)
	}
	outcomes := func(name string) []string {
		if p, ok := plugins.Get(name); ok {
			return append([]string{}, p.Outcomes()...)
		}
		return nil
	}
	res := proofResult{Flow: key, Runs: runs}
	took := make([]time.Duration, 0, runs)
	for range runs {
		start := time.Now()
		rep := flowcheck.Check(f, flowcheck.Options{Outcomes: outcomes})
		took = append(took, time.Since(start))
		if rep.Finding != nil {
			return res, fmt.Errorf("the demo flow is refused: %v", rep.Finding)
		}
		res.States = rep.States
	}
	slices.Sort(took)
	res.Ms = ms(percentile(took, 0.50))
	return res, nil
}
