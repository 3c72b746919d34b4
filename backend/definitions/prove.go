package definitions

import (
	"sluice/backend/engine"
	"sluice/backend/flowcheck"
	"sluice/plugins"
)

// ProveFlow runs the flow checker on a compiled flow: publishing refuses a flow in
// which an order can get stuck, with the decisions that get it there. Plugins answer
// with the outcomes they declare. It returns nil when the flow is proved.
func ProveFlow(f *engine.Flow) *flowcheck.Finding {
	return flowcheck.Check(f, flowcheck.Options{Outcomes: pluginOutcomes}).Finding
}

func pluginOutcomes(name string) []string {
	if p, ok := plugins.Get(name); ok {
		return append([]string{}, p.Outcomes()...)
	}
	return nil
}

// ProofCode is the stable problem code of a refused proof: flow_stranded,
// flow_engine_error, flow_open_after_end, flow_open_twice, flow_join_never_passes,
// flow_automatic_loop, or flow_too_large when the flow is too large to prove.
func ProofCode(fd *flowcheck.Finding) string { return "flow_" + string(fd.Kind) }
