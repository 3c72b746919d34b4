package service_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"

	"sluice/backend/app"
	"sluice/backend/ent/event"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// step acts and fails the test on error.
func step(t *testing.T, svc *app.Service, s *store.Store, who string, o *service.OrderView, req service.ActionRequest) *service.OrderView {
	t.Helper()
	i := slices.IndexFunc(o.Tasks, func(tk service.TaskView) bool { return slices.Contains(tk.Assignees, who) && tk.Status == "open" })
	if i < 0 {
		t.Fatalf("%s has no open task on %s at %v: %+v", who, o.Number, o.CurrentNodes, o.Tasks)
	}
	if req.Action == "approve" && req.Checklist == nil {
		req.Checklist = ticks(o.Tasks[i])
	}
	res, _, err := svc.Act(context.Background(), as(t, s, who), o.Tasks[i].ID, req, nil)
	if err != nil {
		t.Fatalf("%s %s at %s: %v", who, req.Action, o.Tasks[i].Node, err)
	}
	return &res.Order
}

func at(t *testing.T, o *service.OrderView, node string) {
	t.Helper()
	if len(o.CurrentNodes) != 1 || o.CurrentNodes[0] != node {
		t.Fatalf("order at %v (%s), want %s", o.CurrentNodes, o.Status, node)
	}
}

func TestRatioCommitteeWithCC(t *testing.T) {
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
		if len(o.Tasks) != 3 {
			t.Fatalf("three voters, got %+v", o.Tasks)
		}
		o = step(t, svc, s, "finance", o, service.ActionRequest{Action: "reject", Reason: "credit_risk"})
		at(t, o, "committee") // 0 of 2, two still possible
		o = step(t, svc, s, "manager", o, service.ActionRequest{Action: "approve"})
		o = step(t, svc, s, "finance2", o, service.ActionRequest{Action: "approve"})
		at(t, o, "finance_review") // 2 of 3 reached
		cc, err := tasks(ctx, svc, as(t, s, "service"), "cc")
		if err != nil || len(cc) != 1 || cc[0].Node != "committee" {
			t.Fatalf("service was CC'd on the committee: %+v %v", cc, err)
		}
	})
}

func TestReturnDirectDelegateTransferAddSigner(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "large-vip.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		at(t, o, "sales_review")
		// the manager delegates; the delegate transfers; the final delegate recommends
		o = step(t, svc, s, "manager", o, service.ActionRequest{Action: "delegate", User: "manager2"})
		o = step(t, svc, s, "manager2", o, service.ActionRequest{Action: "transfer", User: "warehouse"})
		o = step(t, svc, s, "warehouse", o, service.ActionRequest{Action: "approve", Comment: "looks fine"})
		at(t, o, "sales_review")
		if o.Tasks[0].Assignees[0] != "manager" || o.Tasks[0].Comment == "" {
			t.Fatalf("back to the delegator with the recommendation: %+v", o.Tasks)
		}
		// the manager adds finance2 to sign after, then approves
		o = step(t, svc, s, "manager", o, service.ActionRequest{Action: "add_signer", User: "service"})
		o = step(t, svc, s, "manager", o, service.ActionRequest{Action: "approve"})
		at(t, o, "sales_review")
		o = step(t, svc, s, "service", o, service.ActionRequest{Action: "approve"})
		at(t, o, "finance_review")
		// finance returns to verify; after verify it comes straight back
		o = step(t, svc, s, "finance", o, service.ActionRequest{Action: "approve"})
		o = step(t, svc, s, "finance2", o, service.ActionRequest{Action: "return", Node: "verify", Reason: "payment_terms", Comment: "請確認付款條件"})
		at(t, o, "verify")
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		at(t, o, "finance_review")
		if len(o.Tasks) != 2 {
			t.Fatalf("the countersign starts again: %+v", o.Tasks)
		}
		hist, err := history(ctx, svc, as(t, s, "clerk"), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, h := range hist {
			acts = append(acts, h.Action)
		}
		for _, want := range []string{"delegate", "transfer", "add_signer", "return"} {
			if !slices.Contains(acts, want) {
				t.Fatalf("history lacks %s: %v", want, acts)
			}
		}
	})
}

