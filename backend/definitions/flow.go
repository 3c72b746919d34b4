package definitions

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"sluice/backend/durations"
	"sluice/backend/engine"
	"sluice/backend/i18n"
	"sluice/plugins"
)

// Fields of a node that only some node types use.
var nodeFieldTypes = map[string]string{
	"mode":          engine.TypeReview,
	"approvers":     engine.TypeReview,
	"reasons":       engine.TypeReview,
	"allow_self":    engine.TypeReview,
	"on_reject":     engine.TypeReview,
	"checklist":     engine.TypeReview,
	"ratio":         engine.TypeReview,
	"auto_pass":     engine.TypeReview,
	"return_direct": engine.TypeReview,
	"shipping":      engine.TypeReview,
	"cc":            engine.TypeReview,
	"fields":        engine.TypeReview,
	"fresh_sign_in": engine.TypeReview,
	"plugin":        engine.TypeTask,
	"settings":      engine.TypeTask,
	"status":        engine.TypeEnd,
	"fork":          engine.TypeJoin,
	"wait":          engine.TypeWait,
	"subflow":       engine.TypeSubflow,
}

// CompileFlow validates a flow document and compiles it into the engine's form: nodes by
// id, the start node, outgoing edges per node in document order with their conditions
// compiled. Conditions are checked against the fields of the flow's form and compiled
// for the environment map[string]any{"order": data}, data being the order's data as
// decoded from JSON (numbers float64).
func CompileFlow(body []byte, version int, look Lookup) (*engine.Flow, []Problem) {
	raw, meta := checkMeta("flow", body)
	if meta != nil {
		// The semantic checks still run on a document that decodes, so that a save
		// reports every mistake at once rather than the meta-schema's first.
		return nil, withSemantics(meta, body, look)
	}
	var doc engine.FlowDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, []Problem{Coded("", "definition.unreadable", i18n.Params{"Kind": kindName("flow"), "Detail": err.Error()})}
	}
	flow, ps := compile(&doc, raw, version, look)
	if len(ps) > 0 {
		return nil, sortProblems(ps)
	}
	return flow, nil
}

// compile runs the semantic checks on a decoded flow, every one of them: a problem in one
// node does not hide those of the next.
func compile(doc *engine.FlowDoc, raw map[string]any, version int, look Lookup) (*engine.Flow, []Problem) {
	c := &flowCompiler{doc: doc, look: lookup{look}, index: map[string]int{}, out: map[string][]int{}}
	rawNodes, _ := raw["nodes"].([]any)
	c.nodes(rawNodes)
	c.edges()
	c.outgoing()
	c.graph()
	flow := c.conditions(version)
	return flow, c.ps
}

// withSemantics adds to the meta-schema's problems those of the semantic checks on a
// document that still fits the engine's types, so that a save reports every mistake at
// once. What the meta-schema faulted is not reported again (a problem at or inside its
// place would repeat it), nor anything of a node whose id or type is wrong or of an edge
// touching one (those follow from the first); a fault of the document as a whole (not an
// object, another kind) stops there.
func withSemantics(meta []Problem, body []byte, look Lookup) []Problem {
	var doc engine.FlowDoc
	var raw map[string]any
	if json.Unmarshal(body, &doc) != nil || json.Unmarshal(body, &raw) != nil {
		return meta
	}
	var skip []string
	badNodes := map[string]bool{}
	for _, m := range meta {
		parts := strings.Split(m.Pointer, "/")
		switch {
		case len(parts) >= 3 && (parts[1] == "nodes" || parts[1] == "edges"):
			skip = append(skip, m.Pointer)
			i, err := strconv.Atoi(parts[2])
			if parts[1] == "nodes" && err == nil && i < len(doc.Nodes) && (len(parts) == 3 || parts[3] == "id" || parts[3] == "type") {
				badNodes[doc.Nodes[i].ID] = true
				skip = append(skip, "/nodes/"+parts[2])
			}
		case len(parts) == 2 && parts[1] != "kind" && parts[1] != "nodes" && parts[1] != "edges":
			skip = append(skip, m.Pointer) // a top-level property (name, form…)
		default:
			return meta
		}
	}
	for i, e := range doc.Edges {
		if badNodes[e.From] || badNodes[e.To] {
			skip = append(skip, ptr("edges", i))
		}
	}
	_, ps := compile(&doc, raw, 0, look)
	out := slices.Clone(meta)
	for _, p := range ps {
		covered := slices.ContainsFunc(skip, func(at string) bool { return p.Pointer == at || strings.HasPrefix(p.Pointer, at+"/") })
		// a field's problem holding a meta-schema one (approvers: "say who", approvers/role:
		// the empty role's format) is the same mistake; a whole node's (no way on) is not
		field := strings.Count(p.Pointer, "/") > 2 && slices.ContainsFunc(meta, func(m Problem) bool { return strings.HasPrefix(m.Pointer, p.Pointer+"/") })
		if !covered && !field {
			out = append(out, p)
		}
	}
	return sortProblems(out)
}

