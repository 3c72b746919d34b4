package service_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"sluice/backend/catalogue"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// A simulation lists, per order, the reminder timers its review nodes would set (from
// the published reminder definition, in its calendar) and the stock it would hold.
func TestSimulateRemindersAndStock(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		admin := as(t, s, "admin")
		// Monday 2 March 2026, 09:00 in Taipei (the reminder's calendar)
		at := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
		var orders []catalogue.SimOrder
		for _, f := range []string{"small-standard.json", "shortage-new.json"} {
			orders = append(orders, catalogue.SimOrder{Data: sample(t, f).Data, Department: "sales", Submitter: "clerk"})
		}
		res, err := svc.Simulate(ctx, admin, "order-review", catalogue.SimulateRequest{Orders: orders, At: &at})
		if err != nil {
			t.Fatal(err)
		}
		small, short := res.Results[0], res.Results[1]
		if small.Error != "" || len(small.Stock) == 0 {
			t.Fatalf("small order: %s stock %+v", small.Error, small.Stock)
		}
		for _, l := range small.Stock {
			if l.Shortage != 0 || l.Qty <= 0 || l.Warehouse != "main" || l.Node != "inventory" {
				t.Fatalf("small order holds %+v", small.Stock)
			}
		}
		i := slices.IndexFunc(short.Stock, func(l catalogue.SimStock) bool { return l.SKU == "BRG-6204" })
		if i < 0 || short.Stock[i].Shortage != 600 || short.Stock[i].Qty != 0 || short.Stock[i].Reason != "over_max_qty" {
			t.Fatalf("shortage order holds %+v", short.Stock)
		}
		find := func(r catalogue.SimOrderResult, node, kind string) catalogue.SimReminder {
			t.Helper()
			for _, x := range r.Reminders {
				if x.Node == node && x.Kind == kind {
					return x
				}
			}
			t.Fatalf("no %s timer at %s: %+v", kind, node, r.Reminders)
			return catalogue.SimReminder{}
		}
		// verify: remind after 2 working hours (11:00 Taipei), every 2h up to 3 times;
		// escalate after a working day (09:00–18:00: the same evening) to the clerk's manager
		rm := find(small, "verify", "remind")
		if !rm.DueAt.Equal(at.Add(2*time.Hour)) || rm.After != "2h" || rm.RepeatEvery != "2h" || rm.MaxTimes != 3 {
			t.Fatalf("verify remind %+v", rm)
		}
		es := find(small, "verify", "escalate")
		if !es.DueAt.Equal(at.Add(9*time.Hour)) || !slices.Equal(es.To, []string{"manager"}) {
			t.Fatalf("verify escalate %+v", es)
		}
		find(small, "sales_review", "remind")
		// the shortage order passes the stock exception, whose escalation goes to the
		// sales managers
		se := find(short, "stock_exception", "escalate")
		if !slices.Contains(se.To, "manager") {
			t.Fatalf("stock exception escalates to %v", se.To)
		}
	})
}

// A draft simulated shows the SLA drafted with it (the reminder draft with the flow's
// key, as the designer saves it), before either is published; a published version
// simulated does not read that draft.
func TestSimulateDraftWithDraftSLA(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		admin := as(t, s, "admin")
		flow := `{"kind":"flow","key":"sla-drafted","form":"order",
 "nodes":[{"id":"start","type":"start"},{"id":"sign","type":"review","mode":"all","approvers":{"users":["manager","manager2"]}},{"id":"end","type":"end"}],
 "edges":[{"from":"start","to":"sign"},{"from":"sign","to":"end"}]}`
		rem := `{"kind":"reminder","key":"sla-drafted","flow":"sla-drafted",
 "rules":{"sign":{"remind_after":"4h","escalate_after":"1d","escalate_to":{"manager_levels":1}}}}`
		if _, err := svc.SaveDraft(ctx, admin, "flow", "sla-drafted", []byte(flow)); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SaveDraft(ctx, admin, "reminder", "sla-drafted", []byte(rem)); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
		req := catalogue.SimulateRequest{Orders: []catalogue.SimOrder{{Data: sample(t, "small-standard.json").Data, Department: "sales", Submitter: "clerk"}},
			Version: json.RawMessage(`"draft"`), At: &at}
		res, err := svc.Simulate(ctx, admin, "sla-drafted", req)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]catalogue.SimReminder{}
		for _, x := range res.Results[0].Reminders {
			got[x.Node+"/"+x.Kind] = x
		}
		rm, es := got["sign/remind"], got["sign/escalate"]
		if len(got) != 2 || !rm.DueAt.Equal(at.Add(4*time.Hour)) || !es.DueAt.Equal(at.Add(24*time.Hour)) {
			t.Fatalf("draft SLA timers %+v", res.Results[0].Reminders)
		}
		// published without its SLA: version 1 has no reminder, whatever the draft says
		if _, err := svc.Publish(ctx, admin, "flow", "sla-drafted"); err != nil {
			t.Fatal(err)
		}
		req.Version = json.RawMessage(`1`)
		if res, err = svc.Simulate(ctx, admin, "sla-drafted", req); err != nil {
			t.Fatal(err)
		}
		if len(res.Results[0].Reminders) != 0 {
			t.Fatalf("version 1 simulated with the draft SLA: %+v", res.Results[0].Reminders)
		}
	})
}
