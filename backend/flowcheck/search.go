package flowcheck

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sluice/backend/engine"
)

// state is one reachable state of an order and the step that first reached it.
type state struct {
	tr *engine.Tracker
	// appr: who approved each open review node so far in this visit (the service tells
	// the engine, engine.Action.Approved, and auto-pass after the node reads it)
	appr   approvals
	parent *state
	step   *Step
}

// path is the counterexample that reaches s, then step.
func (s *state) path(step *Step) []Step {
	var out []Step
	if step != nil {
		out = append(out, *step)
	}
	for ; s != nil && s.step != nil; s = s.parent {
		out = append(out, *s.step)
	}
	slices.Reverse(out)
	return out
}

// action is one abstract decision on a state.
type action struct {
	kind    string // start | approve | reject | return | add_signer_before | add_signer_after | delegate | resume | retry | override
	node    string
	task    int    // the task acted on
	taskOf  string // its kind
	target  string // return
	outcome string // resume of a sub-flow
	exc     engine.Visit
}

// maxBranches bounds the condition and outcome combinations of one transition.
const maxBranches = 4096

// search explores the states breadth first, so a counterexample is a shortest one.
func (c *checker) search() Report {
	deadline := time.Now().Add(c.opts.MaxTime)
	seen := map[string]bool{}
	passed := map[string]bool{}    // joins some transition passed
	reached := map[string][]Step{} // joins some branch waited at: how
	queue := []*state{{tr: &engine.Tracker{}}}
	first := true
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		var acts []action
		if first {
			acts, first = []action{{kind: "start"}}, false
		} else {
			acts = c.actions(s.tr)
		}
		for _, a := range acts {
			branches, fd := c.expand(s, a)
			if fd != nil {
				return Report{States: len(seen), Finding: fd}
			}
			for _, b := range branches {
				for _, v := range b.r.Visits {
					if v.Type == engine.TypeJoin && v.Status == "done" {
						passed[v.NodeID] = true
					}
					if v.Type == engine.TypeJoin && v.Status == "waiting" && reached[v.NodeID] == nil {
						reached[v.NodeID] = s.path(b.step)
					}
				}
				k := c.key(b.tr, b.appr)
				if seen[k] {
					continue
				}
				seen[k] = true
				ns := &state{tr: b.tr, appr: b.appr, parent: s, step: b.step}
				if fd := c.bad(ns, a); fd != nil {
					return Report{States: len(seen), Finding: fd}
				}
				if live(b.tr.Status) {
					queue = append(queue, ns)
				}
			}
			bound := ""
			switch {
			case len(seen) > c.opts.MaxStates:
				bound = fmt.Sprintf("more than %d reachable states", c.opts.MaxStates)
			case time.Now().After(deadline):
				bound = fmt.Sprintf("more states than %s allows to explore (%d seen)", c.opts.MaxTime, len(seen))
			}
			if bound != "" {
				return Report{States: len(seen), Finding: &Finding{Kind: TooLarge, Counterexample: []Step{},
					Message: "the flow has " + bound + ", more than the checker proves; split it into sub-flows"}}
			}
		}
	}
	for _, n := range c.f.Doc.Nodes {
		if how := reached[n.ID]; how != nil && !passed[n.ID] {
			return Report{States: len(seen), Finding: &Finding{Kind: JoinNeverPasses, Pointer: c.nodePtr(n.ID), Counterexample: how,
				Message: fmt.Sprintf("join %q is reached but can never pass: its other branches never arrive", n.ID)}}
		}
	}
	return Report{States: len(seen)}
}

func live(status string) bool {
	return status == engine.StatusInReview || status == engine.StatusException
}

// bad checks a newly reached state.
func (c *checker) bad(s *state, a action) *Finding {
	tr := s.tr
	if !live(tr.Status) {
		return nil
	}
	open := 0
	for _, st := range tr.Open {
		for _, t := range st.Tasks {
			if !t.Waiting {
				open++
			}
		}
	}
	if open > 0 || len(tr.Waiting) > 0 || len(tr.Exceptions) > 0 {
		return nil
	}
	at := c.nodePtr(a.node)
	why := "no task, wait or exception is open"
	if joins := sortedKeys(tr.Joins); len(joins) > 0 {
		at = c.nodePtr(joins[0])
		js := tr.Joins[joins[0]]
		why = fmt.Sprintf("join %q waits for %d more branch(es) that no longer run", joins[0], js.Expected-js.Arrived)
	}
	return &Finding{Kind: Stranded, Pointer: at, Counterexample: s.path(nil),
		Message: fmt.Sprintf("the order is stranded %s: %s, so nobody can ever move it", tr.Status, why)}
}

