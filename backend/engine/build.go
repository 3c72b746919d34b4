package engine

import (
	"fmt"

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
	f.Branch = Sections(f)
	return f, nil
}

// Sections finds the nodes reachable from each fork before its join.
func Sections(f *Flow) map[string]bool {
	in := map[string]bool{}
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
		seen := map[string]bool{}
		var walk func(id string)
		walk = func(id string) {
			if seen[id] || joins[id] {
				return
			}
			seen[id] = true
			in[id] = true
			for _, e := range f.Out[id] {
				walk(e.To)
			}
		}
		for _, e := range f.Out[n.ID] {
			walk(e.To)
		}
	}
	return in
}
