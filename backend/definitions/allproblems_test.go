package definitions

import (
	"slices"
	"strings"
	"testing"
)

// TestMetaProblemsDoNotHideTheRest: the meta-schema's problems come with the semantic ones
// of the rest of the document, except what they already cover.
func TestMetaProblemsDoNotHideTheRest(t *testing.T) {
	set := examples(t)
	body := []byte(`{"kind":"flow","key":"k","form":"order","nodes":[
		{"id":"start","type":"start"},
		{"id":"a","type":"review","mode":"any"},
		{"id":"b","type":"review","mode":"any","approvers":{"role":"ghost"}},
		{"id":"c","type":"teleport"},
		{"id":"done","type":"end"}],
	"edges":[{"from":"start","to":"b"},{"from":"b","to":"c"},{"from":"c","to":"done","when":"x"},{"from":"c","to":"a"}]}`)
	var got []string
	for _, p := range Validate("flow", body, set) {
		got = append(got, p.Pointer)
	}
	want := []string{
		"/nodes/1",                // semantic: a has no way on, though its approvers are missing
		"/nodes/1/approvers",      // meta: required
		"/nodes/2/approvers/role", // semantic: no such role
		"/nodes/3/type",           // meta: unknown type; its edges' problems are not repeated
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestEmptyApproverIsOneProblem: a review whose approvers name an empty role is one problem,
// not the role's format and "say who" both.
func TestEmptyApproverIsOneProblem(t *testing.T) {
	set := examples(t)
	for _, approvers := range []string{`{"role":""}`, `{}`} {
		body := []byte(`{"kind":"flow","key":"k","form":"order","nodes":[{"id":"start","type":"start"},
			{"id":"a","type":"review","mode":"any","approvers":` + approvers + `},{"id":"done","type":"end"}],
			"edges":[{"from":"start","to":"a"},{"from":"a","to":"done"}]}`)
		ps := Validate("flow", body, set)
		if len(ps) != 1 || !strings.HasPrefix(ps[0].Pointer, "/nodes/1/approvers") {
			t.Fatalf("approvers %s: %v", approvers, ps)
		}
	}
}