// branch is one way a transition went.
type branch struct {
	tr   *engine.Tracker
	appr approvals
	r    *engine.Result
	step *Step
}

// expand runs action a on state s for every combination of the engine's questions.
func (c *checker) expand(s *state, a action) ([]branch, *Finding) {
	var out []branch
	scripts := [][]string{nil}
	for runs := 0; len(scripts) > 0; runs++ {
		if runs > maxBranches {
			return nil, &Finding{Kind: TooLarge, Pointer: c.nodePtr(a.node), Counterexample: s.path(nil),
				Message: fmt.Sprintf("one decision here leads more than %d ways through conditions and plugin outcomes; split the flow", maxBranches)}
		}
		script := scripts[len(scripts)-1]
		scripts = scripts[:len(scripts)-1]
		o, r, tr, appr, err := c.try(s.tr, s.appr, a, script)
		for k := len(script); k < len(o.asked); k++ {
			for _, alt := range o.options[k][1:] {
				next := make([]string, k+1)
				for i := range k {
					next[i] = o.asked[i].Value
				}
				next[k] = alt
				scripts = append(scripts, next)
			}
		}
		step := c.stepOf(a, o.asked, r)
		if err != nil {
			if _, refused := engine.AsError(err); refused {
				continue // not a decision a person could take here
			}
			if err == errLoop {
				return nil, &Finding{Kind: AutomaticLoop, Pointer: c.nodePtr(o.asked[len(o.asked)-1].Node), Counterexample: s.path(step),
					Message: "automatic steps loop without a person in between (an auto-passing review closes the loop)"}
			}
			return nil, &Finding{Kind: EngineError, Pointer: c.errPointer(err, a), Counterexample: s.path(step),
				Message: "the engine fails here, on every try: " + err.Error()}
		}
		if end := slices.IndexFunc(r.Visits, func(v engine.Visit) bool { return v.Type == engine.TypeEnd }); end >= 0 {
			if i := slices.IndexFunc(r.Visits[end+1:], func(v engine.Visit) bool { return v.Status == "active" || v.Status == "waiting" }); i >= 0 {
				v := r.Visits[end+1+i]
				return nil, &Finding{Kind: OpenAfterEnd, Pointer: c.nodePtr(v.NodeID), Counterexample: s.path(step),
					Message: fmt.Sprintf("the order ended at %q and %q opened after it", r.Visits[end].NodeID, v.NodeID)}
			}
		}
		if id := openTwice(tr); id != "" {
			return nil, &Finding{Kind: OpenTwice, Pointer: c.nodePtr(id), Counterexample: s.path(step),
				Message: fmt.Sprintf("%q opens again while it is still open, and both visits would arrive at its join", id)}
		}
		out = append(out, branch{tr: tr, appr: appr, r: r, step: step})
	}
	return out, nil
}

// openTwice names a review node open twice in tr, or "". The service would keep both
// visits; the checker, like the engine, knows a node by its id, and stops there.
func openTwice(tr *engine.Tracker) string {
	seen := map[string]bool{}
	for _, st := range tr.Open {
		if seen[st.NodeID] {
			return st.NodeID
		}
		seen[st.NodeID] = true
	}
	return ""
}

// try runs one transition with scripted answers on a copy of tr.
func (c *checker) try(tr *engine.Tracker, appr approvals, a action, script []string) (o *oracle, r *engine.Result, next *engine.Tracker, nappr approvals, err error) {
	o = &oracle{c: c, script: script, seen: map[string]int{}}
	defer func() {
		if p := recover(); p != nil {
			if p != any(errLoop) {
				panic(p)
			}
			r, next, nappr, err = nil, nil, nil, errLoop
		}
	}()
	r, err = c.exec(tr, appr, a, o)
	if o.loop {
		return o, nil, nil, nil, errLoop
	}
	if err != nil {
		return o, nil, nil, nil, err
	}
	next = clone(tr)
	switch a.kind {
	case "start":
		next.Take(r, "")
	case "retry", "override":
		next.Resolve(a.node)
		next.Take(r, "")
	default:
		next.Take(r, a.node)
	}
	return o, r, next, appr.after(tr, next, a, r), nil
}

