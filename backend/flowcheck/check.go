// Package flowcheck proves a flow before it is published: it runs the real engine over
// every state an order of the flow can reach, with abstract decisions, and reports the
// first bad state it finds with the decisions from the start that reach it (a
// counterexample). It is pure, as the engine is: no I/O, a bounded search.
//
// What it explores, and what makes a state bad, is described in docs/flow-checker.md.
package flowcheck

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"

	"sluice/backend/engine"
)

// Kind is what is wrong with a bad state. The values are stable codes.
type Kind string

const (
	// Stranded: the order is not ended and has no open task, waiting node or open
	// exception; nothing can ever move it again.
	Stranded Kind = "stranded"
	// EngineError: the engine refused a transition an order can reach (a 500 in the
	// service, on every try).
	EngineError Kind = "engine_error"
	// OpenAfterEnd: a transition ended the order and opened a task or wait after the end.
	OpenAfterEnd Kind = "open_after_end"
	// OpenTwice: a review node opened again while it was still open (a rejection routed
	// into another branch does it): its two visits would both arrive at the join.
	OpenTwice Kind = "open_twice"
	// JoinNeverPasses: a join some branch reaches can never pass.
	JoinNeverPasses Kind = "join_never_passes"
	// AutomaticLoop: automatic nodes loop without a person (or a wait) in between.
	AutomaticLoop Kind = "automatic_loop"
	// TooLarge: the search bound was hit before every state was seen; the flow is not
	// proved (and so not published).
	TooLarge Kind = "too_large"
)

// Options bound the search and describe the plugins.
type Options struct {
	// MaxStates bounds the distinct states explored (default DefaultMaxStates).
	MaxStates int
	// MaxTime bounds the search time (default DefaultMaxTime); a safety net, the state
	// bound is what makes the answer the same on every machine.
	MaxTime time.Duration
	// Outcomes lists what a plugin may return besides "ok"; nil (or a nil answer) means
	// the outcomes the node's edges name.
	Outcomes func(plugin string) []string
}

// Search bounds. The demo order-review flow needs about a thousand states; a flow past
// the state bound is beyond what a person can review too, and should be split into
// sub-flows. The time bound is only a safety net, far above what the state bound takes
// on a loaded machine, so the answer does not depend on the machine.
const (
	DefaultMaxStates = 20000
	DefaultMaxTime   = 2 * time.Minute
)

// Step is one decision of a counterexample, with what it passed through: the designer
// highlights Nodes and Edges (JSON pointers like /edges/3) step by step.
type Step struct {
	// Action: start | approve | reject | return | add_signer | delegate | resume |
	// retry | override.
	Action string `json:"action"`
	Node   string `json:"node,omitempty"`   // the node acted on
	Target string `json:"target,omitempty"` // return: where to
	// Outcome: a resumed sub-flow's end status.
	Outcome string `json:"outcome,omitempty"`
	// Choices are the conditions and plugin outcomes decided during the step, in the
	// order the engine asked for them.
	Choices []Choice `json:"choices,omitempty"`
	Nodes   []string `json:"nodes"` // nodes reached by the step, in order
	Edges   []string `json:"edges"` // pointers of the edges taken
}

// Choice is one condition or plugin outcome the engine asked for.
type Choice struct {
	Node string `json:"node"`
	// Edge is the conditional edge asked about (its pointer); empty for a plugin.
	Edge string `json:"edge,omitempty"`
	// Value: "true" | "false" for a condition; a plugin outcome ("ok", one it declares,
	// or "failure" for an exception).
	Value string `json:"value"`
}

// Finding is a bad state and how to reach it.
type Finding struct {
	Kind    Kind   `json:"kind"`
	Pointer string `json:"pointer"` // the node or edge at fault
	Message string `json:"message"`
	// Counterexample: the decisions from the start that reach the bad state.
	Counterexample []Step `json:"counterexample"`
}

