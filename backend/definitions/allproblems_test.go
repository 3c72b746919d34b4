package definitions

import (
	"slices"
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
