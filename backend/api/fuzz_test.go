package api

import (
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	engpkg "sluice/backend/engine"
	"sluice/backend/service"
)

type fuzzEnv struct{}

func (fuzzEnv) Resolve(a engpkg.Approvers, dept string, o engpkg.Order) ([]string, error) {
	return []string{"u1", "u2", "u3"}, nil
}
func (fuzzEnv) Run(n *engpkg.NodeDoc, o engpkg.Order) (string, map[string]any, any, error) {
	return "ok", nil, nil, nil
}
func (fuzzEnv) Eligible(u string) (bool, error) { return u != "", nil }

// FuzzActionBody: any body of POST /tasks/{id}/actions is either refused by the strict
// decoder or handled by the engine with a result or a refusal — never a panic.
func FuzzActionBody(f *testing.F) {
	for _, b := range []string{`{"action":"approve","checklist":[true]}`, `{"action":"reject","reason":"no"}`,
		`{"action":"return","node":"a"}`, `{"action":"add_signer","user":"x","position":"before"}`,
		`{"action":"delegate","user":"u2"}`, `{"action":"transfer","user":""}`, `{"action":"comment","comment":"\u0000"}`,
		`{"action":"approve","fields":{"items":[]}}`, `[]`, `{"action":1}`, `{"action":"approve","extra":true}`} {
		f.Add([]byte(b))
	}
	doc := engpkg.FlowDoc{Key: "f", Nodes: []engpkg.NodeDoc{
		{ID: "s", Type: engpkg.TypeStart},
		{ID: "a", Type: engpkg.TypeReview, Approvers: &engpkg.Approvers{Role: "r"}},
		{ID: "b", Type: engpkg.TypeReview, Mode: engpkg.ModeRatio, Ratio: &engpkg.Ratio{Share: 0.5}, Approvers: &engpkg.Approvers{Role: "r"}, Checklist: []engpkg.Text{{"en": "x"}}},
		{ID: "e", Type: engpkg.TypeEnd}},
		Edges: []engpkg.EdgeDoc{{From: "s", To: "a"}, {From: "a", To: "b"}, {From: "b", To: "e"}}}
	flow, err := engpkg.Build(doc, 1)
	if err != nil {
		f.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	f.Fuzz(func(t *testing.T, body []byte) {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		var req service.ActionRequest
		if !decodeStrict(c, body, &req) {
			return
		}
		st := engpkg.NodeState{NodeID: "b", Mode: engpkg.ModeRatio, Need: 2, Pool: 3,
			Tasks: []engpkg.TaskRef{{ID: 1, Assignees: []string{"u1"}}, {ID: 2, Assignees: []string{"u2"}}, {ID: 3, Assignees: []string{"u3"}}}}
		_, _ = engpkg.Act(flow, st, engpkg.Action{Kind: req.Action, TaskID: 1, Actor: "u1", Reason: req.Reason, Comment: req.Comment,
			Node: req.Node, User: req.User, Position: req.Position, Checklist: req.Checklist, Visited: []string{"a"}},
			engpkg.Order{ID: 1, Department: "d", Submitter: "sub", Data: map[string]any{}}, fuzzEnv{})
	})
}