func (f *Finding) Error() string { return fmt.Sprintf("%s at %s: %s", f.Kind, f.Pointer, f.Message) }

// Report is the result of a check.
type Report struct {
	States  int      // distinct states explored
	Finding *Finding // nil when the flow is proved
}

// failure is the outcome value that makes a plugin fail (an exception).
const failure = "failure"

// subflowEnds are the statuses a child order ends in.
var subflowEnds = []string{engine.StatusApproved, engine.StatusRejected, engine.StatusCompleted, "cancelled", "withdrawn"}

// Check proves f: every order of it can always reach an end.
func Check(f *engine.Flow, opts Options) Report {
	if opts.MaxStates <= 0 {
		opts.MaxStates = DefaultMaxStates
	}
	if opts.MaxTime <= 0 {
		opts.MaxTime = DefaultMaxTime
	}
	c := newChecker(f, opts)
	if fd := c.autoLoop(); fd != nil {
		return Report{Finding: fd}
	}
	return c.search()
}

// checker holds one search.
type checker struct {
	f, g  *engine.Flow // g: f with every condition that reads the order asked of the oracle
	opts  Options
	edges map[*engine.Edge]int // g's edges → index in the document
	// picks: condition id → edge (the id is what the rewritten condition passes)
	picks []*engine.Edge
	nodes map[string]int // node id → index in the document
	// autoPass: some review auto-passes, so the last approvers are part of a state
	autoPass bool
}

// readsOrder: a condition that reads nothing of the order is constant and kept.
var readsOrder = regexp.MustCompile(`\border\b`)

func newChecker(f *engine.Flow, opts Options) *checker {
	c := &checker{f: f, opts: opts, edges: map[*engine.Edge]int{}, nodes: map[string]int{}}
	for i, n := range f.Doc.Nodes {
		if _, dup := c.nodes[n.ID]; !dup {
			c.nodes[n.ID] = i
		}
		c.autoPass = c.autoPass || n.AutoPass
	}
	g := *f
	g.Out = map[string][]*engine.Edge{}
	used := map[int]bool{}
	for from, es := range f.Out {
		for _, e := range es {
			ne := *e
			idx := -1
			for i, d := range f.Doc.Edges {
				if !used[i] && d.From == e.From && d.To == e.To && d.When == e.When && d.Outcome == e.Outcome {
					idx = i
					break
				}
			}
			used[idx] = true
			if e.Cond != nil && readsOrder.MatchString(e.When) {
				// the oracle decides: order.pick(k) asks whether condition k holds now
				prog, err := expr.Compile("order.pick("+strconv.Itoa(len(c.picks))+")",
					expr.Env(map[string]any{"order": map[string]any{}}), expr.AsBool())
				if err != nil {
					panic(err) // a constant expression: cannot fail
				}
				ne.Cond = prog
				c.picks = append(c.picks, &ne)
			}
			c.edges[&ne] = idx
			g.Out[from] = append(g.Out[from], &ne)
		}
	}
	c.g = &g
	return c
}

func (c *checker) nodePtr(id string) string {
	if i, ok := c.nodes[id]; ok {
		return "/nodes/" + strconv.Itoa(i)
	}
	return ""
}

// automatic nodes: an order passes them within one transition.
func automatic(typ string) bool {
	switch typ {
	case engine.TypeReview, engine.TypeWait, engine.TypeSubflow, engine.TypeEnd:
		return false
	}
	return true
}

