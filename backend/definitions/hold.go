package definitions

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"sluice/backend/durations"
	"sluice/backend/engine"
)

// wait checks a wait node: exactly one of after (a duration) and until_field (a date
// field of the form).
func (c *flowCompiler) wait(at string, n *engine.NodeDoc) {
	w := n.Wait
	if w == nil {
		return // the meta-schema requires it
	}
	at += "/wait"
	switch {
	case w.After != "" && w.UntilField != "":
		c.add(at, "set after (a duration like 30m, 4h or 2d) or until_field (a date field of the form), not both")
	case w.After == "" && w.UntilField == "":
		c.add(at, "say how long to wait: after (a duration like 30m, 4h or 2d) or until_field (a date field of the form)")
	case w.After != "":
		d, err := durations.Parse(w.After)
		if err != nil {
			c.add(at+"/after", "%v", err)
		} else if d.IsZero() {
			c.add(at+"/after", "a wait of %q passes at once; give a longer duration or remove the node", w.After)
		}
	default:
		if msg := c.dateField(w.UntilField); msg != "" {
			c.add(at+"/until_field", "%s", msg)
		}
	}
}

// dateField says what is wrong with path as a date field of the flow's form ("" when
// it is one, or when the form is unknown and already reported).
func (c *flowCompiler) dateField(path string) string {
	if c.form == nil {
		return ""
	}
	root := c.form.env.order
	s := c.formPath(path)
	if s.isDate() {
		return ""
	}
	var dates []string
	for _, name := range root.propNames() {
		if root.props[name].isDate() {
			dates = append(dates, name)
		}
	}
	what := fmt.Sprintf("form %q has no field %q", c.form.Key, path)
	if s != nil {
		what = fmt.Sprintf("field %q of form %q is not a date (a string with format date or date-time)", path, c.form.Key)
	}
	if len(dates) > 0 {
		return what + "; its date fields: " + strings.Join(dates, ", ")
	}
	return what + "; it has no date field"
}

// formPath is the shape at a dotted path of the form's data, nil if it is not declared.
func (c *flowCompiler) formPath(path string) *shape {
	s := c.form.env.order
	for _, part := range strings.Split(path, ".") {
		if s == nil || s.typ != "object" {
			return nil
		}
		s = s.props[part]
	}
	return s
}

// subflow checks a subflow node: a published flow other than this one, and a data
// mapping from fields this form has (to fields the child's form has).
func (c *flowCompiler) subflow(at string, n *engine.NodeDoc) {
	sf := n.Subflow
	if sf == nil {
		return // the meta-schema requires it
	}
	at += "/subflow"
	var childForm *Form
	switch child, ok := c.look.flow(sf.Flow); {
	case sf.Flow == c.doc.Key:
		c.add(at+"/flow", "flow %q cannot start itself as a sub-flow; name another flow", sf.Flow)
	case !ok:
		c.add(at+"/flow", "no published flow %q; publish the sub-flow first or name a published one", sf.Flow)
	default:
		childForm, _ = c.look.form(child.Doc.Form)
		if path := c.nests(child, []string{c.doc.Key}); path != nil {
			c.add(at+"/flow", "sub-flows would start each other forever (%s); a flow cannot be its own sub-flow's sub-flow", strings.Join(path, " → "))
		}
	}
	for _, to := range slices.Sorted(maps.Keys(sf.Data)) {
		from := sf.Data[to]
		fat := join(at, "data", to)
		if c.form != nil && c.formPath(from) == nil && !c.openAt(from) {
			c.add(fat, "the form has no field %q to copy; it has: %s", from, strings.Join(c.form.Fields(), ", "))
		}
		if childForm != nil {
			top := strings.SplitN(to, ".", 2)[0]
			if !slices.Contains(childForm.Fields(), top) {
				c.add(fat, "the sub-flow's form %q has no field %q; it has: %s", childForm.Key, top, strings.Join(childForm.Fields(), ", "))
			}
		}
	}
}

// openAt says whether path lies below an object that accepts undeclared properties,
// where a field cannot be proven absent.
func (c *flowCompiler) openAt(path string) bool {
	s := c.form.env.order
	for _, part := range strings.Split(path, ".") {
		if s == nil {
			return false
		}
		if s.typ == "object" && s.open && s.props[part] == nil {
			return true
		}
		s = s.props[part]
	}
	return false
}

// subflowEdges: exactly one default edge (any other end status of the child), and at
// most one edge per outcome (a child end status).
func (c *flowCompiler) subflowEdges(at string, n *engine.NodeDoc, edges []int) {
	var defaults []int
	seen := map[string]int{}
	for _, ei := range edges {
		e := c.doc.Edges[ei]
		if e.Outcome == "" {
			defaults = append(defaults, ei)
			continue
		}
		if e.Default {
			c.add(ptr("edges", ei, "default"), "an edge has either an outcome or \"default\": true, not both")
		}
		if j, dup := seen[e.Outcome]; dup {
			c.add(ptr("edges", ei, "outcome"), "outcome %q of %q already has an edge (/edges/%d)", e.Outcome, n.ID, j)
			continue
		}
		seen[e.Outcome] = ei
	}
	if len(defaults) == 0 {
		c.deadEnds = c.deadEnds || len(edges) == 0
		c.add(at, "subflow %q needs a default edge (one without outcome), taken when no outcome edge matches the child's end status", n.ID)
	}
	for _, ei := range defaults[min(1, len(defaults)):] {
		c.add(ptr("edges", ei), "subflow %q already continues to %q by default (/edges/%d); give this edge an outcome (the child's end status, e.g. rejected) or remove it",
			n.ID, c.doc.Edges[defaults[0]].To, defaults[0])
	}
}

// stops says whether an order always stops at node id within a transition, so a loop
// through it cannot spin: a review, or a wait for a duration (a date wait passes at
// once without a date).
func (c *flowCompiler) stops(id string) bool {
	n := c.node(id)
	return n.Type == engine.TypeReview || (n.Type == engine.TypeWait && n.Wait != nil && n.Wait.After != "")
}

// nests follows the subflow nodes of f (reached by path) and returns the path that leads
// back to the flow being compiled, nil if none does.
func (c *flowCompiler) nests(f *engine.Flow, path []string) []string {
	path = append(path, f.Key)
	if len(path) > 16 {
		return nil // deeper than anyone nests on purpose; the engine stops at run time
	}
	for _, n := range f.Doc.Nodes {
		if n.Type != engine.TypeSubflow || n.Subflow == nil || slices.Contains(path[1:], n.Subflow.Flow) {
			continue
		}
		if n.Subflow.Flow == c.doc.Key {
			return append(path, c.doc.Key)
		}
		if child, ok := c.look.flow(n.Subflow.Flow); ok {
			if p := c.nests(child, path); p != nil {
				return p
			}
		}
	}
	return nil
}