type flowCompiler struct {
	// brokenEdges: an edge names an unknown node; deadEnds: a node has no way forward.
	// Graph-wide problems would then mostly repeat these, so they are not reported.
	brokenEdges, deadEnds bool

	doc   *engine.FlowDoc
	look  lookup
	env   *exprEnv
	form  *Form
	ps    []Problem
	index map[string]int   // node id → index of its first occurrence
	out   map[string][]int // node id → indexes of its valid outgoing edges
	start string
}

// addc adds the problem of a stable code at pointer.
func (c *flowCompiler) addc(pointer, code string, p i18n.Params) {
	c.ps = append(c.ps, Coded(pointer, code, p))
}

func (c *flowCompiler) node(id string) *engine.NodeDoc { return &c.doc.Nodes[c.index[id]] }

func (c *flowCompiler) nodeIDs() string {
	ids := make([]string, 0, len(c.index))
	for _, n := range c.doc.Nodes {
		if c.index[n.ID] >= 0 && !slices.Contains(ids, n.ID) {
			ids = append(ids, n.ID)
		}
	}
	return strings.Join(ids, ", ")
}

func (c *flowCompiler) nodes(rawNodes []any) {
	c.env = emptyEnv
	if f, ok := c.look.form(c.doc.Form); ok {
		c.env, c.form = f.env, f
	} else {
		c.addc("/form", "definition.flow.form_unknown", i18n.Params{"Form": c.doc.Form})
	}
	var starts []int
	for i, n := range c.doc.Nodes {
		at := ptr("nodes", i)
		if j, dup := c.index[n.ID]; dup {
			c.addc(at+"/id", "definition.flow.node_id_taken", i18n.Params{"Node": n.ID, "Index": j})
			continue
		}
		c.index[n.ID] = i
		if n.Type == engine.TypeStart {
			starts = append(starts, i)
		}
		if i < len(rawNodes) {
			if obj, ok := rawNodes[i].(map[string]any); ok {
				for field := range obj {
					if want, ok := nodeFieldTypes[field]; ok && want != n.Type {
						c.addc(join(at, field), "definition.flow.field_of_other_type", typeParams(n.Type, i18n.Params{"Field": field, "Want": typeName(want), "Node": n.ID}))
					}
				}
			}
		}
		switch n.Type {
		case engine.TypeReview:
			c.review(at, &n)
		case engine.TypeTask:
			c.task(at, &c.doc.Nodes[i]) // the node itself: it keeps its provisioned config
		case engine.TypeWait:
			c.wait(at, &n)
		case engine.TypeSubflow:
			c.subflow(at, &n)
		}
		c.exception(at+"/exception", &n)
	}
	switch {
	case len(starts) == 0:
		c.addc("/nodes", "definition.flow.start_missing", nil)
	case len(starts) > 1:
		for _, i := range starts[1:] {
			c.addc(ptr("nodes", i, "type"), "definition.flow.start_twice", i18n.Params{"Node": c.doc.Nodes[starts[0]].ID, "Index": starts[0]})
		}
	}
	if len(starts) > 0 {
		c.start = c.doc.Nodes[starts[0]].ID
	}
	// on_reject needs every id known.
	for i, n := range c.doc.Nodes {
		if n.Type != engine.TypeReview || n.OnReject == "" || c.index[n.ID] != i {
			continue
		}
		at := ptr("nodes", i, "on_reject")
		j, ok := c.index[n.OnReject]
		switch {
		case !ok:
			c.addc(at, "definition.flow.on_reject_unknown", i18n.Params{"Node": n.OnReject, "Nodes": c.nodeIDs()})
		case n.OnReject == n.ID:
			c.addc(at, "definition.flow.on_reject_self", i18n.Params{"Node": n.ID})
		case c.doc.Nodes[j].Type == engine.TypeStart:
			c.addc(at, "definition.flow.on_reject_start", nil)
		}
	}
}