// autoLoop finds a cycle of automatic nodes: an order on it would spin inside one
// request (the engine stops it after a bound and answers 500). It is found on the
// graph, before the search, because the engine cannot be asked to run such a loop.
func (c *checker) autoLoop() *Finding {
	const white, grey, black = 0, 1, 2
	color := map[string]int{}
	var stack []string
	var cycle []string
	var visit func(id string) bool
	visit = func(id string) bool {
		color[id] = grey
		stack = append(stack, id)
		for _, e := range c.f.Out[id] {
			n := c.f.Nodes[e.To]
			if n == nil || !automatic(n.Type) {
				continue
			}
			switch color[e.To] {
			case grey:
				cycle = slices.Clone(stack[slices.Index(stack, e.To):])
				return true
			case white:
				if visit(e.To) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[id] = black
		return false
	}
	for _, n := range c.f.Doc.Nodes {
		if automatic(n.Type) && color[n.ID] == white && visit(n.ID) {
			step := Step{Action: "start", Nodes: append(cycle, cycle[0])}
			for i := 0; i+1 < len(step.Nodes); i++ {
				step.Edges = append(step.Edges, c.edgeBetween(step.Nodes[i], step.Nodes[i+1]))
			}
			return &Finding{Kind: AutomaticLoop, Pointer: c.nodePtr(cycle[0]),
				Message:        fmt.Sprintf("automatic nodes %s loop without a person or a wait in between; an order there would spin forever", strings.Join(step.Nodes, " → ")),
				Counterexample: []Step{step}}
		}
	}
	return nil
}

func (c *checker) edgeBetween(from, to string) string {
	for _, e := range c.g.Out[from] {
		if e.To == to {
			return "/edges/" + strconv.Itoa(c.edges[e])
		}
	}
	return ""
}

// errLoop: the oracle was asked the same thing twice in one transition.
var errLoop = errors.New("automatic loop")

// oracle answers the engine's open questions during one transition: a scripted answer
// while the script lasts, then the first option, noting the others for the search.
type oracle struct {
	c       *checker
	script  []string
	asked   []Choice
	options [][]string // per question: every answer it could have had
	seen    map[string]int
	loop    bool
}

// maxAsks is how often one question may come up in one transition (branches may share
// a node) before it counts as a loop: an auto-passing review can close one the graph
// check does not see.
const maxAsks = 4

func (o *oracle) ask(node, edge string, options []string) string {
	key := node + " " + edge
	if o.seen[key]++; o.seen[key] > maxAsks {
		o.loop = true
		panic(errLoop)
	}
	v := options[0]
	if k := len(o.asked); k < len(o.script) {
		v = o.script[k]
	}
	o.asked = append(o.asked, Choice{Node: node, Edge: edge, Value: v})
	o.options = append(o.options, options)
	return v
}

func (o *oracle) pick(k int) bool {
	e := o.c.picks[k]
	return o.ask(e.From, "/edges/"+strconv.Itoa(o.c.edges[e]), []string{"true", "false"}) == "true"
}

// env is the checker's engine.Env: every approver spec resolves to two abstract users
// (the same spec to the same users, so auto-pass works as it would), every plugin
// answers what the oracle says.
type env struct{ o *oracle }

func (e env) Resolve(a engine.Approvers, dept string, _ engine.Order) ([]string, error) {
	id := fmt.Sprintf("%s|%s|%d|%s|%s", a.Field, a.Role, a.Manager, a.Department, strings.Join(a.Users, ","))
	return []string{"a:" + id + "#1", "a:" + id + "#2"}, nil
}

func (e env) Run(n *engine.NodeDoc, _ engine.Order) (string, map[string]any, any, error) {
	opts := []string{"ok"}
	var declared []string
	if e.o.c.opts.Outcomes != nil {
		declared = e.o.c.opts.Outcomes(n.Plugin)
	}
	if declared == nil {
		for _, ed := range e.o.c.g.Out[n.ID] {
			if ed.Outcome != "" {
				declared = append(declared, ed.Outcome)
			}
		}
	}
	for _, d := range declared {
		if !slices.Contains(opts, d) {
			opts = append(opts, d)
		}
	}
	opts = append(opts, failure)
	v := e.o.ask(n.ID, "", opts)
	if v == failure {
		return "", nil, nil, &engine.Failure{Reason: "checker", Message: "the plugin failed"}
	}
	return v, nil, nil, nil
}

func (e env) Eligible(string) (bool, error) { return true, nil }
