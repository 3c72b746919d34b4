package definitions

import (
	"testing"

	"github.com/stretchr/testify/require"

	"sluice/backend/engine"
)

// A flow with both kinds of wait and a subflow with outcome edges is valid, and a loop
// back through a timed wait is not an automatic loop (the order stops there).
func TestWaitAndSubflowValid(t *testing.T) {
	body := []byte(`{"kind": "flow", "key": "credit-order", "form": "order",
	  "nodes": [
	    {"id": "start", "type": "start"},
	    {"id": "cool_off", "type": "wait", "wait": {"after": "2h"}},
	    {"id": "ship_date", "type": "wait", "wait": {"until_field": "promised_date"}},
	    {"id": "credit", "type": "subflow", "subflow": {"flow": "order-review", "data": {"customer": "customer", "total": "total", "items": "items"}}},
	    {"id": "again", "type": "switch"},
	    {"id": "no", "type": "end", "status": "rejected"},
	    {"id": "done", "type": "end"}
	  ],
	  "edges": [
	    {"from": "start", "to": "cool_off"},
	    {"from": "cool_off", "to": "ship_date", "default": true},
	    {"from": "ship_date", "to": "credit"},
	    {"from": "credit", "to": "no", "outcome": "rejected"},
	    {"from": "credit", "to": "again", "default": true},
	    {"from": "again", "to": "cool_off", "when": "order.total > 1000000"},
	    {"from": "again", "to": "done", "default": true}
	  ]}`)
	f, ps := CompileFlow(body, 1, examples(t))
	require.Empty(t, ps)
	require.Equal(t, "2h", f.Nodes["cool_off"].Wait.After)
	require.Equal(t, "order-review", f.Nodes["credit"].Subflow.Flow)
	require.Equal(t, engine.TypeSubflow, f.Nodes["credit"].Type)
}

// In a set, a flow is compiled after the flows its subflow nodes name.
func TestSetOrdersSubflows(t *testing.T) {
	set, _ := Examples()
	s := NewSet()
	s.Fallback = set
	s.Add("a.json", []byte(`{"kind": "flow", "key": "a-parent", "form": "order", "nodes": [{"id": "s", "type": "start"},
	  {"id": "c", "type": "subflow", "subflow": {"flow": "z-child"}}, {"id": "e", "type": "end"}],
	  "edges": [{"from": "s", "to": "c"}, {"from": "c", "to": "e"}]}`))
	s.Add("z.json", []byte(`{"kind": "flow", "key": "z-child", "form": "order", "nodes": [{"id": "s", "type": "start"},
	  {"id": "w", "type": "wait", "wait": {"after": "1d"}}, {"id": "e", "type": "end", "status": "approved"}],
	  "edges": [{"from": "s", "to": "w"}, {"from": "w", "to": "e"}]}`))
	require.Empty(t, s.Check())
}

// A flow whose sub-flow starts it again is refused.
func TestSubflowCycle(t *testing.T) {
	ps := subflowCycle(t)
	require.Len(t, ps, 1)
	require.Equal(t, "/nodes/1/subflow/flow", ps[0].Pointer)
	require.Contains(t, ps[0].Message, "order-review → b-child → order-review")
	require.Equal(t, "definition.flow.subflow_cycle", ps[0].Code)
}

// subflowCycle validates order-review changed to start b-child, a flow that starts
// order-review.
func subflowCycle(t *testing.T) []Problem {
	t.Helper()
	set, _ := Examples()
	s := NewSet()
	s.Fallback = set
	s.Add("b.json", []byte(`{"kind": "flow", "key": "b-child", "form": "order", "nodes": [{"id": "s", "type": "start"},
	  {"id": "c", "type": "subflow", "subflow": {"flow": "order-review"}}, {"id": "e", "type": "end"}],
	  "edges": [{"from": "s", "to": "c"}, {"from": "c", "to": "e"}]}`))
	require.Empty(t, s.Check())
	return Validate("flow", []byte(`{"kind": "flow", "key": "order-review", "form": "order", "nodes": [{"id": "s", "type": "start"},
	  {"id": "c", "type": "subflow", "subflow": {"flow": "b-child"}}, {"id": "e", "type": "end"}],
	  "edges": [{"from": "s", "to": "c"}, {"from": "c", "to": "e"}]}`), s)
}