// exception checks a node's exception policy: only nodes that can stop an order carry
// one, and it names one owner, a role that exists and a duration that parses.
func (c *flowCompiler) exception(at string, n *engine.NodeDoc) {
	e := n.Exception
	if e == nil {
		return
	}
	if n.Type != engine.TypeReview && n.Type != engine.TypeTask {
		c.addc(at, "definition.flow.exception_node_type", typeParams(n.Type, i18n.Params{"Node": n.ID}))
		return
	}
	if e.Owner != "" && e.OwnerRole != "" {
		c.addc(at, "definition.flow.exception_owner_twice", nil)
	}
	if e.Owner != "" && !c.look.user(e.Owner) {
		c.addc(at+"/owner", "definition.ref.user_unknown", i18n.Params{"User": e.Owner})
	}
	if e.OwnerDepartment != "" && !c.look.department(e.OwnerDepartment) {
		c.addc(at+"/owner_department", "definition.ref.department_unknown", i18n.Params{"Department": e.OwnerDepartment})
	}
	if e.OwnerRole != "" {
		if r, ok := c.look.role(e.OwnerRole); !ok {
			c.addc(at+"/owner_role", "definition.ref.role_unknown", i18n.Params{"Role": e.OwnerRole})
		} else if r.Scope == ScopeGlobal && e.OwnerDepartment != "" {
			c.addc(at+"/owner_department", "definition.ref.role_global", i18n.Params{"Role": e.OwnerRole, "Field": "owner_department"})
		}
	}
	if e.Within != "" {
		if _, err := durations.Span(e.Within); err != nil {
			c.ps = append(c.ps, problemOf(at+"/within", err))
		}
	}
}

func (c *flowCompiler) review(at string, n *engine.NodeDoc) {
	if n.Mode == engine.ModeRatio && n.Ratio == nil {
		c.addc(at+"/ratio", "definition.flow.ratio_missing", nil)
	}
	if n.Mode != engine.ModeRatio && n.Ratio != nil {
		c.addc(at+"/ratio", "definition.flow.ratio_without_mode", nil)
	}
	if n.Ratio != nil && n.Ratio.Share > 0 && n.Ratio.Count > 0 {
		c.addc(at+"/ratio", "definition.flow.ratio_twice", nil)
	}
	c.approvers(at+"/approvers", n.Approvers, true)
	if c.form != nil {
		for _, k := range slices.Sorted(maps.Keys(n.Fields)) {
			if !slices.Contains(c.form.Fields(), k) {
				c.addc(at+"/fields/"+k, "definition.flow.form_field_unknown", i18n.Params{"Field": k, "Fields": strings.Join(c.form.Fields(), ", ")})
			}
		}
	}
	if n.CC != nil {
		c.approvers(at+"/cc", n.CC, false)
	}
	if f := n.FreshSignIn; f != nil && f.Within != "" {
		if d, err := durations.Span(f.Within); err != nil {
			c.ps = append(c.ps, problemOf(at+"/fresh_sign_in/within", err))
		} else if d < time.Minute || d > 24*time.Hour {
			c.addc(at+"/fresh_sign_in/within", "definition.flow.fresh_sign_in_range", nil)
		}
	}
	if n.Shipping {
		// The last shipment completes the step with one decision on the shipper's task;
		// under any other mode one decision would not pass the node.
		if n.Mode != engine.ModeAny {
			c.addc(at+"/mode", "definition.flow.shipping_mode", nil)
		}
		if c.form != nil && !slices.Contains(c.form.Fields(), "items") {
			c.addc(at+"/shipping", "definition.flow.shipping_no_items", i18n.Params{"Fields": strings.Join(c.form.Fields(), ", ")})
		}
	}
}

