package definitions

import (
	"maps"
	"slices"
	"strings"

	"sluice/backend/durations"
	"sluice/backend/engine"
	"sluice/backend/i18n"
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
		c.addc(at, "definition.flow.wait_twice", nil)
	case w.After == "" && w.UntilField == "":
		c.addc(at, "definition.flow.wait_missing", nil)
	case w.After != "":
		d, err := durations.Parse(w.After)
		if err != nil {
			c.ps = append(c.ps, problemOf(at+"/after", err))
		} else if d.IsZero() {
			c.addc(at+"/after", "definition.flow.wait_zero", i18n.Params{"Value": w.After})
		}
	default:
		if c.form != nil {
			if p, bad := dateField(at+"/until_field", c.form, w.UntilField); bad {
				c.ps = append(c.ps, p)
			}
		}
	}
}

// dateField is the problem at pointer of path as a date field of form (a wait's
// until_field, a reminder's deadline_field); bad is false when it is one.
func dateField(pointer string, form *Form, path string) (p Problem, bad bool) {
	root := form.env.order
	s := formPath(form, path)
	if s.isDate() {
		return Problem{}, false
	}
	var dates []string
	for _, name := range root.propNames() {
		if root.props[name].isDate() {
			dates = append(dates, name)
		}
	}
	params := i18n.Params{"Form": form.Key, "Field": path, "Dates": strings.Join(dates, ", ")}
	switch {
	case s == nil && len(dates) > 0:
		return Coded(pointer, "definition.date_field.unknown", params), true
	case s == nil:
		return Coded(pointer, "definition.date_field.unknown_no_dates", params), true
	case len(dates) > 0:
		return Coded(pointer, "definition.date_field.not_date", params), true
	}
	return Coded(pointer, "definition.date_field.not_date_no_dates", params), true
}

// formPath is the shape at a dotted path of the form's data, nil if it is not declared.
func formPath(form *Form, path string) *shape {
	s := form.env.order
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
		c.addc(at+"/flow", "definition.flow.subflow_itself", i18n.Params{"Flow": sf.Flow})
	case !ok:
		c.addc(at+"/flow", "definition.flow.subflow_unknown", i18n.Params{"Flow": sf.Flow})
	default:
		childForm, _ = c.look.form(child.Doc.Form)
		if path := c.nests(child, []string{c.doc.Key}); path != nil {
			c.addc(at+"/flow", "definition.flow.subflow_cycle", i18n.Params{"Path": strings.Join(path, " → ")})
		}
	}
	for _, to := range slices.Sorted(maps.Keys(sf.Data)) {
		from := sf.Data[to]
		fat := join(at, "data", to)
		if c.form != nil && formPath(c.form, from) == nil && !c.openAt(from) {
			c.addc(fat, "definition.flow.subflow_source_unknown", i18n.Params{"Field": from, "Fields": strings.Join(c.form.Fields(), ", ")})
		}
		if childForm != nil {
			top := strings.SplitN(to, ".", 2)[0]
			if !slices.Contains(childForm.Fields(), top) {
				c.addc(fat, "definition.flow.subflow_target_unknown", i18n.Params{"Form": childForm.Key, "Field": top, "Fields": strings.Join(childForm.Fields(), ", ")})
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
			c.addc(ptr("edges", ei, "default"), "definition.flow.edge_outcome_and_default", nil)
		}
		if j, dup := seen[e.Outcome]; dup {
			c.addc(ptr("edges", ei, "outcome"), "definition.flow.outcome_twice", i18n.Params{"Outcome": e.Outcome, "Node": n.ID, "Edge": j})
			continue
		}
		seen[e.Outcome] = ei
	}
	if len(defaults) == 0 {
		c.deadEnds = c.deadEnds || len(edges) == 0
		c.addc(at, "definition.flow.subflow_default_missing", i18n.Params{"Node": n.ID})
	}
	for _, ei := range defaults[min(1, len(defaults)):] {
		c.addc(ptr("edges", ei), "definition.flow.subflow_default_twice", i18n.Params{"Node": n.ID, "To": c.doc.Edges[defaults[0]].To, "Edge": defaults[0]})
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
