package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"sluice/backend/catalogue"
	"sluice/backend/ent/event"
	"sluice/backend/ent/timer"
	"sluice/backend/fulfilment"
	"sluice/backend/goods"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	"sluice/plugins"
)

// watermark is a plugin that lives outside plugins/ and goes through the same host as
// the built-in ones: settings provisioned once per flow version, stock read through
// the Stock port, and its answer given as typed effects the service applies.
type watermark struct{ provisions *atomic.Int64 }

type watermarkSettings struct {
	SKU         string `json:"sku"`
	Threshold   int    `json:"threshold"`
	HoldMinutes int    `json:"hold_minutes,omitempty"`
}

func (watermark) Name() string       { return "test.watermark" }
func (watermark) Outcomes() []string { return nil }
func (watermark) SettingsSchema() json.RawMessage {
	return json.RawMessage(`{"type":"object","additionalProperties":false,"required":["sku","threshold"],
	  "properties":{"sku":{"type":"string","minLength":1},"threshold":{"type":"integer"},"hold_minutes":{"type":"integer","minimum":1}}}`)
}

func (w watermark) Provision(raw json.RawMessage) (any, error) {
	w.provisions.Add(1)
	var s watermarkSettings
	if err := plugins.DecodeSettings("test.watermark", raw, &s); err != nil {
		return nil, err
	}
	if s.Threshold <= 0 { // beyond what the schema says: only Provision can refuse it
		return nil, &plugins.SettingError{Pointer: "/threshold", Message: "the threshold must be positive"}
	}
	return s, nil
}

func (watermark) Run(ctx context.Context, in plugins.Input) (plugins.Output, error) {
	s, err := plugins.Config[watermarkSettings]("test.watermark", in)
	if err != nil {
		return plugins.Output{}, err
	}
	l, err := in.Ports.Stock.Level(ctx, s.SKU, goods.DefaultWarehouse)
	if err != nil {
		return plugins.Output{}, err
	}
	detail := map[string]any{"sku": s.SKU, "available": l.Available()}
	if in.DryRun {
		// a dry run's ports refuse writes
		_, err := in.Ports.Stock.Reserve(ctx, in.Order.ID, s.SKU, goods.DefaultWarehouse, 1)
		detail["write_refused"] = errors.Is(err, plugins.ErrDryRun)
	}
	out := plugins.Output{Outcome: "ok", Detail: detail}
	if l.Available() < s.Threshold {
		out.Effects.StockLow = []goods.Low{{SKU: s.SKU, Warehouse: goods.DefaultWarehouse, Available: l.Available(), Threshold: s.Threshold}}
	}
	out.Effects.HoldFor = time.Duration(s.HoldMinutes) * time.Minute
	return out, nil
}

var watermarkProvisions atomic.Int64

func init() { plugins.Register(watermark{&watermarkProvisions}) }

func watermarkFlow(threshold int) string {
	return fmt.Sprintf(`{"kind":"flow","key":"watermarked","form":"order",
 "nodes":[{"id":"start","type":"start"},
  {"id":"inventory","type":"task","plugin":"inventory.check","settings":{"policy":"partial"}},
  {"id":"mark","type":"task","plugin":"test.watermark","settings":{"sku":"GBX-RV40","threshold":%d,"hold_minutes":90}},
  {"id":"verify","type":"review","mode":"any","approvers":{"role":"order_clerk"},"allow_self":true},
  {"id":"done","type":"end"}],
 "edges":[{"from":"start","to":"inventory"},{"from":"inventory","to":"mark","default":true},{"from":"inventory","to":"mark","outcome":"partial"},
  {"from":"mark","to":"verify"},{"from":"verify","to":"done"}]}`, threshold)
}

