package definitions

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"sluice/backend/engine"
	"sluice/plugins"
)

// fakeLookup serves one form and the roles it is given.
type fakeLookup struct {
	form  *Form
	roles map[string]*Role
}

func (l fakeLookup) Form(key string) (*Form, bool) { return l.form, l.form != nil && l.form.Key == key }
func (l fakeLookup) Role(key string) (*Role, bool) { r, ok := l.roles[key]; return r, ok }
func (l fakeLookup) Flow(string) (*engine.Flow, bool) {
	return nil, false
}

const refForm = `{
  "kind": "form", "key": "ref",
  "schema": {
    "type": "object",
    "$defs": {
      "party": {"type": "object", "properties": {"name": {"type": "string"}, "region": {"enum": ["north", "south"]}}, "additionalProperties": false},
      "node": {"type": "object", "properties": {"label": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}
    },
    "properties": {
      "buyer": {"$ref": "#/$defs/party"},
      "tree": {"$ref": "#/$defs/node"},
      "extra": {"type": "object", "additionalProperties": {"type": "number"}},
      "either": {"anyOf": [{"type": "object", "properties": {"a": {"type": "number"}}}, {"type": "object", "properties": {"b": {"type": "string"}}}]},
      "amount": {"type": ["number", "null"]}
    }
  }
}`

func flowWith(when string) []byte {
	return []byte(`{"kind": "flow", "key": "f", "form": "ref",
	  "nodes": [{"id": "start", "type": "start"}, {"id": "s", "type": "switch"}, {"id": "a", "type": "end"}, {"id": "b", "type": "end", "status": "rejected"}],
	  "edges": [{"from": "start", "to": "s"}, {"from": "s", "to": "a", "when": ` + strings.ReplaceAll(jsonString(when), "\n", "") + `}, {"from": "s", "to": "b", "default": true}]}`)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestConditionsAgainstRefsAndAlternatives(t *testing.T) {
	form, ps := ParseForm([]byte(refForm))
	require.Empty(t, ps)
	look := fakeLookup{form: form}
	for when, wantErr := range map[string]string{
		`order.buyer.region == "south"`:                   "",
		`order.buyer.regoin == "south"`:                   `unknown field "regoin" in order.buyer.regoin`,
		`order.tree.children[0].children[1].label == "x"`: "",
		`order.tree.children[0].lable == "x"`:             `unknown field "lable"`,
		`order.extra.anything > 1`:                        "", // additionalProperties: any name
		`order.either.a > 1 || order.either.b == "x"`:     "",
		`order.either.c == 1`:                             `unknown field "c"`,
		`(order.amount ?? 0) > 10`:                        "",
		`let b = order.buyer; b.name == "x"`:              "",
		`let b = order.buyer; b.nmae == "x"`:              `unknown field "nmae"`,
		`order.buyer.name.first == "x"`:                   `order.buyer.name is a string`,
	} {
		_, ps := CompileFlow(flowWith(when), 1, look)
		if wantErr == "" {
			require.Empty(t, ps, when)
			continue
		}
		require.Len(t, ps, 1, when)
		require.Equal(t, "/edges/1/when", ps[0].Pointer, when)
		require.Contains(t, ps[0].Message, wantErr, when)
	}
}

// brokenPlugin declares a settings schema that does not compile.
type brokenPlugin struct{}

func (brokenPlugin) Name() string                           { return "test.broken" }
func (brokenPlugin) SettingsSchema() json.RawMessage        { return json.RawMessage(`{"type": "objekt"}`) }
func (brokenPlugin) Outcomes() []string                     { return nil }
func (brokenPlugin) Provision(json.RawMessage) (any, error) { return struct{}{}, nil }
func (brokenPlugin) Run(context.Context, plugins.Input) (plugins.Output, error) {
	return plugins.Output{Outcome: "ok"}, nil
}

func TestPluginWithBrokenSettingsSchema(t *testing.T) {
	plugins.Register(brokenPlugin{})
	form, _ := ParseForm([]byte(refForm))
	body := []byte(`{"kind": "flow", "key": "f", "form": "ref",
	  "nodes": [{"id": "start", "type": "start"}, {"id": "t", "type": "task", "plugin": "test.broken"}, {"id": "a", "type": "end"}],
	  "edges": [{"from": "start", "to": "t"}, {"from": "t", "to": "a"}]}`)
	_, ps := CompileFlow(body, 1, fakeLookup{form: form})
	require.Len(t, ps, 1)
	require.Equal(t, "/nodes/1/plugin", ps[0].Pointer)
	require.Contains(t, ps[0].Message, "invalid settings schema")
}