func TestWithdrawUrgeBatch(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		clerk := as(t, s, "clerk")
		submit := func() *service.OrderView {
			o, _, err := svc.Submit(ctx, clerk, sample(t, "small-standard.json"), nil)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		// untouched: the submitter may withdraw, even after their own verification
		o := submit()
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		res, _, err := svc.Act(ctx, clerk, o.Tasks[0].ID, service.ActionRequest{Action: "withdraw"}, nil)
		if err != nil || res.Order.Status != "withdrawn" || len(res.Order.Tasks) != 0 {
			t.Fatalf("withdraw: %v %+v", err, res)
		}
		if mine, _ := tasks(ctx, svc, as(t, s, "manager"), "mine"); len(mine) != 0 {
			t.Fatalf("the withdrawn order's task is still in the manager's inbox: %+v", mine)
		}
		// after a reviewer acted, withdrawing is refused
		o = submit()
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		o = step(t, svc, s, "manager", o, service.ActionRequest{Action: "approve"})
		if _, _, err := svc.Act(ctx, clerk, o.Tasks[0].ID, service.ActionRequest{Action: "withdraw"}, nil); status(err) != http.StatusConflict {
			t.Fatalf("withdraw after review: %v", err)
		}
		if _, _, err := svc.Act(ctx, as(t, s, "manager"), o.Tasks[0].ID, service.ActionRequest{Action: "withdraw"}, nil); status(err) != http.StatusForbidden {
			t.Fatalf("withdraw by a non-submitter: %v", err)
		}
		// urging your own task makes no sense
		own := submit()
		if _, _, err := svc.Act(ctx, clerk, own.Tasks[0].ID, service.ActionRequest{Action: "urge"}, nil); status(err) != 422 {
			t.Fatalf("urging one's own task: %v", err)
		}
		// urge: once, then 429 until the window passes
		before, _ := s.Read.Event.Query().Where(event.Topic("user:warehouse"), event.Type("task.urged")).Count(ctx)
		if _, _, err := svc.Act(ctx, clerk, o.Tasks[0].ID, service.ActionRequest{Action: "urge", Comment: "客戶在催"}, nil); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Act(ctx, clerk, o.Tasks[0].ID, service.ActionRequest{Action: "urge"}, nil); status(err) != http.StatusTooManyRequests {
			t.Fatalf("second urge: %v", err)
		}
		after, _ := s.Read.Event.Query().Where(event.Topic("user:warehouse"), event.Type("task.urged")).Count(ctx)
		if after != before+1 {
			t.Fatalf("urge events %d → %d", before, after)
		}
		// only the submitter urges (README: "urge (the submitter…)"): reading every order
		// or administering does not make someone else's order theirs to chase
		o2 := submit()
		o2 = step(t, svc, s, "clerk", o2, service.ActionRequest{Action: "approve"})
		c0 := count(t, s)
		for _, who := range []string{"finance", "warehouse", "service", "admin", "manager2"} {
			if _, _, err := svc.Act(ctx, as(t, s, who), o2.Tasks[0].ID, service.ActionRequest{Action: "urge"}, nil); status(err) != http.StatusForbidden {
				t.Fatalf("%s urged someone else's order: %v", who, err)
			}
		}
		if c1 := count(t, s); c1 != c0 {
			t.Fatalf("refused urges wrote: %+v → %+v", c0, c1)
		}
		// batch: the manager approves three sales reviews; one task is not theirs
		var ids []int
		for i := 0; i < 3; i++ {
			o := submit()
			o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
			ids = append(ids, o.Tasks[0].ID)
		}
		foreign := submit().Tasks[0].ID // a verify task: the clerk's
		items, err := svc.Batch(ctx, as(t, s, "manager"), service.BatchRequest{Tasks: append(ids, foreign), ActionRequest: service.ActionRequest{Action: "approve", Checklist: []bool{true, true}}})
		if err != nil {
			t.Fatal(err)
		}
		for i, it := range items {
			want := http.StatusOK
			if i == 3 {
				want = http.StatusForbidden
			}
			if it.Status != want {
				t.Fatalf("batch item %d: %d %+v", i, it.Status, it.Error)
			}
		}
	})
}

// Fifty reviewers' tabs racing on one task: exactly one transition, the rest 409.
func TestFiftyRacersOneTransition(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		clerk := as(t, s, "clerk")
		o, _, err := svc.Submit(ctx, clerk, sample(t, "small-standard.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		codes := make([]int, 50)
		for i := range codes {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, _, err := svc.Act(ctx, clerk, o.Tasks[0].ID, service.ActionRequest{Action: "approve", Checklist: ticks(o.Tasks[0])}, nil)
				codes[i] = status(err)
			}(i)
		}
		wg.Wait()
		ok := 0
		for _, c := range codes {
			switch c {
			case 200:
				ok++
			case 409:
			default:
				t.Fatalf("unexpected status %d in %v", c, codes)
			}
		}
		if ok != 1 {
			t.Fatalf("%d transitions, want exactly 1: %v", ok, codes)
		}
		n, _ := s.Read.AuditEntry.Query().Count(ctx)
		got, _ := svc.GetOrder(ctx, clerk, o.ID)
		if len(got.Tasks) != 1 || got.Tasks[0].Node != "sales_review" || n == 0 {
			t.Fatalf("after the race: %+v", got.Tasks)
		}
	})
}

