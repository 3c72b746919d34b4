package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"sluice/backend/i18n"
)

// Node types that stop a branch until something outside the transition happens: a
// wait until a time, a subflow until its child order ends. The caller records them
// (status waiting) and later calls Resume.
const (
	TypeWait    = "wait"
	TypeSubflow = "subflow"
)

// WaitSpec is a wait node's setting: a duration from arrival (30m, 4h, 2d) or a date
// field of the form.
type WaitSpec struct {
	After      string `json:"after,omitempty"`
	UntilField string `json:"until_field,omitempty"`
}

// SubflowSpec is a subflow node's setting: the child flow, and the child's data as
// child field ← parent dotted path (none: the parent's whole data).
type SubflowSpec struct {
	Flow string            `json:"flow"`
	Data map[string]string `json:"data,omitempty"`
}

// Hold is what a waiting visit waits for. The engine has no clock, so a relative wait
// leaves After for the caller to add to its now.
type Hold struct {
	After string    // wait: a duration as written in the flow
	Until time.Time // wait: the moment read from the form (UTC)
	Field string    // wait: the form field Until came from
	Flow  string    // subflow: the child flow's key
	// Data is the child order's data (subflow), mapped from the parent's.
	Data map[string]any
}

// hold enters a wait or subflow node. It reports true when the branch stops there,
// false when the node passes at once (a wait whose date field is missing or invalid:
// an order without a date has nothing to wait for, and must not stick).
func (r *Result) hold(n *NodeDoc, o Order) bool {
	v := Visit{NodeID: n.ID, Type: n.Type, Status: "waiting"}
	switch {
	case n.Type == TypeSubflow && n.Subflow != nil:
		v.Hold = &Hold{Flow: n.Subflow.Flow, Data: MapData(o.Data, n.Subflow.Data)}
		v.Detail = map[string]any{"flow": n.Subflow.Flow}
		r.Trace = append(r.Trace, traceLine(n.ID, "trace.subflow.start", i18n.Params{"Flow": n.Subflow.Flow}))
	case n.Type == TypeWait && n.Wait != nil && n.Wait.After != "":
		v.Hold = &Hold{After: n.Wait.After}
		v.Detail = map[string]any{"after": n.Wait.After}
		r.Trace = append(r.Trace, traceLine(n.ID, "trace.wait.after", i18n.Params{"After": n.Wait.After}))
	case n.Type == TypeWait && n.Wait != nil && n.Wait.UntilField != "":
		field := n.Wait.UntilField
		raw := Lookup(o.Data, field)
		until, ok := ParseMoment(raw)
		if !ok {
			v.Status = "done"
			v.Detail = map[string]any{"field": field, "value": raw, "passed": "no valid date"}
			r.Visits = append(r.Visits, v)
			r.Trace = append(r.Trace, traceLine(n.ID, "trace.wait.no_date", i18n.Params{"Field": field, "Value": fmt.Sprint(raw)}))
			return false
		}
		v.Hold = &Hold{Until: until, Field: field}
		v.Detail = map[string]any{"until": until.Format(time.RFC3339), "field": field}
		r.Trace = append(r.Trace, traceLine(n.ID, "trace.wait.until", i18n.Params{"Until": until.Format(time.RFC3339), "Field": field}))
	default:
		// a definition the validator would refuse; passing beats sticking forever
		v.Status = "done"
		r.Visits = append(r.Visits, v)
		r.Trace = append(r.Trace, traceLine(n.ID, "trace.wait.unset", i18n.Params{"Type": n.Type}))
		return false
	}
	r.Visits = append(r.Visits, v)
	r.Current = append(r.Current, n.ID)
	return true
}

// ParseMoment reads a date (YYYY-MM-DD, the start of that day in UTC) or an RFC 3339
// time from a form value.
func ParseMoment(v any) (time.Time, bool) {
	s, _ := v.(string)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// MapData builds a child order's data from its parent's: each child field (a dotted
// path makes nested objects) takes the value at a parent dotted path; absent values
// are left out. No mapping copies the whole data. Values are copied, so the child
// never shares a map or slice with the parent.
func MapData(parent map[string]any, mapping map[string]string) map[string]any {
	if len(mapping) == 0 {
		out, _ := clone(parent).(map[string]any)
		if out == nil {
			out = map[string]any{}
		}
		return out
	}
	out := map[string]any{}
	for _, child := range slices.Sorted(maps.Keys(mapping)) {
		v := Lookup(parent, mapping[child])
		if v == nil {
			continue
		}
		parts := strings.Split(child, ".")
		m := out
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = clone(v)
	}
	return out
}

func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = clone(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = clone(e)
		}
		return s
	}
	return v
}

// Resume continues an order from a wait or subflow node it waits at: a wait along its
// way forward, a subflow along the edge whose outcome is the child's end status (else
// the way forward). The result's Acted closes the waiting node as done; a caller that
// applies it with a conditional update on that node's version resumes it exactly once.
func Resume(f *Flow, nodeID, outcome string, o Order, env Env) (*Result, error) {
	n, ok := f.Nodes[nodeID]
	if !ok {
		return nil, &Error{Kind: Conflict, Message: fmt.Sprintf("node %q is not a node of flow %s v%d", nodeID, f.Key, f.Version)}
	}
	if n.Type != TypeWait && n.Type != TypeSubflow {
		return nil, &Error{Kind: Conflict, Message: fmt.Sprintf("node %q is a %s node; only wait and subflow nodes are resumed", nodeID, n.Type)}
	}
	next := ""
	if n.Type == TypeSubflow && outcome != "" {
		for _, e := range f.Out[nodeID] {
			if e.Outcome == outcome {
				next = e.To
				break
			}
		}
	}
	if next == "" {
		var err error
		if next, err = forward(f, nodeID); err != nil {
			return nil, err
		}
	}
	r := &Result{Acted: &NodeChange{Status: "done"}, Current: []string{}, last: o.LastApprovers}
	switch n.Type {
	case TypeSubflow:
		child := ""
		if n.Subflow != nil {
			child = n.Subflow.Flow
		}
		r.Trace = append(r.Trace, traceLine(nodeID, "trace.subflow.ended", i18n.Params{"Flow": child, "Outcome": outcome, "Next": next}))
	default:
		r.Trace = append(r.Trace, traceLine(nodeID, "trace.wait.over", i18n.Params{"Next": next}))
	}
	if err := r.enter(f, next, o, env, ""); err != nil {
		return nil, err
	}
	return r, nil
}
