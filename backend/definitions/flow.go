package definitions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"sluice/backend/durations"
	"sluice/backend/engine"
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
		return nil, []Problem{{Pointer: "", Message: "cannot read flow: " + err.Error()}}
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

func (c *flowCompiler) add(pointer, format string, args ...any) {
	c.ps = append(c.ps, Problem{Pointer: pointer, Message: fmt.Sprintf(format, args...)})
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
		c.add("/form", "form %q does not exist or is not valid; create it first or name an existing form", c.doc.Form)
	}
	var starts []int
	for i, n := range c.doc.Nodes {
		at := ptr("nodes", i)
		if j, dup := c.index[n.ID]; dup {
			c.add(at+"/id", "duplicate node id %q (also at /nodes/%d); node ids must be unique", n.ID, j)
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
						c.add(join(at, field), "%q is only for %s nodes, and %q is %s node; remove it", field, want, n.ID, article(n.Type))
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
		c.add("/nodes", "the flow needs a start node ({\"id\": \"start\", \"type\": \"start\"}) where orders enter")
	case len(starts) > 1:
		for _, i := range starts[1:] {
			c.add(ptr("nodes", i, "type"), "a flow has exactly one start node, and %q is already one (/nodes/%d)", c.doc.Nodes[starts[0]].ID, starts[0])
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
			c.add(at, "no node %q; on_reject names the node to go to on reject (known nodes: %s)", n.OnReject, c.nodeIDs())
		case n.OnReject == n.ID:
			c.add(at, "on_reject must name another node, not %q itself", n.ID)
		case c.doc.Nodes[j].Type == engine.TypeStart:
			c.add(at, "on_reject cannot go to the start node; name the review to return to")
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
		c.add(at, "only review and task nodes raise exceptions, and %q is %s node; remove it", n.ID, article(n.Type))
		return
	}
	if e.Owner != "" && e.OwnerRole != "" {
		c.add(at, "name an owner or an owner_role, not both")
	}
	if e.Owner != "" && !c.look.user(e.Owner) {
		c.add(at+"/owner", "user %q does not exist; pick an existing user", e.Owner)
	}
	if e.OwnerDepartment != "" && !c.look.department(e.OwnerDepartment) {
		c.add(at+"/owner_department", "department %q does not exist; pick an existing department", e.OwnerDepartment)
	}
	if e.OwnerRole != "" {
		if r, ok := c.look.role(e.OwnerRole); !ok {
			c.add(at+"/owner_role", "role %q does not exist; create it or name an existing role", e.OwnerRole)
		} else if r.Scope == ScopeGlobal && e.OwnerDepartment != "" {
			c.add(at+"/owner_department", "role %q is global (held without a department); remove owner_department", e.OwnerRole)
		}
	}
	if e.Within != "" {
		if _, err := durations.Span(e.Within); err != nil {
			c.add(at+"/within", "%v", err)
		}
	}
}

func (c *flowCompiler) review(at string, n *engine.NodeDoc) {
	if n.Mode == engine.ModeRatio && n.Ratio == nil {
		c.add(at+"/ratio", "a ratio node needs its pass mark: {\"share\": 0.5} or {\"count\": 2}")
	}
	if n.Mode != engine.ModeRatio && n.Ratio != nil {
		c.add(at+"/ratio", "ratio applies to mode ratio only; remove it or set mode to ratio")
	}
	if n.Ratio != nil && n.Ratio.Share > 0 && n.Ratio.Count > 0 {
		c.add(at+"/ratio", "set share or count, not both")
	}
	c.approvers(at+"/approvers", n.Approvers, true)
	if c.form != nil {
		for _, k := range slices.Sorted(maps.Keys(n.Fields)) {
			if !slices.Contains(c.form.Fields(), k) {
				c.add(at+"/fields/"+k, "the form has no field %q; it has: %s", k, strings.Join(c.form.Fields(), ", "))
			}
		}
	}
	if n.CC != nil {
		c.approvers(at+"/cc", n.CC, false)
	}
	if f := n.FreshSignIn; f != nil && f.Within != "" {
		if d, err := durations.Span(f.Within); err != nil {
			c.add(at+"/fresh_sign_in/within", "%v", err)
		} else if d < time.Minute || d > 24*time.Hour {
			c.add(at+"/fresh_sign_in/within", "a fresh sign-in window is between 1m and 24h")
		}
	}
	if n.Shipping {
		// The last shipment completes the step with one decision on the shipper's task;
		// under any other mode one decision would not pass the node.
		if n.Mode != engine.ModeAny {
			c.add(at+"/mode", "a shipping node completes when its last shipment is posted, which is one decision: use mode any")
		}
		if c.form != nil && !slices.Contains(c.form.Fields(), "items") {
			c.add(at+"/shipping", "a shipping node ships the order's items, and the form has no field \"items\"; it has: %s", strings.Join(c.form.Fields(), ", "))
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
		c.add(at, "use one of role (with an optional department), users, field or manager, not several")
	case ways == 0:
		c.add(at, "say who: a role (with an optional department), a list of users, a form field holding a username, or the submitter's manager N levels up")
	case a.Role != "":
		r, ok := c.look.role(a.Role)
		if !ok {
			c.add(at+"/role", "role %q does not exist; create it or name an existing role", a.Role)
		} else if r.Scope == ScopeGlobal && a.Department != "" {
			c.add(at+"/department", "role %q is global (held without a department); remove department", a.Role)
		}
		if a.Department != "" && !c.look.department(a.Department) {
			c.add(at+"/department", "department %q does not exist; pick an existing department", a.Department)
		}
	case len(a.Users) > 0:
		for i, u := range a.Users {
			if !c.look.user(u) {
				c.add(join(at, "users", i), "user %q does not exist; pick an existing user", u)
			}
		}
	case a.Field != "":
		if c.form != nil && !slices.Contains(c.form.Fields(), strings.SplitN(a.Field, ".", 2)[0]) {
			c.add(at+"/field", "the form has no field %q; it has: %s", a.Field, strings.Join(c.form.Fields(), ", "))
		}
	}
	_ = deciding
}

func (c *flowCompiler) task(at string, n *engine.NodeDoc) {
	p, ok := plugins.Get(n.Plugin)
	if !ok {
		c.add(at+"/plugin", "no plugin %q is installed; installed plugins: %s", n.Plugin, strings.Join(plugins.Names(), ", "))
		return
	}
	sch, err := settingsSchema(p)
	if err != nil {
		c.add(at+"/plugin", "plugin %q declares an invalid settings schema: %v", n.Plugin, err)
		return
	}
	settings := []byte(n.Settings)
	if len(bytes.TrimSpace(settings)) == 0 {
		settings = []byte("{}")
	}
	v, ps := decode(settings)
	if ps != nil {
		c.add(at+"/settings", "%s", ps[0].Message)
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
		c.add(at+"/settings"+se.Pointer, "%s", se.Message)
		return
	}
	if err != nil {
		c.add(at+"/settings", "%v", err)
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
			c.add(at+"/from", "no node %q (known nodes: %s)", e.From, c.nodeIDs())
		}
		if !toOK {
			c.add(at+"/to", "no node %q (known nodes: %s)", e.To, c.nodeIDs())
		}
		if !fromOK || !toOK {
			c.brokenEdges = true
			continue
		}
		from, to := &c.doc.Nodes[fi], &c.doc.Nodes[ti]
		if e.From == e.To {
			c.add(at+"/to", "an edge cannot lead from %q back to itself", e.From)
			continue
		}
		if to.Type == engine.TypeStart {
			c.add(at+"/to", "no edge may enter the start node %q", e.To)
			continue
		}
		if e.When != "" && from.Type != engine.TypeSwitch && from.Type != engine.TypeInclusive {
			c.add(at+"/when", "conditions are only for edges leaving a switch or inclusive node, and %q is a %s node; put a switch node after it", e.From, from.Type)
		}
		if e.Outcome != "" && from.Type != engine.TypeTask && from.Type != engine.TypeSubflow {
			c.add(at+"/outcome", "outcomes are only for edges leaving a task or subflow node, and %q is a %s node", e.From, from.Type)
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
				c.add(ptr("edges", ei, "from"), "%q is an end node; an end node has no outgoing edges", n.ID)
			}
		case engine.TypeParallel:
			if len(edges) < 2 {
				c.add(at, "parallel node %q starts every outgoing branch; give it at least two", n.ID)
				c.deadEnds = c.deadEnds || len(edges) == 0
			}
			for _, ei := range edges {
				if e := c.doc.Edges[ei]; e.When != "" || e.Default {
					c.add(ptr("edges", ei), "edges leaving parallel node %q take no condition or default; use an inclusive node to choose branches", n.ID)
				}
			}
		case engine.TypeInclusive:
			defaults := 0
			for _, ei := range edges {
				e := c.doc.Edges[ei]
				switch {
				case e.Default && e.When != "":
					c.add(ptr("edges", ei, "default"), "an edge has either a condition (when) or \"default\": true, not both")
				case e.Default:
					defaults++
				case e.When == "":
					c.add(ptr("edges", ei), "an edge leaving inclusive node %q needs a condition (when) or \"default\": true", n.ID)
				}
			}
			if defaults != 1 {
				c.add(at, "inclusive node %q needs exactly one default edge, taken when no condition holds", n.ID)
				c.deadEnds = c.deadEnds || len(edges) == 0
			}
		case engine.TypeStart, engine.TypeReview, engine.TypeJoin, engine.TypeWait:
			if len(edges) == 0 {
				c.add(at, "%s node %q has no way forward; add an edge from it", n.Type, n.ID)
				c.deadEnds = true
			}
			for _, ei := range edges[min(1, len(edges)):] {
				c.add(ptr("edges", ei), "a %s node has exactly one way forward, and %q already goes to %q (/edges/%d); to branch, put a switch node after it",
					n.Type, n.ID, c.doc.Edges[edges[0]].To, edges[0])
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
			c.add(eat+"/default", "an edge has either a condition (when) or \"default\": true, not both")
		case e.Default:
			defaults = append(defaults, ei)
		case e.When == "":
			c.add(eat, "an edge leaving switch %q needs a condition (when) or \"default\": true", n.ID)
		}
	}
	if len(defaults) == 0 {
		c.deadEnds = c.deadEnds || len(edges) == 0
		c.add(at, "switch %q needs a default edge (\"default\": true), taken when no condition holds", n.ID)
	}
	for _, ei := range defaults[min(1, len(defaults)):] {
		c.add(ptr("edges", ei, "default"), "switch %q already has a default edge (/edges/%d); a switch has exactly one", n.ID, defaults[0])
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
			c.add(eat+"/default", "an edge has either an outcome or \"default\": true, not both")
		}
		if j, dup := seen[e.Outcome]; dup {
			c.add(eat+"/outcome", "outcome %q of %q already has an edge (/edges/%d)", e.Outcome, n.ID, j)
			continue
		}
		seen[e.Outcome] = ei
		if known && !slices.Contains(p.Outcomes(), e.Outcome) {
			outs := p.Outcomes()
			if len(outs) == 0 {
				c.add(eat+"/outcome", "plugin %q returns no outcome besides ok; remove outcome %q and make this the default edge", n.Plugin, e.Outcome)
			} else {
				c.add(eat+"/outcome", "plugin %q has no outcome %q; its outcomes: %s", n.Plugin, e.Outcome, strings.Join(outs, ", "))
			}
		}
	}
	if len(defaults) == 0 {
		c.deadEnds = c.deadEnds || len(edges) == 0
		c.add(at, "task %q needs a default edge (one without outcome), taken when the plugin returns ok", n.ID)
	}
	for _, ei := range defaults[min(1, len(defaults)):] {
		c.add(ptr("edges", ei), "task %q already continues to %q by default (/edges/%d); give this edge an outcome or remove it",
			n.ID, c.doc.Edges[defaults[0]].To, defaults[0])
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
		c.add("/nodes", "the flow needs an end node ({\"id\": \"done\", \"type\": \"end\"}) where orders finish")
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
			c.add(at, "node %q cannot be reached from the start node; add an edge to it or remove it", n.ID)
		case !ends[n.ID] && len(c.out[n.ID]) > 0 && len(ends) > 0 && !c.deadEnds:
			c.add(at, "no path leads from node %q to an end node; orders there could never finish", n.ID)
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
			c.add(at+"/fork", "a join names the parallel or inclusive node whose branches it waits for: \"fork\": \"<node id>\"")
		case !ok:
			c.add(at+"/fork", "no node %q (known nodes: %s)", n.Fork, c.nodeIDs())
		case !isFork(c.doc.Nodes[fi].Type):
			c.add(at+"/fork", "%q is a %s node; a join closes a parallel or inclusive node", n.Fork, c.doc.Nodes[fi].Type)
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
			c.add(at, "%s node %q needs a join where its branches meet: {\"id\": \"…\", \"type\": \"join\", \"fork\": %q}", n.Type, n.ID, n.ID)
			continue
		}
		for _, j := range js[1:] {
			c.add(ptr("nodes", j, "fork"), "%q is already closed by join %q; a fork has exactly one join", n.ID, c.doc.Nodes[js[0]].ID)
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
				c.add(at, "a branch of %q reaches end node %q before join %q; every branch must meet at the join", n.ID, id, join)
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
				c.add(ptr("nodes", c.index[to]), "the nodes %s form a loop without a review node; an order would go round it forever", strings.Join(loop, " → "))
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
			compiled, msg := c.env.compile(e.When, "boolean")
			if msg != "" {
				c.add(ptr("edges", i, "when"), "%s", msg)
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
