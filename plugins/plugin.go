// Package plugins is the plugin host's contract: what an automatic node type is, what
// it is given and what it may answer. A plugin registers itself by name from its
// package's init (like a database/sql driver); the binary imports sluice/plugins/all
// to get every built-in one, and a deployment (or a test) may register its own from
// anywhere.
//
// A plugin never sees the database. It is given ports (ports.go): narrow interfaces
// over the transaction of the order's state change (stock, customers, orders, prices,
// outbox), implemented by the service, with read-only versions in a dry run. It answers
// with an outcome, a detail for the audit trail and typed effects (effects.go) that the
// service applies — it never writes the journal, audit rows or orders itself. Its
// settings are decoded and checked once, when a flow version is published or loaded
// (Provision), and the result is handed to every run. See docs/plugins.md.
package plugins

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"sluice/backend/i18n"
)

// Order is what a plugin sees of the order it runs for.
type Order struct {
	ID         int
	Number     string
	Flow       string
	Department string
	Submitter  string
	Data       map[string]any
	// Parent is the order an after-sales order is about (0: none), where known.
	Parent int
}

// Input is one run of a plugin at a task node.
type Input struct {
	Node  string
	Order Order
	// Config is what the plugin's Provision made of the node's settings, provisioned
	// once per flow version (see Provision in Plugin) and shared by every run of the
	// node: read it, never change it.
	Config any
	// DryRun is set by simulation: the plugin must decide as it would, and change
	// nothing (its ports then refuse writes with ErrDryRun).
	DryRun bool
	// Ports reach the transaction the order's state change runs in (what a plugin
	// writes through them commits or rolls back with it). Ports is nil where there is
	// no database (simulating a flow file).
	Ports *Ports
}

// Output is what the plugin decided. Outcome selects the outgoing edge with the same
// outcome ("" or "ok" takes the default edge); Detail goes into the audit trail as it
// is; Effects are what the service does on the plugin's behalf in the same
// transaction, after the visit is recorded.
type Output struct {
	Outcome string         `json:"outcome"`
	Detail  map[string]any `json:"detail,omitempty"`
	Effects Effects        `json:"-"`
}

// Failure is an error a plugin returns when the order cannot go on without a person:
// the service raises an exception of that reason on the order (it never stalls or
// fails the request). Any other error from Run is raised as reason "error".
type Failure struct {
	// Reason is one of the exception reasons: stock, credit, data, price, address,
	// customer, no_approver, error.
	Reason  string
	Message string // in English: logs and the audit trail
	Detail  map[string]any
	// Text is the message as data (i18n.M, or a list of them): a person reads it in
	// their own language. Fail fills it from a catalogue key (backend/i18n/locales).
	Text any
}

func (f *Failure) Error() string { return f.Reason + ": " + f.Message }

// Fail returns a *Failure whose message is the catalogue's key with its parameters
// (numbers, names and codes: data, never text to translate).
func Fail(reason, key string, p i18n.Params) *Failure {
	return &Failure{Reason: reason, Message: i18n.En(key, p), Text: i18n.M(key, p)}
}

// CustomerKey is how an order names its customer: the form's customer field when it
// is a string (a customer code), else its code, else its name. Orders keep it in their
// customer column, and checks look customers up by it (code first, then name).
func CustomerKey(data map[string]any) string {
	switch c := data["customer"].(type) {
	case string:
		return strings.TrimSpace(c)
	case map[string]any:
		for _, k := range []string{"code", "name"} {
			if s, ok := c[k].(string); ok && strings.TrimSpace(s) != "" {
				return strings.TrimSpace(s)
			}
		}
	}
	return ""
}

// DecodeSettings reads a node's settings into v; absent or null settings leave v as it
// is (the plugin's defaults). Errors name the plugin. Plugins call it from Provision.
func DecodeSettings(name string, raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: settings: %w", name, err)
	}
	return nil
}

// SettingError is an error Provision may return to say where in the settings the
// problem is: Pointer is a JSON pointer into the settings object (/hold_for), which
// the definition check appends to the node's /settings.
type SettingError struct {
	Pointer string
	Message string
}

func (e *SettingError) Error() string { return e.Pointer + ": " + e.Message }

// Plugin is an automatic node type.
type Plugin interface {
	Name() string
	// SettingsSchema is a JSON Schema (2020-12) for the node's settings object.
	SettingsSchema() json.RawMessage
	// Outcomes lists the outcomes Run may return besides "ok".
	Outcomes() []string
	// Provision decodes and checks a node's settings (already valid against the
	// schema) into the value every Run of the node gets as Input.Config. It runs when
	// a flow version is checked (a publish answers 422 when it fails, at the node's
	// /settings, or deeper with a *SettingError) and once per loaded version; it must
	// not reach anything outside the settings.
	Provision(settings json.RawMessage) (any, error)
	Run(ctx context.Context, in Input) (Output, error)
}

// Config is in.Config as the plugin's settings type: the value Provision returned.
// A missing or foreign value is a programming error of the host, reported as such.
func Config[T any](name string, in Input) (T, error) {
	c, ok := in.Config.(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("%s: not provisioned (config is %T)", name, in.Config)
	}
	return c, nil
}

// Problem is what a Checker found wrong, Pointer a JSON pointer into the body of the
// submit request (/data/lines/0/qty, /parent).
type Problem struct {
	Pointer string
	Message string
}

// Checker is implemented by plugins that can tell when an order is submitted that it
// would fail at their node later (a return of more than was shipped): the submit is
// then refused with a 422 rather than started. Check is given read-only ports (or
// none); in.Order.ID is 0 (the order does not exist yet) and in.Order.Parent is the
// order it is about.
type Checker interface {
	Check(ctx context.Context, in Input) []Problem
}

// EndInput tells an OrderEnder that an order left review.
type EndInput struct {
	Order Order
	// Status is the order's new status: rejected, withdrawn, cancelled or completed.
	Status string
	// Ports reach the transaction that ended the order (nil without a database).
	Ports *Ports
}

// OrderEnder is implemented by plugins that hold something for an order while it is
// under review (stock reservations): the service calls OrderEnded, in the transaction
// that ends the order, for every registered plugin that implements it.
type OrderEnder interface {
	OrderEnded(ctx context.Context, in EndInput) error
}

// Enders lists the registered plugins that implement OrderEnder, in name order.
func Enders() []OrderEnder {
	var out []OrderEnder
	for _, n := range Names() {
		p, _ := Get(n)
		if e, ok := p.(OrderEnder); ok {
			out = append(out, e)
		}
	}
	return out
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

// RunWith provisions raw settings and runs p once with them: what the host does over
// a flow version's life, in one call (for tests and tools; the service provisions
// once per version and calls Run).
func RunWith(ctx context.Context, p Plugin, raw json.RawMessage, in Input) (Output, error) {
	cfg, err := p.Provision(raw)
	if err != nil {
		return Output{}, err
	}
	in.Config = cfg
	return p.Run(ctx, in)
}
