package engine

import (
	"fmt"
	"maps"

	"github.com/expr-lang/expr"
)

// Build indexes a flow document and compiles its edge conditions. It assumes the
// document has been validated (definitions.CompileFlow does that, with pointers); it
// only fails on what would make interpretation impossible.
func Build(doc FlowDoc, version int) (*Flow, error) {
	f := &Flow{Key: doc.Key, Version: version, Doc: doc, Nodes: map[string]*NodeDoc{}, Out: map[string][]*Edge{}}
	for i := range doc.Nodes {
		n := &doc.Nodes[i]
		if _, dup := f.Nodes[n.ID]; dup {
			return nil, fmt.Errorf("engine: duplicate node %q", n.ID)
		}
		f.Nodes[n.ID] = n
		if n.Type == TypeStart {
			f.Start = n.ID
		}
	}
	if f.Start == "" {
		return nil, fmt.Errorf("engine: flow %q has no start node", doc.Key)
	}
	for _, e := range doc.Edges {
		if f.Nodes[e.From] == nil || f.Nodes[e.To] == nil {
			return nil, fmt.Errorf("engine: edge %s→%s names an unknown node", e.From, e.To)
		}
		ce := &Edge{EdgeDoc: e}
		if e.When != "" {
			p, err := expr.Compile(e.When, expr.Env(map[string]any{"order": map[string]any{}}), expr.AsBool())
			if err != nil {
				return nil, fmt.Errorf("engine: condition %q: %w", e.When, err)
			}
			ce.Cond = p
		}
		f.Out[e.From] = append(f.Out[e.From], ce)
	}
	f.MarkSections()
	return f, nil
}

// MarkSections records, for each fork, the nodes between it and its join (Section)
// and the nodes inside any section (Branch).
func (f *Flow) MarkSections() {
	f.Section = Sections(f)
	f.Branch = map[string]bool{}
	for _, nodes := range f.Section {
		for id := range nodes {
			f.Branch[id] = true
		}
	}
}

// Sections finds, for each fork, the nodes between it and its joins: those its edges
// reach before a join, and the rework nodes a rejection there is routed to (on_reject)
// when they lead back into one of its joins without passing the fork again. A
// rejection routed to such a node stays inside the section (see move.fail).
func Sections(f *Flow) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, n := range f.Nodes {
		if n.Type != TypeParallel && n.Type != TypeInclusive {
			continue
		}
		joins := map[string]bool{}
		for id, j := range f.Nodes {
			if j.Type == TypeJoin && j.Fork == n.ID {
				joins[id] = true
			}
		}
		// reach walks from id along edges until a join or the fork, reporting the nodes
		// passed and whether a join was reached.
		reach := func(id string) (map[string]bool, bool) {
			seen, joined := map[string]bool{}, false
			var walk func(id string)
			walk = func(id string) {
				switch {
				case joins[id]:
					joined = true
				case id != n.ID && !seen[id]:
					seen[id] = true
					for _, e := range f.Out[id] {
						walk(e.To)
					}
				}
			}
			walk(id)
			return seen, joined
		}
		in := map[string]bool{}
		for _, e := range f.Out[n.ID] {
			seen, _ := reach(e.To)
			maps.Copy(in, seen)
		}
		for grew := true; grew; {
			grew = false
			for id := range in {
				t := f.Nodes[id].OnReject
				if t == "" || in[t] || f.Nodes[t] == nil {
					continue
				}
				if seen, joined := reach(t); joined {
					maps.Copy(in, seen)
					grew = true
				}
			}
		}
		out[n.ID] = in
	}
	return out
}

// SameSection says whether a rejection at node from routed to node to stays inside
// every parallel section from is in: then the other branches keep their tasks.
func (f *Flow) SameSection(from, to string) bool {
	if !f.Branch[from] {
		return false
	}
	for _, in := range f.Section {
		if in[from] && !in[to] {
			return false
		}
	}
	return true
}