// approvers checks that exactly one way of naming people is used and that it resolves.
func (c *flowCompiler) approvers(at string, a *engine.Approvers, deciding bool) {
	if a == nil {
		return // the meta-schema requires approvers on review nodes
	}
	ways := 0
	for _, set := range []bool{a.Role != "", len(a.Users) > 0, a.Field != "", a.Manager > 0} {
		if set {
			ways++
		}
	}
	switch {
	case ways > 1:
		c.addc(at, "definition.flow.approvers_several", nil)
	case ways == 0:
		c.addc(at, "definition.flow.approvers_none", nil)
	case a.Role != "":
		r, ok := c.look.role(a.Role)
		if !ok {
			c.addc(at+"/role", "definition.ref.role_unknown", i18n.Params{"Role": a.Role})
		} else if r.Scope == ScopeGlobal && a.Department != "" {
			c.addc(at+"/department", "definition.ref.role_global", i18n.Params{"Role": a.Role, "Field": "department"})
		}
		if a.Department != "" && !c.look.department(a.Department) {
			c.addc(at+"/department", "definition.ref.department_unknown", i18n.Params{"Department": a.Department})
		}
	case len(a.Users) > 0:
		for i, u := range a.Users {
			if !c.look.user(u) {
				c.addc(join(at, "users", i), "definition.ref.user_unknown", i18n.Params{"User": u})
			}
		}
	case a.Field != "":
		if c.form != nil && !slices.Contains(c.form.Fields(), strings.SplitN(a.Field, ".", 2)[0]) {
			c.addc(at+"/field", "definition.flow.form_field_unknown", i18n.Params{"Field": a.Field, "Fields": strings.Join(c.form.Fields(), ", ")})
		}
	}
	_ = deciding
}

func (c *flowCompiler) task(at string, n *engine.NodeDoc) {
	p, ok := plugins.Get(n.Plugin)
	if !ok {
		c.addc(at+"/plugin", "definition.flow.plugin_unknown", i18n.Params{"Plugin": n.Plugin, "Plugins": strings.Join(plugins.Names(), ", ")})
		return
	}
	sch, err := settingsSchema(p)
	if err != nil {
		c.addc(at+"/plugin", "definition.flow.plugin_schema_invalid", i18n.Params{"Plugin": n.Plugin, "Detail": err.Error()})
		return
	}
	settings := []byte(n.Settings)
	if len(bytes.TrimSpace(settings)) == 0 {
		settings = []byte("{}")
	}
	v, ps := decode(settings)
	if ps != nil {
		c.ps = append(c.ps, ps[0].at(at+"/settings"))
		return
	}
	if ps := sch.validate(v, at+"/settings"); len(ps) > 0 {
		c.ps = append(c.ps, ps...)
		return
	}
	// provisioned once here, at publish and when the version is loaded: every run of
	// the node gets this value rather than decoding the settings again
	cfg, err := p.Provision(n.Settings)
	if se, ok := errors.AsType[*plugins.SettingError](err); ok {
		c.addc(at+"/settings"+se.Pointer, "definition.flow.plugin_setting", i18n.Params{"Plugin": n.Plugin, "Detail": se.Message})
		return
	}
	if err != nil {
		c.ps = append(c.ps, problemOf(at+"/settings", err))
		return
	}
	n.Config = cfg
}

// Plugins' settings schemas, compiled once per plugin.
var (
	settingsMu      sync.Mutex
	settingsSchemas = map[plugins.Plugin]*schema{}
)

func settingsSchema(p plugins.Plugin) (*schema, error) {
	settingsMu.Lock()
	defer settingsMu.Unlock()
	if s, ok := settingsSchemas[p]; ok {
		return s, nil
	}
	doc, ps := decode(p.SettingsSchema())
	if ps != nil {
		return nil, Problems(ps)
	}
	s, ps := compileSchema("https://sluice.dev/plugins/"+p.Name()+"/settings.schema.json", doc, "")
	if ps != nil {
		return nil, Problems(ps)
	}
	settingsSchemas[p] = s
	return s, nil
}