// An edit voids exactly the approvals that saw what changed: the finance reviewer
// changes a quantity, so verify and sales review (which saw the items) approve again;
// a note change voids only verify, because sales review does not see the note.
func TestEditVoidsApprovalsThatSawIt(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		walkToFinance := func() *service.OrderView {
			o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "large-vip.json"), nil)
			if err != nil {
				t.Fatal(err)
			}
			o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
			if len(o.Tasks) != 1 || o.Tasks[0].Editable != nil {
				t.Fatalf("sales review edits nothing: %+v", o.Tasks)
			}
			o = step(t, svc, s, "manager", o, service.ActionRequest{Action: "approve"})
			at(t, o, "finance_review")
			// the task says what its reviewers may edit
			if len(o.Tasks) == 0 || !slices.Equal(o.Tasks[0].Editable, []string{"items", "note"}) {
				t.Fatalf("editable of finance review: %+v", o.Tasks)
			}
			return o
		}
		o := walkToFinance()
		items := o.Data["items"].([]any)
		items[0].(map[string]any)["qty"] = 13.0
		o = step(t, svc, s, "finance", o, service.ActionRequest{Action: "approve", Fields: map[string]any{"items": items}})
		at(t, o, "verify")
		if o.Total != 80600+3800 {
			t.Fatalf("total not recomputed: %v", o.Total)
		}
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		at(t, o, "sales_review") // voided too: it saw the items
		o = step(t, svc, s, "manager", o, service.ActionRequest{Action: "approve"})
		at(t, o, "finance_review") // straight back, both finance votes again
		if len(o.Tasks) != 2 {
			t.Fatalf("%+v", o.Tasks)
		}

		o = walkToFinance()
		o = step(t, svc, s, "finance", o, service.ActionRequest{Action: "comment", Comment: "補充備註", Fields: map[string]any{"note": "請改為一次出貨"}})
		at(t, o, "verify")
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		at(t, o, "finance_review") // sales review never saw the note: its approval holds

		// what may not be edited is refused, and nothing changes
		o2 := walkToFinance()
		for _, f := range []map[string]any{{"currency": "USD"}, {"items": "not a list"}} {
			_, _, err := svc.Act(ctx, as(t, s, "finance"), o2.Tasks[0].ID, service.ActionRequest{Action: "approve", Fields: f}, nil)
			if e, ok := service.AsError(err); !ok || e.Status != 422 || len(e.Errors) == 0 || e.Errors[0].Pointer[:8] != "/fields/" {
				t.Fatalf("%v: %v", f, err)
			}
		}
		got, _ := svc.GetOrder(ctx, as(t, s, "finance"), o2.ID)
		if got.Data["currency"] != "TWD" || got.Version != o2.Version {
			t.Fatalf("a refused edit changed the order: %+v", got.Data)
		}
	})
}

// Someone whose only trace on an order is an assignee row (a task handed over or decided
// without them, its assignee list no longer naming them) worked on it: at a node that
// does not hide the note they see it; without the row they do not.
func TestHiddenFieldsSeenThroughAnAssigneeRow(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "large-vip.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		verify := o.Tasks[0]
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		at(t, o, "sales_review")
		if got, err := svc.GetOrder(ctx, as(t, s, "finance"), o.ID); err != nil {
			t.Fatal(err)
		} else if _, shown := got.Data["note"]; shown {
			t.Fatalf("finance, with no work on the order, sees the note: %v", got.Data)
		}
		if err := s.Client.TaskAssignee.Create().SetTaskID(verify.ID).SetUsername("finance").SetOpen(false).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if got, err := svc.GetOrder(ctx, as(t, s, "finance"), o.ID); err != nil {
			t.Fatal(err)
		} else if got.Data["note"] == nil {
			t.Fatalf("finance, once assigned at verify, does not see the note: %v", got.Data)
		}
	})
}

// A node's hidden fields are not shown to its reviewers; the submitter sees them.
func TestHiddenFieldsAreHiddenFromTheNode(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "large-vip.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		at(t, o, "sales_review")
		mgr, err := svc.GetOrder(ctx, as(t, s, "manager"), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, shown := mgr.Data["note"]; shown || mgr.Data["items"] == nil {
			t.Fatalf("sales review hides the note only: %v", mgr.Data)
		}
		if own, _ := svc.GetOrder(ctx, as(t, s, "clerk"), o.ID); own.Data["note"] == nil {
			t.Fatal("the submitter sees the note")
		}
	})
}
