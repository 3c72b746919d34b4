package pluginhost

import (
	"sluice/backend/engine"
	"sluice/plugins"
)

// Config is what p made of the node's settings: the value provisioned when the flow
// version was compiled (definitions.CompileFlow keeps it on the node), or, for a flow
// built without that (engine.Build), provisioned now.
func Config(p plugins.Plugin, n *engine.NodeDoc) (any, error) {
	if n.Config != nil {
		return n.Config, nil
	}
	return p.Provision(n.Settings)
}