func (c *flowCompiler) edges() {
	for i, e := range c.doc.Edges {
		at := ptr("edges", i)
		fi, fromOK := c.index[e.From]
		ti, toOK := c.index[e.To]
		if !fromOK {
			c.addc(at+"/from", "definition.flow.node_unknown", i18n.Params{"Node": e.From, "Nodes": c.nodeIDs()})
		}
		if !toOK {
			c.addc(at+"/to", "definition.flow.node_unknown", i18n.Params{"Node": e.To, "Nodes": c.nodeIDs()})
		}
		if !fromOK || !toOK {
			c.brokenEdges = true
			continue
		}
		from, to := &c.doc.Nodes[fi], &c.doc.Nodes[ti]
		if e.From == e.To {
			c.addc(at+"/to", "definition.flow.edge_to_itself", i18n.Params{"Node": e.From})
			continue
		}
		if to.Type == engine.TypeStart {
			c.addc(at+"/to", "definition.flow.edge_into_start", i18n.Params{"Node": e.To})
			continue
		}
		if e.When != "" && from.Type != engine.TypeSwitch && from.Type != engine.TypeInclusive {
			c.addc(at+"/when", "definition.flow.when_not_after_switch", typeParams(from.Type, i18n.Params{"Node": e.From}))
		}
		if e.Outcome != "" && from.Type != engine.TypeTask && from.Type != engine.TypeSubflow {
			c.addc(at+"/outcome", "definition.flow.outcome_not_after_task", typeParams(from.Type, i18n.Params{"Node": e.From}))
		}
		c.out[e.From] = append(c.out[e.From], i)
	}
}

// outgoing checks each node's edges forward.
func (c *flowCompiler) outgoing() {
	for i, n := range c.doc.Nodes {
		if c.index[n.ID] != i {
			continue
		}
		at := ptr("nodes", i)
		edges := c.out[n.ID]
		switch n.Type {
		case engine.TypeEnd:
			for _, ei := range edges {
				c.addc(ptr("edges", ei, "from"), "definition.flow.edge_from_end", i18n.Params{"Node": n.ID})
			}
		case engine.TypeParallel:
			if len(edges) < 2 {
				c.addc(at, "definition.flow.parallel_branches", i18n.Params{"Node": n.ID})
				c.deadEnds = c.deadEnds || len(edges) == 0
			}
			for _, ei := range edges {
				if e := c.doc.Edges[ei]; e.When != "" || e.Default {
					c.addc(ptr("edges", ei), "definition.flow.parallel_edge_condition", i18n.Params{"Node": n.ID})
				}
			}
		case engine.TypeInclusive:
			defaults := 0
			for _, ei := range edges {
				e := c.doc.Edges[ei]
				switch {
				case e.Default && e.When != "":
					c.addc(ptr("edges", ei, "default"), "definition.flow.edge_when_and_default", nil)
				case e.Default:
					defaults++
				case e.When == "":
					c.addc(ptr("edges", ei), "definition.flow.inclusive_edge_bare", i18n.Params{"Node": n.ID})
				}
			}
			if defaults != 1 {
				c.addc(at, "definition.flow.inclusive_default", i18n.Params{"Node": n.ID})
				c.deadEnds = c.deadEnds || len(edges) == 0
			}
		case engine.TypeStart, engine.TypeReview, engine.TypeJoin, engine.TypeWait:
			if len(edges) == 0 {
				c.addc(at, "definition.flow.no_way_forward", typeParams(n.Type, i18n.Params{"Node": n.ID}))
				c.deadEnds = true
			}
			for _, ei := range edges[min(1, len(edges)):] {
				c.addc(ptr("edges", ei), "definition.flow.one_way_forward", typeParams(n.Type, i18n.Params{"Node": n.ID, "To": c.doc.Edges[edges[0]].To, "Edge": edges[0]}))
			}
		case engine.TypeSwitch:
			c.switchEdges(at, &n, edges)
		case engine.TypeTask:
			c.taskEdges(at, &n, edges)
		case engine.TypeSubflow:
			c.subflowEdges(at, &n, edges)
		}
	}
}

func (c *flowCompiler) switchEdges(at string, n *engine.NodeDoc, edges []int) {
	var defaults []int
	for _, ei := range edges {
		e := c.doc.Edges[ei]
		eat := ptr("edges", ei)
		switch {
		case e.Default && e.When != "":
			c.addc(eat+"/default", "definition.flow.edge_when_and_default", nil)
		case e.Default:
			defaults = append(defaults, ei)
		case e.When == "":
			c.addc(eat, "definition.flow.switch_edge_bare", i18n.Params{"Node": n.ID})
		}
	}
	if len(defaults) == 0 {
		c.deadEnds = c.deadEnds || len(edges) == 0
		c.addc(at, "definition.flow.switch_default_missing", i18n.Params{"Node": n.ID})
	}
	for _, ei := range defaults[min(1, len(defaults)):] {
		c.addc(ptr("edges", ei, "default"), "definition.flow.switch_default_twice", i18n.Params{"Node": n.ID, "Edge": defaults[0]})
	}
}

