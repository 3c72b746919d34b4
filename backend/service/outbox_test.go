package service_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"sluice/backend/catalogue"
	"sluice/backend/ent/outboxmessage"
	"sluice/backend/inbound"
	"sluice/backend/outbox"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// The demo flow's confirm node writes the confirmation to the outbox, in the order's
// transaction, addressed and rendered from the order; simulating the flow writes none.
func TestConfirmNodeEnqueues(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()

		res, err := svc.Simulate(ctx, as(t, s, "admin"), "order-review", catalogue.SimulateRequest{
			Orders: []catalogue.SimOrder{{Data: sample(t, "small-standard.json").Data, Department: "sales", Submitter: "clerk"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Results) != 1 || len(res.Results[0].Errors) > 0 {
			t.Fatalf("simulation: %+v", res.Results)
		}
		sim, _ := json.Marshal(res.Results[0])
		if !strings.Contains(string(sim), "訂單確認") || !strings.Contains(string(sim), `"dry_run":true`) {
			t.Fatalf("the simulation does not show the rendered confirmation: %s", sim)
		}
		if n, _ := s.Read.OutboxMessage.Query().Count(ctx); n != 0 {
			t.Fatalf("a simulation queued %d messages", n)
		}

		o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "small-standard.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := s.Read.OutboxMessage.Query().Count(ctx); n != 0 {
			t.Fatalf("%d messages before the order reached confirm", n)
		}
		end, _ := walk(t, svc, s, o)
		if end.Status != "completed" {
			t.Fatalf("ended %s", end.Status)
		}
		msgs, err := s.Read.OutboxMessage.Query().Where(outboxmessage.OrderID(o.ID)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 {
			t.Fatalf("%d messages for the order, want 1", len(msgs))
		}
		m := msgs[0]
		if m.Channel != outbox.Email || m.Recipient != "shunda.hw@example.com" || m.Status != outbox.Pending ||
			m.Template != "order_confirmed" || m.Language != "zh-TW" || m.Key != "sluice:"+o.Number+":confirm:email" {
			t.Fatalf("message %+v", m)
		}
		if m.Subject != "訂單確認："+o.Number || !strings.Contains(m.Body, "深溝滾珠軸承 6204") || !strings.Contains(m.Body, "高雄順達五金行") {
			t.Fatalf("rendered %q / %q", m.Subject, m.Body)
		}

		// The admin sees it; a clerk may not; retrying a pending message is a conflict
		// that writes nothing.
		page, err := svc.ListOutbox(ctx, as(t, s, "admin"), inbound.OutboxFilter{Status: "pending"})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != m.ID {
			t.Fatalf("list: %+v %v", page, err)
		}
		if _, err := svc.ListOutbox(ctx, as(t, s, "clerk"), inbound.OutboxFilter{}); status(err) != http.StatusForbidden {
			t.Fatalf("clerk listing: %v", err)
		}
		if _, err := svc.ListOutbox(ctx, as(t, s, "admin"), inbound.OutboxFilter{Status: "lost"}); status(err) != http.StatusUnprocessableEntity {
			t.Fatalf("bad status: %v", err)
		}
		before := count(t, s)
		if _, err := svc.RetryOutbox(ctx, as(t, s, "admin"), m.ID); status(err) != http.StatusConflict {
			t.Fatalf("retrying a pending message: %v", err)
		}
		if _, err := svc.RetryOutbox(ctx, as(t, s, "admin"), m.ID+1000); status(err) != http.StatusNotFound {
			t.Fatalf("retrying an unknown message: %v", err)
		}
		if after := count(t, s); after != before {
			t.Fatalf("refusals wrote: %+v -> %+v", before, after)
		}
		hist, err := history(ctx, svc, as(t, s, "clerk"), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range hist {
			b, _ := json.Marshal(h)
			found = found || (strings.Contains(string(b), `"outbox_id"`) && strings.Contains(string(b), "shunda.hw@example.com"))
		}
		if !found {
			t.Fatalf("the history does not show the queued confirmation")
		}
	})
}