// approvals: who approved each open review node so far in its visit, by node.
type approvals map[string][]string

// after is appr after transition a: a review task's approval counts while its node
// stays open; a node (re)opened starts with nobody; a closed node is forgotten. The
// service counts the same (the decided review tasks of the node's instance).
func (appr approvals) after(tr, next *engine.Tracker, a action, r *engine.Result) approvals {
	out := approvals{}
	for _, st := range next.Open {
		if v := appr[st.NodeID]; len(v) > 0 {
			out[st.NodeID] = slices.Clone(v)
		}
	}
	if a.kind == engine.ActApprove && (a.taskOf == "" || a.taskOf == engine.KindReview) {
		if st := tr.Node(a.node); st != nil {
			if i := slices.IndexFunc(st.Tasks, func(t engine.TaskRef) bool { return t.ID == a.task }); i >= 0 && next.Node(a.node) != nil {
				out[a.node] = append(out[a.node], st.Tasks[i].Assignees[0])
			}
		}
	}
	for _, v := range r.Visits {
		if v.Type == engine.TypeReview && v.Status == "active" {
			delete(out, v.NodeID)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// exec asks the engine for one transition.
func (c *checker) exec(tr *engine.Tracker, appr approvals, a action, o *oracle) (*engine.Result, error) {
	ord := tr.Order(engine.Order{ID: 1, Number: "CHECK", Department: "dept", Submitter: "submitter",
		Data: map[string]any{"pick": o.pick}})
	e := env{o}
	g := c.g
	switch a.kind {
	case "start":
		return engine.Start(g, ord, e)
	case "resume":
		return engine.Resume(g, a.node, a.outcome, ord, e)
	case "retry":
		return engine.Retry(g, a.node, ord, e, a.exc.ReturnTo)
	case "override":
		return engine.Skip(g, a.node, ord, e, a.exc.ReturnTo)
	}
	st := tr.Node(a.node)
	if st == nil {
		return nil, &engine.Error{Kind: engine.Conflict, Message: "not open"}
	}
	i := slices.IndexFunc(st.Tasks, func(t engine.TaskRef) bool { return t.ID == a.task })
	if i < 0 {
		return nil, &engine.Error{Kind: engine.Conflict, Message: "no such task"}
	}
	n := g.Nodes[a.node]
	act := engine.Action{Kind: a.kind, TaskID: a.task, Actor: st.Tasks[i].Assignees[0], Visited: tr.Visited, Approved: slices.Clone(appr[a.node]),
		Checklist: slices.Repeat([]bool{true}, len(n.Checklist)), Node: a.target, Reason: "checked"}
	if len(n.Reasons) > 0 {
		act.Reason = n.Reasons[0]
	}
	switch a.kind {
	case "add_signer_before", "add_signer_after":
		act.Kind, act.Position, act.User = engine.ActAddSigner, strings.TrimPrefix(a.kind, "add_signer_"), freshUser(st)
	case engine.ActDelegate:
		act.User = freshUser(st)
	}
	return engine.Act(g, *st, act, ord, e)
}

// freshUser names a user who holds nothing at the node.
func freshUser(st *engine.NodeState) string {
	for i := 1; ; i++ {
		u := "signer" + strconv.Itoa(i)
		if !slices.Contains(st.Queue, u) && !slices.Contains(st.After, u) &&
			!slices.ContainsFunc(st.Tasks, func(t engine.TaskRef) bool { return slices.Contains(t.Assignees, u) }) {
			return u
		}
	}
}

// actions lists the decisions open on a state.
func (c *checker) actions(tr *engine.Tracker) []action {
	var out []action
	for _, st := range tr.Open {
		kinds := map[string]bool{}
		for _, t := range st.Tasks {
			if t.Waiting || kinds[t.Kind] {
				continue // tasks of one kind at one node are alike: one stands for all
			}
			kinds[t.Kind] = true
			base := action{node: st.NodeID, task: t.ID, taskOf: t.Kind}
			for _, k := range []string{engine.ActApprove, engine.ActReject} {
				a := base
				a.kind = k
				out = append(out, a)
			}
			var targets []string
			for _, id := range tr.Visited {
				if id != st.NodeID && !c.f.Branch[id] && !slices.Contains(targets, id) {
					targets = append(targets, id)
				}
			}
			for _, to := range targets {
				a := base
				a.kind, a.target = engine.ActReturn, to
				out = append(out, a)
			}
			if len(tr.Open) == 1 && grows(st) {
				kinds := []string{"add_signer_after", engine.ActDelegate}
				if st.Mode != engine.ModeRatio {
					kinds = append(kinds, "add_signer_before")
				}
				for _, k := range kinds {
					a := base
					a.kind = k
					out = append(out, a)
				}
			}
		}
	}
	for _, id := range dedupe(tr.Waiting) {
		n := c.f.Nodes[id]
		if n == nil || n.Type != engine.TypeSubflow {
			out = append(out, action{kind: "resume", node: id})
			continue
		}
		ends := slices.Clone(subflowEnds)
		for _, e := range c.f.Out[id] {
			if e.Outcome != "" && !slices.Contains(ends, e.Outcome) {
				ends = append(ends, e.Outcome)
			}
		}
		for _, s := range ends {
			out = append(out, action{kind: "resume", node: id, outcome: s})
		}
	}
	for _, v := range tr.Exceptions {
		out = append(out, action{kind: "retry", node: v.NodeID, exc: v}, action{kind: "override", node: v.NodeID, exc: v})
	}
	return out
}

// grows says whether signers may still be added or a decision delegated at a node:
// once per visit, before its first vote (a ratio pool up to three voters), and (see
// actions) only while it is the order's one open node. Adding a signer or delegating
// never changes where an order goes, only how many votes a node takes; this shows the
// engine's paths for it without multiplying the states of parallel branches.
func grows(st *engine.NodeState) bool {
	if len(st.After) > 0 || st.Pool > 2 || st.Approvals+st.Rejections > 0 {
		return false
	}
	return !slices.ContainsFunc(st.Tasks, func(t engine.TaskRef) bool { return t.Kind != "" && t.Kind != engine.KindReview })
}

// stepOf describes a transition for a counterexample.
func (c *checker) stepOf(a action, asked []Choice, r *engine.Result) *Step {
	s := &Step{Action: a.kind, Node: a.node, Target: a.target, Outcome: a.outcome, Choices: slices.Clone(asked),
		Nodes: []string{}, Edges: []string{}}
	switch a.kind {
	case "add_signer_before", "add_signer_after":
		s.Action = engine.ActAddSigner + ":" + strings.TrimPrefix(a.kind, "add_signer_")
	}
	if a.taskOf != "" && a.taskOf != engine.KindReview {
		s.Action += "@" + a.taskOf // the added signer's or delegate's task
	}
	if r == nil {
		return s
	}
	var path []string
	if a.node != "" {
		path = append(path, a.node)
	}
	for _, v := range r.Visits {
		s.Nodes = append(s.Nodes, v.NodeID)
		for i := len(path) - 1; i >= 0; i-- {
			if e := c.edgeBetween(path[i], v.NodeID); e != "" {
				if !slices.Contains(s.Edges, e) {
					s.Edges = append(s.Edges, e)
				}
				break
			}
		}
		path = append(path, v.NodeID)
	}
	return s
}

var quoted = regexp.MustCompile(`"([^"]*)"`)

// errPointer points at the node an engine error names (the join reached without its
// fork), else at the node acted on.
func (c *checker) errPointer(err error, a action) string {
	for _, m := range quoted.FindAllStringSubmatch(err.Error(), -1) {
		if p := c.nodePtr(m[1]); p != "" {
			return p
		}
	}
	return c.nodePtr(a.node)
}

// key is a state's canonical form: what the engine's next decisions depend on, with
// task ids and user names abstracted and the passed review nodes as a set, so loops
// come back to a state already seen. (Built by hand: it is the search's hot path.)
func (c *checker) key(tr *engine.Tracker, appr approvals) string {
	b := make([]byte, 0, 256)
	num := func(n int) { b = strconv.AppendInt(b, int64(n), 10); b = append(b, ' ') }
	str := func(s string) { b = append(b, s...); b = append(b, ' ') }
	str(tr.Status)
	open := slices.Clone(tr.Open)
	slices.SortFunc(open, func(x, y *engine.NodeState) int { return cmp.Compare(x.NodeID, y.NodeID) })
	for _, st := range open {
		str("|" + st.NodeID)
		str(st.Mode)
		for _, n := range []int{st.Approvals, st.Need, st.Rejections, st.Pool, len(st.Queue), len(st.After)} {
			num(n)
		}
		str(st.ReturnTo)
		for _, t := range st.Tasks {
			p := slices.IndexFunc(st.Tasks, func(u engine.TaskRef) bool { return t.Parent != 0 && u.ID == t.Parent })
			str(t.Kind)
			if t.Waiting {
				str("w")
			}
			num(p)
		}
	}
	for _, id := range sortedKeys(tr.Joins) {
		str("|j " + id)
		num(tr.Joins[id].Arrived)
		num(tr.Joins[id].Expected)
	}
	str("|w")
	for _, id := range dedupe(slices.Sorted(slices.Values(tr.Waiting))) {
		str(id)
	}
	str("|x")
	var exc []string
	for _, v := range tr.Exceptions {
		exc = append(exc, v.NodeID+">"+v.ReturnTo)
	}
	slices.Sort(exc)
	for _, e := range exc {
		str(e)
	}
	str("|v")
	for _, id := range dedupe(slices.Sorted(slices.Values(tr.Visited))) {
		str(id)
	}
	if c.autoPass {
		// who passed the last review only matters to a node that auto-passes on it
		str("|l")
		for _, u := range dedupe(slices.Sorted(slices.Values(tr.Last))) {
			str(u)
		}
		// and who approved an open node so far: it becomes who passed last
		for _, id := range sortedKeys(appr) {
			str("|a " + id)
			for _, u := range slices.Sorted(slices.Values(appr[id])) {
				str(u)
			}
		}
	}
	return string(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// clone copies a tracker deeply (the copy keeps its task numbering).
func clone(tr *engine.Tracker) *engine.Tracker {
	n := *tr
	n.Open = make([]*engine.NodeState, len(tr.Open))
	for i, st := range tr.Open {
		c := *st
		c.Queue, c.After = slices.Clone(st.Queue), slices.Clone(st.After)
		c.Tasks = make([]engine.TaskRef, len(st.Tasks))
		for j, t := range st.Tasks {
			t.Assignees = slices.Clone(t.Assignees)
			c.Tasks[j] = t
		}
		n.Open[i] = &c
	}
	if tr.Joins != nil {
		n.Joins = make(map[string]engine.JoinState, len(tr.Joins))
		for k, v := range tr.Joins {
			n.Joins[k] = v
		}
	}
	n.Visited, n.Last = slices.Clone(tr.Visited), slices.Clone(tr.Last)
	n.Waiting, n.Exceptions = slices.Clone(tr.Waiting), slices.Clone(tr.Exceptions)
	return &n
}

// Replay runs a counterexample through the engine again, as the checker found it, and
// returns the order's state after it and the error of the step that failed (nil when
// every step ran).
func Replay(f *engine.Flow, steps []Step, opts Options) (*engine.Tracker, error) {
	c := newChecker(f, opts)
	tr := &engine.Tracker{}
	var appr approvals
	for i, s := range steps {
		a := action{kind: s.Action, node: s.Node, target: s.Target, outcome: s.Outcome}
		kind, taskOf, _ := strings.Cut(s.Action, "@")
		a.kind = kind
		if pos, ok := strings.CutPrefix(kind, engine.ActAddSigner+":"); ok {
			a.kind = "add_signer_" + pos
		}
		if taskOf == "" {
			taskOf = engine.KindReview
		}
		if st := tr.Node(s.Node); st != nil {
			i := slices.IndexFunc(st.Tasks, func(t engine.TaskRef) bool { return !t.Waiting && cmp.Or(t.Kind, engine.KindReview) == taskOf })
			if i >= 0 {
				a.task, a.taskOf = st.Tasks[i].ID, st.Tasks[i].Kind
			}
		}
		if kind == "retry" || kind == "override" {
			for _, v := range tr.Exceptions {
				if v.NodeID == s.Node {
					a.exc = v
				}
			}
		}
		script := make([]string, len(s.Choices))
		for j, ch := range s.Choices {
			script[j] = ch.Value
		}
		_, _, next, nappr, err := c.try(tr, appr, a, script)
		if err != nil {
			return tr, fmt.Errorf("step %d (%s %s): %w", i+1, s.Action, s.Node, err)
		}
		tr, appr = next, nappr
	}
	return tr, nil
}