func (c *flowCompiler) taskEdges(at string, n *engine.NodeDoc, edges []int) {
	p, known := plugins.Get(n.Plugin)
	var defaults []int
	seen := map[string]int{}
	for _, ei := range edges {
		e := c.doc.Edges[ei]
		eat := ptr("edges", ei)
		if e.Outcome == "" {
			defaults = append(defaults, ei)
			continue
		}
		if e.Default {
			c.addc(eat+"/default", "definition.flow.edge_outcome_and_default", nil)
		}
		if j, dup := seen[e.Outcome]; dup {
			c.addc(eat+"/outcome", "definition.flow.outcome_twice", i18n.Params{"Outcome": e.Outcome, "Node": n.ID, "Edge": j})
			continue
		}
		seen[e.Outcome] = ei
		if known && !slices.Contains(p.Outcomes(), e.Outcome) {
			outs := p.Outcomes()
			if len(outs) == 0 {
				c.addc(eat+"/outcome", "definition.flow.plugin_no_outcomes", i18n.Params{"Plugin": n.Plugin, "Outcome": e.Outcome})
			} else {
				c.addc(eat+"/outcome", "definition.flow.plugin_outcome_unknown", i18n.Params{"Plugin": n.Plugin, "Outcome": e.Outcome, "Outcomes": strings.Join(outs, ", ")})
			}
		}
	}
	if len(defaults) == 0 {
		c.deadEnds = c.deadEnds || len(edges) == 0
		c.addc(at, "definition.flow.task_default_missing", i18n.Params{"Node": n.ID})
	}
	for _, ei := range defaults[min(1, len(defaults)):] {
		c.addc(ptr("edges", ei), "definition.flow.task_default_twice", i18n.Params{"Node": n.ID, "To": c.doc.Edges[defaults[0]].To, "Edge": defaults[0]})
	}
}

// graph checks that every node is reachable, that every node can reach an end, and that
// no loop runs without a review (the engine would spin through it forever).
func (c *flowCompiler) graph() {
	if c.start == "" || c.brokenEdges {
		return
	}
	succ := map[string][]string{}
	for id, edges := range c.out {
		for _, ei := range edges {
			succ[id] = append(succ[id], c.doc.Edges[ei].To)
		}
	}
	// Reachable from start, following edges and on_reject.
	reached := map[string]bool{c.start: true}
	queue := []string{c.start}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		next := succ[id]
		if n := c.node(id); n.OnReject != "" {
			if _, ok := c.index[n.OnReject]; ok {
				next = append(next, n.OnReject)
			}
		}
		for _, to := range next {
			if !reached[to] {
				reached[to] = true
				queue = append(queue, to)
			}
		}
	}
	// Nodes from which an end is reachable (backwards from the ends).
	pred := map[string][]string{}
	for from, tos := range succ {
		for _, to := range tos {
			pred[to] = append(pred[to], from)
		}
	}
	ends := map[string]bool{}
	for i, n := range c.doc.Nodes {
		if n.Type == engine.TypeEnd && c.index[n.ID] == i {
			ends[n.ID] = true
			queue = append(queue, n.ID)
		}
	}
	if len(ends) == 0 {
		c.addc("/nodes", "definition.flow.end_missing", nil)
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, from := range pred[id] {
			if !ends[from] {
				ends[from] = true
				queue = append(queue, from)
			}
		}
	}
	for i, n := range c.doc.Nodes {
		if c.index[n.ID] != i {
			continue
		}
		at := ptr("nodes", i)
		switch {
		case n.Type == engine.TypeStart && n.ID != c.start:
			// a second start node: reported as such
		case !reached[n.ID]:
			c.addc(at, "definition.flow.unreachable", i18n.Params{"Node": n.ID})
		case !ends[n.ID] && len(c.out[n.ID]) > 0 && len(ends) > 0 && !c.deadEnds:
			c.addc(at, "definition.flow.no_path_to_end", i18n.Params{"Node": n.ID})
		}
	}
	c.automaticLoops(succ)
	c.forks()
}

