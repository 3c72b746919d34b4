package service_test

import (
	"context"
	"slices"
	"testing"

	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// GET /orders/{id} shows the vote of each open review node: a ratio vote's counters
// and who decided, then a countersign's.
func TestOrderShowsVoteState(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "committee-project.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		o = step(t, svc, s, "manager", o, service.ActionRequest{Action: "approve"})
		at(t, o, "committee")
		vote := func(want service.VoteView) {
			t.Helper()
			got, err := svc.GetOrder(ctx, as(t, s, "clerk"), o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Votes) != 1 {
				t.Fatalf("votes %+v", got.Votes)
			}
			v := got.Votes[0]
			v.NodeName = nil
			if v.Node != want.Node || v.Mode != want.Mode || v.Need != want.Need || v.Pool != want.Pool || v.Approvals != want.Approvals ||
				v.Rejections != want.Rejections || !slices.Equal(v.Queue, want.Queue) || !slices.Equal(v.ApprovedBy, want.ApprovedBy) ||
				!slices.Equal(v.RejectedBy, want.RejectedBy) || v.Summary != want.Summary {
				t.Fatalf("vote %+v, want %+v", v, want)
			}
		}
		vote(service.VoteView{Node: "committee", Mode: "ratio", Need: 2, Pool: 3, Queue: []string{}, ApprovedBy: []string{}, RejectedBy: []string{},
			Summary: "0 of 3 approved (2 needed)"})
		o = step(t, svc, s, "finance", o, service.ActionRequest{Action: "reject", Reason: "credit_risk"})
		o = step(t, svc, s, "manager", o, service.ActionRequest{Action: "approve"})
		vote(service.VoteView{Node: "committee", Mode: "ratio", Need: 2, Pool: 3, Approvals: 1, Rejections: 1, Queue: []string{},
			ApprovedBy: []string{"manager"}, RejectedBy: []string{"finance"}, Summary: "1 of 3 approved (2 needed), 1 rejected"})
		o = step(t, svc, s, "finance2", o, service.ActionRequest{Action: "approve"})
		at(t, o, "finance_review")
		o = step(t, svc, s, "finance", o, service.ActionRequest{Action: "approve"})
		vote(service.VoteView{Node: "finance_review", Mode: "all", Need: 2, Pool: 2, Approvals: 1, Queue: []string{},
			ApprovedBy: []string{"finance"}, RejectedBy: []string{}, Summary: "1 of 2 approved (2 needed)"})
	})
}
