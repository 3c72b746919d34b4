package service_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"sluice/backend/app"
	"sluice/backend/ent/shipment"
	"sluice/backend/ent/stockmove"
	"sluice/backend/fulfilment"
	"sluice/backend/inventory"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// atShipping submits the small sample (BRG-6204 ×50, BLT-M8-30 ×10) and walks it to
// the ship step.
func atShipping(t *testing.T, svc *app.Service, s *store.Store) *service.OrderView {
	t.Helper()
	o, _, err := svc.Submit(context.Background(), as(t, s, "clerk"), sample(t, "small-standard.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
	o = step(t, svc, s, "manager", o, service.ActionRequest{Action: "approve"})
	at(t, o, "ship")
	return o
}

func ship(carrier, tracking string, lines ...service.ShipmentLine) fulfilment.ShipmentRequest {
	return fulfilment.ShipmentRequest{Carrier: carrier, Tracking: tracking, Lines: lines}
}

func line(sku string, qty int) service.ShipmentLine { return service.ShipmentLine{SKU: sku, Qty: qty} }

// rowCounts is what a refused shipment must not move.
type rowCounts struct {
	counts                         counts
	shipments, moves, reservations int
}

func rows(t *testing.T, s *store.Store) rowCounts {
	t.Helper()
	ctx := context.Background()
	r := rowCounts{counts: count(t, s)}
	r.shipments, _ = s.Read.Shipment.Query().Count(ctx)
	r.moves, _ = s.Read.StockMove.Query().Count(ctx)
	r.reservations, _ = s.Read.Reservation.Query().Count(ctx)
	return r
}

// ledgerMatches: the sums of the ledger's deltas per product and warehouse equal the
// stock rows.
func ledgerMatches(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	moves, err := s.Read.StockMove.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := map[[2]string][2]int{}
	for _, m := range moves {
		k := [2]string{m.Sku, m.Warehouse}
		v := sum[k]
		sum[k] = [2]int{v[0] + m.DeltaOnHand, v[1] + m.DeltaReserved}
	}
	stocks, err := s.Read.Stock.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stocks {
		if got := sum[[2]string{st.Sku, st.Warehouse}]; got != [2]int{st.OnHand, st.Reserved} {
			t.Fatalf("%s@%s: ledger sums %v, row on hand %d reserved %d", st.Sku, st.Warehouse, got, st.OnHand, st.Reserved)
		}
		if st.Reserved < 0 || st.OnHand < st.Reserved {
			t.Fatalf("%s@%s: on hand %d reserved %d", st.Sku, st.Warehouse, st.OnHand, st.Reserved)
		}
	}
}

func lineOf(t *testing.T, o *service.OrderView, sku string) service.LineView {
	t.Helper()
	i := slices.IndexFunc(o.Lines, func(l service.LineView) bool { return l.SKU == sku })
	if i < 0 {
		t.Fatalf("no line %s in %+v", sku, o.Lines)
	}
	return o.Lines[i]
}

func pointer(err error) string {
	if e, ok := service.AsError(err); ok && len(e.Errors) > 0 {
		return e.Errors[0].Pointer
	}
	return ""
}

// A partial shipment leaves the order at the ship step with the rest still to ship; the
// one that ships the rest completes the task and the order moves on, and the demo's
// inventory.ship step ships nothing twice.
func TestShipPartialThenRest(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		o := atShipping(t, svc, s)
		wh := as(t, s, "warehouse")

		res, _, err := svc.Ship(ctx, wh, o.ID, ship("tcat", "TC-0001", line("BRG-6204", 20)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Complete || res.Shipment.Number != "SH-"+o.Number+"-1" || res.Shipment.TrackingURL == "" || res.Shipment.Warehouse != "main" {
			t.Fatalf("first shipment %+v", res)
		}
		at(t, &res.Order, "ship")
		want(t, s, "BRG-6204", 380, 30) // 20 left the warehouse out of the 50 held
		if l := lineOf(t, &res.Order, "BRG-6204"); l.Ordered != 50 || l.Shipped != 20 || l.Remaining != 30 {
			t.Fatalf("line %+v", l)
		}
		ledgerMatches(t, s)

		// over-shipping, a foreign SKU, an unknown carrier: 422, nothing written
		before := rows(t, s)
		for _, tc := range []struct {
			req     fulfilment.ShipmentRequest
			pointer string
		}{
			{ship("tcat", "TC-0002", line("BRG-6204", 31)), "/lines/0/qty"},
			{ship("tcat", "TC-0002", line("BRG-6204", 30), line("BLT-M8-30", 11)), "/lines/1/qty"},
			{ship("tcat", "TC-0002", line("BRG-6204", 20), line("BRG-6204", 11)), "/lines/1/qty"},
			{ship("tcat", "TC-0002", line("MTR-750W", 1)), "/lines/0/sku"},
			{ship("pigeon", "TC-0002", line("BRG-6204", 1)), "/carrier"},
			{ship("tcat", "", line("BRG-6204", 1)), "/tracking"},
			{ship("tcat", "TC-0002", line("BRG-6204", 0)), "/lines/0/qty"},
		} {
			_, _, err := svc.Ship(ctx, wh, o.ID, tc.req, nil)
			if status(err) != 422 || pointer(err) != tc.pointer {
				t.Fatalf("%+v: %v (pointer %q), want 422 at %s", tc.req, err, pointer(err), tc.pointer)
			}
		}
		if after := rows(t, s); after != before {
			t.Fatalf("a refused shipment wrote: %+v → %+v", before, after)
		}

		res, _, err = svc.Ship(ctx, wh, o.ID, ship("hct", "HCT-0002", line("BRG-6204", 30), line("BLT-M8-30", 10)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Complete || res.Shipment.Number != "SH-"+o.Number+"-2" {
			t.Fatalf("second shipment %+v", res)
		}
		at(t, &res.Order, "aftersales") // ship done, inventory_ship ran, after-sales open
		want(t, s, "BRG-6204", 350, 0)
		want(t, s, "BLT-M8-30", 110, 0)
		ledgerMatches(t, s)
		ships, err := s.Read.StockMove.Query().Where(stockmove.OrderID(o.ID), stockmove.Kind("ship")).Count(ctx)
		if err != nil || ships != 3 {
			t.Fatalf("%d ship movements (%v), want 3: inventory.ship must not ship again", ships, err)
		}
		view, err := svc.GetOrder(ctx, as(t, s, "clerk"), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(view.Shipments) != 2 || view.Shipments[1].Carrier != "hct" || len(view.Shipments[1].Lines) != 2 {
			t.Fatalf("shipments %+v", view.Shipments)
		}
		for _, l := range view.Lines {
			if l.Remaining != 0 || l.Shipped != l.Ordered {
				t.Fatalf("line %+v", l)
			}
		}
		hist, err := history(ctx, svc, as(t, s, "clerk"), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, h := range hist {
			if h.Node == "ship" {
				acts = append(acts, h.Actor+":"+h.Action)
			}
		}
		if !slices.Equal(acts, []string{"system:node_entered", "warehouse:shipped", "warehouse:shipped", "system:shipping.completed", "warehouse:approve"}) {
			t.Fatalf("ship step history %v", acts)
		}
		// the step is over: no more shipments
		if _, _, err := svc.Ship(ctx, wh, o.ID, ship("tcat", "TC-0003", line("BRG-6204", 1)), nil); status(err) != 409 {
			t.Fatalf("after shipping: %v, want 409", err)
		}
		list, err := svc.Shipments(ctx, as(t, s, "clerk"), o.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("list %d %v", len(list), err)
		}
	})
}

// Only someone who may act on the shipping task posts shipments, and only while the
// order is at the shipping step.
func TestShipWhoAndWhen(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "small-standard.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		req := ship("tcat", "TC-1000", line("BRG-6204", 1))
		if _, _, err := svc.Ship(ctx, as(t, s, "warehouse"), o.ID, req, nil); status(err) != 409 {
			t.Fatalf("at verify: %v, want 409", err)
		}
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		o = step(t, svc, s, "manager", o, service.ActionRequest{Action: "approve"})
		at(t, o, "ship")
		before := rows(t, s)
		for _, who := range []string{"manager2", "clerk", "service"} {
			if _, _, err := svc.Ship(ctx, as(t, s, who), o.ID, req, nil); status(err) != 403 {
				t.Fatalf("%s: %v, want 403", who, err)
			}
		}
		if _, _, err := svc.Ship(ctx, as(t, s, "warehouse"), o.ID+1000, req, nil); status(err) != 404 {
			t.Fatalf("unknown order: %v", err)
		}
		if after := rows(t, s); after != before {
			t.Fatalf("a refused shipment wrote: %+v → %+v", before, after)
		}
	})
}

// Shipments racing for the same remaining quantity: exactly what remains ships, the
// others are refused, and stock and ledger agree.
func TestShipConcurrent(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		o := atShipping(t, svc, s)
		wh := as(t, s, "warehouse")
		if _, _, err := svc.Ship(ctx, wh, o.ID, ship("tcat", "TC-2000", line("BLT-M8-30", 10)), nil); err != nil {
			t.Fatal(err)
		}
		const n = 8 // 8 × 10 asked, 50 remain
		var wg sync.WaitGroup
		codes := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := svc.Ship(ctx, wh, o.ID, ship("tcat", "TC-2001", line("BRG-6204", 10)), nil)
				codes[i] = status(err)
			}()
		}
		wg.Wait()
		ok, refused := 0, 0
		for _, c := range codes {
			switch c {
			case 200:
				ok++
			case 422, 409: // over the remaining, or the step completed meanwhile
				refused++
			default:
				t.Fatalf("codes %v", codes)
			}
		}
		if ok != 5 || refused != 3 {
			t.Fatalf("%d shipped, %d refused (%v); want 5 and 3", ok, refused, codes)
		}
		want(t, s, "BRG-6204", 350, 0)
		ledgerMatches(t, s)
		if c, _ := s.Read.Shipment.Query().Where(shipment.OrderID(o.ID)).Count(ctx); c != 6 {
			t.Fatalf("%d shipments", c)
		}
		view, err := svc.GetOrder(ctx, as(t, s, "clerk"), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		at(t, view, "aftersales")
	})
}

// A return case linked to a shipped order: the warehouse inspects (good quantities),
// service resolves, inventory.return puts the good ones back on hand; the parent shows
// the case and its timeline; a return of more than shipped is refused and moves nothing.
func TestAfterSalesReturn(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		o := atShipping(t, svc, s)
		if _, _, err := svc.Ship(ctx, as(t, s, "warehouse"), o.ID, ship("tcat", "TC-3000", line("BRG-6204", 50), line("BLT-M8-30", 10)), nil); err != nil {
			t.Fatal(err)
		}
		want(t, s, "BRG-6204", 350, 0)
		srv := as(t, s, "service")
		open := func(qty int) *service.OrderView {
			c, _, err := svc.Submit(ctx, srv, service.SubmitRequest{Flow: "aftersales-return", Parent: o.ID, Data: map[string]any{
				"reason": "damaged", "lines": []any{map[string]any{"sku": "BRG-6204", "qty": float64(qty)}}}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			at(t, c, "inspect")
			if c.Parent != o.ID || c.Department != "service" {
				t.Fatalf("case %+v", c)
			}
			return c
		}
		c := open(5)
		c = step(t, svc, s, "warehouse", c, service.ActionRequest{Action: "approve", Fields: map[string]any{
			"lines": []any{map[string]any{"sku": "BRG-6204", "qty": 5.0, "good_qty": 4.0}}}})
		at(t, c, "resolve")
		c = step(t, svc, s, "service", c, service.ActionRequest{Action: "approve", Fields: map[string]any{"resolution": "refund"}})
		if c.Status != "completed" {
			t.Fatalf("case %s at %v", c.Status, c.CurrentNodes)
		}
		want(t, s, "BRG-6204", 354, 0) // the 4 good ones are back on hand
		ledgerMatches(t, s)
		back, err := s.Read.StockMove.Query().Where(stockmove.OrderID(c.ID), stockmove.Kind(inventory.KindReturn)).All(ctx)
		if err != nil || len(back) != 1 || back[0].DeltaOnHand != 4 {
			t.Fatalf("return movements %+v %v", back, err)
		}

		// 50 shipped, 4 came back: a case returning 47 more is refused when submitted, as
		// is a return about no order
		before := rows(t, s)
		for _, tc := range []struct {
			parent  int
			pointer string
		}{{o.ID, "/data/lines/0/qty"}, {0, "/parent"}} {
			_, _, err := svc.Submit(ctx, srv, service.SubmitRequest{Flow: "aftersales-return", Parent: tc.parent, Data: map[string]any{
				"reason": "damaged", "lines": []any{map[string]any{"sku": "BRG-6204", "qty": 47.0}}}}, nil)
			if status(err) != 422 || pointer(err) != tc.pointer {
				t.Fatalf("parent %d: %v (%q), want 422 at %s", tc.parent, err, pointer(err), tc.pointer)
			}
		}
		if after := rows(t, s); after != before {
			t.Fatalf("a refused return wrote: %+v → %+v", before, after)
		}
		// two cases that each fit but not together: the second is refused at its restock
		c2, c3 := open(30), open(20)
		c2 = step(t, svc, s, "warehouse", c2, service.ActionRequest{Action: "approve"})
		c2 = step(t, svc, s, "service", c2, service.ActionRequest{Action: "approve", Fields: map[string]any{"resolution": "replacement"}})
		if c2.Status != "completed" {
			t.Fatalf("second case %s", c2.Status)
		}
		want(t, s, "BRG-6204", 384, 0)
		c3 = step(t, svc, s, "warehouse", c3, service.ActionRequest{Action: "approve"})
		before = rows(t, s)
		res, _, err := svc.Act(ctx, srv, c3.Tasks[0].ID, service.ActionRequest{Action: "approve", Checklist: ticks(c3.Tasks[0]),
			Fields: map[string]any{"resolution": "refund"}}, nil)
		switch {
		case err != nil:
			if status(err) != 422 {
				t.Fatalf("over-return: %v, want 422", err)
			}
			if after := rows(t, s); after != before {
				t.Fatalf("a refused return wrote: %+v → %+v", before, after)
			}
		case res.Order.Status != "exception": // a plugin failure may instead raise an exception on the case
			t.Fatalf("over-return went on: %s", res.Order.Status)
		}
		want(t, s, "BRG-6204", 384, 0)
		ledgerMatches(t, s)

		// the parent shows its cases, and its timeline their opening and end
		view, err := svc.GetOrder(ctx, as(t, s, "clerk"), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(view.Children) != 3 || view.Children[0].ID != c.ID || view.Children[0].Status != "completed" ||
			view.Children[0].Flow != "aftersales-return" || view.Children[2].ID != c3.ID || view.Children[2].Status == "completed" {
			t.Fatalf("children %+v", view.Children)
		}
		hist, err := history(ctx, svc, as(t, s, "clerk"), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		var cases []string
		for _, h := range hist {
			if h.Action == service.ActionCaseOpened || h.Action == service.ActionCaseEnded {
				cases = append(cases, h.Action)
			}
		}
		if !slices.Equal(cases, []string{service.ActionCaseOpened, service.ActionCaseEnded, service.ActionCaseOpened, service.ActionCaseOpened, service.ActionCaseEnded}) {
			t.Fatalf("parent timeline %v", cases)
		}
	})
}

// A complaint case: customer service triages, a high severity goes past the sales
// manager, service records the resolution; the parent's timeline shows it end.
func TestAfterSalesComplaint(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "small-standard.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := svc.Submit(ctx, as(t, s, "service"), service.SubmitRequest{Flow: "aftersales-complaint", Parent: o.ID,
			Data: map[string]any{"description": "送貨延誤三天", "severity": "high"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		c = step(t, svc, s, "service", c, service.ActionRequest{Action: "approve"})
		at(t, c, "escalate")
		c = step(t, svc, s, "manager", c, service.ActionRequest{Action: "approve"})
		c = step(t, svc, s, "service", c, service.ActionRequest{Action: "approve", Fields: map[string]any{"resolution": "致歉並補償運費"}})
		if c.Status != "completed" {
			t.Fatalf("complaint %s at %v", c.Status, c.CurrentNodes)
		}
		hist, err := history(ctx, svc, as(t, s, "clerk"), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := hist[len(hist)-1]
		if last.Action != service.ActionCaseEnded || last.Detail["status"] != "completed" {
			t.Fatalf("last entry of the parent %+v", last)
		}
	})
}