// A plugin registered by a test runs through the host end to end: a bad setting only
// its Provision catches is a 422 at publish with a pointer into the settings; a good
// one is provisioned per flow version, not per run; on submit the plugin reads stock
// through its port, and its typed effects are applied (a stock.low event, a hold
// timer at its node); a simulation runs it with read-only ports and applies nothing.
func TestPluginOutsidePluginsRunsThroughTheHost(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		admin := as(t, s, "admin")

		_, err := svc.SaveDraft(ctx, admin, "flow", "watermarked", []byte(watermarkFlow(0)))
		if err == nil {
			_, err = svc.Publish(ctx, admin, "flow", "watermarked")
		}
		e, ok := service.AsError(err)
		if !ok || e.Status != 422 || len(e.Errors) == 0 || e.Errors[0].Pointer != "/nodes/2/settings/threshold" {
			t.Fatalf("a threshold of 0: want 422 at /nodes/2/settings/threshold, got %v (%+v)", err, e)
		}

		if _, err := svc.SaveDraft(ctx, admin, "flow", "watermarked", []byte(watermarkFlow(1000))); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Publish(ctx, admin, "flow", "watermarked"); err != nil {
			t.Fatal(err)
		}
		var orders []*service.OrderView
		submit := func() {
			req := sample(t, "small-standard.json")
			req.Flow = "watermarked"
			o, _, err := svc.Submit(ctx, as(t, s, "clerk"), req, nil)
			if err != nil {
				t.Fatal(err)
			}
			if o.Status != "in_review" || len(o.CurrentNodes) != 1 || o.CurrentNodes[0] != "verify" {
				t.Fatalf("order %s at %v, want in review at verify", o.Status, o.CurrentNodes)
			}
			orders = append(orders, o)
		}
		submit()
		provisioned := watermarkProvisions.Load()
		submit()
		submit()
		if n := watermarkProvisions.Load(); n != provisioned {
			t.Fatalf("settings provisioned %d more times over two runs; want once per flow version", n-provisioned)
		}

		for _, o := range orders {
			evs, err := s.Read.Event.Query().Where(event.Type("stock.low"), event.Topic(fulfilment.TopicWarehouse)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			found := 0
			for _, ev := range evs {
				if ev.Data["sku"] == "GBX-RV40" && fmt.Sprint(ev.Data["threshold"]) == "1000" && fmt.Sprint(ev.Data["order_id"]) == fmt.Sprint(o.ID) {
					found++
				}
			}
			if found != 1 {
				t.Fatalf("order %d: %d stock.low events from the plugin's effect, want 1", o.ID, found)
			}
			tms, err := s.Read.Timer.Query().Where(timer.OrderID(o.ID), timer.Kind(service.TimerHoldExpiry), timer.Status(service.TimerPending)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(tms) != 1 || tms[0].Node != "mark" {
				t.Fatalf("order %d: hold timers %+v, want one pending at mark", o.ID, tms)
			}
			if d := time.Until(tms[0].DueAt); d < 85*time.Minute || d > 91*time.Minute {
				t.Fatalf("order %d: hold timer due in %s, want about 90m", o.ID, d)
			}
		}

		before, err := s.Read.Event.Query().Where(event.Type("stock.low")).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		req := sample(t, "small-standard.json")
		res, err := svc.Simulate(ctx, admin, "watermarked", catalogue.SimulateRequest{Orders: []catalogue.SimOrder{{Data: req.Data, Department: "sales", Submitter: "clerk"}}})
		if err != nil {
			t.Fatal(err)
		}
		var step map[string]any
		for _, st := range res.Results[0].Path {
			if st.Node == "mark" {
				step = st.Detail
			}
		}
		if step == nil || step["write_refused"] != true || step["sku"] != "GBX-RV40" {
			t.Fatalf("simulated mark step: %v, want the plugin run with read-only ports (%+v)", step, res.Results[0])
		}
		if after, _ := s.Read.Event.Query().Where(event.Type("stock.low")).Count(ctx); after != before {
			t.Fatalf("a simulation applied effects: %d stock.low events, was %d", after, before)
		}
	})
}
