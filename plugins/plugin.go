// Package plugins is the registry of automatic node types. A plugin registers itself by
// name from its package's init (like a database/sql driver); the binary imports
// sluice/plugins/all to get every built-in one. Each plugin declares the JSON Schema of
// its settings so the definition validator can check them and the designer can render
// a settings form.
package plugins

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
)

// Order is what a plugin sees of the order it runs for.
type Order struct {
	ID         int
	Number     string
	Flow       string
	Department string
	Submitter  string
	Data       map[string]any
}

// Input is one run of a plugin at a task node.
type Input struct {
	Node     string
	Order    Order
	Settings json.RawMessage
	// DryRun is set by simulation: the plugin must decide as it would, and change nothing.
	DryRun bool
}

// Output is what the plugin decided. Outcome selects the outgoing edge with the same
// outcome ("" or "ok" takes the default edge); Detail goes into the audit trail.
type Output struct {
	Outcome string         `json:"outcome"`
	Detail  map[string]any `json:"detail,omitempty"`
}

// Plugin is an automatic node type.
type Plugin interface {
	Name() string
	// SettingsSchema is a JSON Schema (2020-12) for the node's settings object.
	SettingsSchema() json.RawMessage
	// Outcomes lists the outcomes Run may return besides "ok".
	Outcomes() []string
	Run(ctx context.Context, in Input) (Output, error)
}

var (
	mu       sync.RWMutex
	registry = map[string]Plugin{}
)

// Register adds a plugin; registering a name twice is a programming error.
func Register(p Plugin) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[p.Name()]; dup {
		panic(fmt.Sprintf("plugins: %q registered twice", p.Name()))
	}
	registry[p.Name()] = p
}

// Get returns the plugin registered under name.
func Get(name string) (Plugin, bool) {
	mu.RLock()
	defer mu.RUnlock()
	p, ok := registry[name]
	return p, ok
}

// Names lists registered plugins in name order.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