// forks pairs each parallel/inclusive node with the one join that closes it, and checks
// every branch meets at that join before any end.
func (c *flowCompiler) forks() {
	isFork := func(t string) bool { return t == engine.TypeParallel || t == engine.TypeInclusive }
	joinsOf := map[string][]int{}
	for i, n := range c.doc.Nodes {
		if c.index[n.ID] != i || n.Type != engine.TypeJoin {
			continue
		}
		at := ptr("nodes", i)
		fi, ok := c.index[n.Fork]
		switch {
		case n.Fork == "":
			c.addc(at+"/fork", "definition.flow.join_fork_missing", nil)
		case !ok:
			c.addc(at+"/fork", "definition.flow.node_unknown", i18n.Params{"Node": n.Fork, "Nodes": c.nodeIDs()})
		case !isFork(c.doc.Nodes[fi].Type):
			c.addc(at+"/fork", "definition.flow.join_fork_not_fork", typeParams(c.doc.Nodes[fi].Type, i18n.Params{"Node": n.Fork}))
		default:
			joinsOf[n.Fork] = append(joinsOf[n.Fork], i)
		}
	}
	for i, n := range c.doc.Nodes {
		if c.index[n.ID] != i || !isFork(n.Type) {
			continue
		}
		at := ptr("nodes", i)
		js := joinsOf[n.ID]
		if len(js) == 0 {
			c.addc(at, "definition.flow.fork_join_missing", typeParams(n.Type, i18n.Params{"Node": n.ID}))
			continue
		}
		for _, j := range js[1:] {
			c.addc(ptr("nodes", j, "fork"), "definition.flow.fork_join_twice", i18n.Params{"Node": n.ID, "Join": c.doc.Nodes[js[0]].ID})
		}
		join := c.doc.Nodes[js[0]].ID
		seen := map[string]bool{}
		var walk func(id string) bool
		walk = func(id string) bool {
			if id == join || seen[id] {
				return true
			}
			seen[id] = true
			if c.node(id).Type == engine.TypeEnd {
				c.addc(at, "definition.flow.branch_ends_before_join", i18n.Params{"Node": n.ID, "End": id, "Join": join})
				return false
			}
			for _, ei := range c.out[id] {
				if !walk(c.doc.Edges[ei].To) {
					return false
				}
			}
			return true
		}
		for _, ei := range c.out[n.ID] {
			if !walk(c.doc.Edges[ei].To) {
				break
			}
		}
	}
}

func (c *flowCompiler) automaticLoops(succ map[string][]string) {
	state := map[string]int{}
	var stack []string
	var visit func(id string)
	visit = func(id string) {
		state[id] = 1
		stack = append(stack, id)
		for _, to := range succ[id] {
			if c.stops(to) {
				continue
			}
			switch state[to] {
			case 0:
				visit(to)
			case 1:
				i := slices.Index(stack, to)
				loop := append(slices.Clone(stack[i:]), to)
				c.addc(ptr("nodes", c.index[to]), "definition.flow.automatic_loop", i18n.Params{"Loop": strings.Join(loop, " → ")})
			}
		}
		stack = stack[:len(stack)-1]
		state[id] = 2
	}
	for i, n := range c.doc.Nodes {
		if c.index[n.ID] == i && !c.stops(n.ID) && state[n.ID] == 0 {
			visit(n.ID)
		}
	}
}

// conditions compiles the switch conditions and builds the engine's flow.
func (c *flowCompiler) conditions(version int) *engine.Flow {
	flow := &engine.Flow{
		Key:     c.doc.Key,
		Version: version,
		Doc:     *c.doc,
		Nodes:   map[string]*engine.NodeDoc{},
		Start:   c.start,
		Out:     map[string][]*engine.Edge{},
	}
	for i := range flow.Doc.Nodes {
		n := &flow.Doc.Nodes[i]
		if c.index[n.ID] == i {
			flow.Nodes[n.ID] = n
		}
	}
	for i, e := range flow.Doc.Edges {
		edge := &engine.Edge{EdgeDoc: e}
		if e.When != "" {
			compiled, faults := c.env.compile(e.When, "boolean")
			if len(faults) > 0 {
				for _, f := range faults {
					c.ps = append(c.ps, f.problem(ptr("edges", i, "when")))
				}
				continue
			}
			edge.Cond = compiled.prog
		}
		if slices.Contains(c.out[e.From], i) {
			flow.Out[e.From] = append(flow.Out[e.From], edge)
		}
	}
	flow.MarkSections()
	return flow
}
