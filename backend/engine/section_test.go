package engine

import "testing"

// TestSameSection: a rejection routed to a rework that leads back into the section's
// join stays in its branch; one routed before the fork, or out of an inner section
// only, does not.
func TestSameSection(t *testing.T) {
	rv := func(id, onReject string) NodeDoc { return NodeDoc{ID: id, Type: TypeReview, OnReject: onReject} }
	doc := FlowDoc{Key: "s", Nodes: []NodeDoc{{ID: "start", Type: TypeStart}, rv("verify", ""), {ID: "outer", Type: TypeParallel},
		{ID: "inner", Type: TypeParallel}, rv("a1", "rework"), rv("a2", "verify"), {ID: "ij", Type: TypeJoin, Fork: "inner"},
		rv("b", "fix"), rv("fix", ""), rv("rework", ""), {ID: "oj", Type: TypeJoin, Fork: "outer"}, {ID: "end", Type: TypeEnd}}}
	for _, e := range [][2]string{{"start", "verify"}, {"verify", "outer"}, {"outer", "inner"}, {"outer", "b"}, {"inner", "a1"}, {"inner", "a2"},
		{"a1", "ij"}, {"a2", "ij"}, {"ij", "oj"}, {"b", "oj"}, {"fix", "oj"}, {"rework", "oj"}, {"oj", "end"}} {
		doc.Edges = append(doc.Edges, EdgeDoc{From: e[0], To: e[1]})
	}
	f, err := Build(doc, 1)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		from, to string
		same     bool
	}{
		{"b", "fix", true},          // a rework that rejoins the outer join
		{"a2", "verify", false},     // back before the fork: the whole order goes back
		{"a1", "rework", false},     // out of the inner section only
		{"verify", "verify", false}, // not in a section
	}
	for _, c := range cases {
		if got := f.SameSection(c.from, c.to); got != c.same {
			t.Errorf("SameSection(%s, %s) = %v, want %v", c.from, c.to, got, c.same)
		}
	}
	if !f.Branch["fix"] || !f.Branch["rework"] || f.Branch["verify"] || f.Branch["oj"] {
		t.Errorf("branch nodes: %v", f.Branch)
	}
}
