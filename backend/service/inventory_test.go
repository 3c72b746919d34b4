package service_test

import (
	"context"
	"testing"

	"sluice/backend/ent/event"
	"sluice/backend/ent/reservation"
	"sluice/backend/ent/stockmove"
	"sluice/backend/fulfilment"
	"sluice/backend/inventory"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// stockOf reads a demo product's stock in the main warehouse.
func stockOf(t *testing.T, s *store.Store, sku string) inventory.Level {
	t.Helper()
	l, err := inventory.Get(context.Background(), s.Read, sku, "main")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func want(t *testing.T, s *store.Store, sku string, onHand, reserved int) {
	t.Helper()
	if l := stockOf(t, s, sku); l.OnHand != onHand || l.Reserved != reserved {
		t.Fatalf("%s: on hand %d reserved %d, want %d and %d", sku, l.OnHand, l.Reserved, onHand, reserved)
	}
}

func reservations(t *testing.T, s *store.Store, orderID int, status string) int {
	t.Helper()
	n, err := s.Read.Reservation.Query().Where(reservation.OrderID(orderID), reservation.Status(status)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The demo order reserves at the inventory check, ships its reservations after the
// ship step, and the ledger shows both.
func TestInventoryReserveAndShip(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		want(t, s, "BRG-6204", 400, 0) // seeded from demo.json
		want(t, s, "BLT-M8-30", 120, 0)
		o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "small-standard.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"}) // verify → inventory check
		at(t, o, "sales_review")
		want(t, s, "BRG-6204", 400, 50)
		want(t, s, "BLT-M8-30", 120, 10)
		if n := reservations(t, s, o.ID, inventory.Held); n != 2 {
			t.Fatalf("%d held reservations", n)
		}
		o = step(t, svc, s, "manager", o, service.ActionRequest{Action: "approve"})
		at(t, o, "ship")
		want(t, s, "BRG-6204", 400, 50) // confirm and print move nothing
		o = step(t, svc, s, "warehouse", o, service.ActionRequest{Action: "approve"})
		at(t, o, "aftersales")
		want(t, s, "BRG-6204", 350, 0)
		want(t, s, "BLT-M8-30", 110, 0)
		if n := reservations(t, s, o.ID, inventory.Shipped); n != 2 {
			t.Fatalf("%d shipped reservations", n)
		}
		o = step(t, svc, s, "service", o, service.ActionRequest{Action: "approve"})
		if o.Status != "completed" {
			t.Fatalf("status %s", o.Status)
		}
		want(t, s, "BRG-6204", 350, 0) // completing moves nothing more
		kinds, err := s.Read.StockMove.Query().Where(stockmove.OrderID(o.ID)).Select(stockmove.FieldKind).Strings(ctx)
		if err != nil || len(kinds) != 4 || kinds[0] != "reserve" || kinds[3] != "ship" {
			t.Fatalf("ledger of the order: %v %v", kinds, err)
		}
		hist, err := history(ctx, svc, as(t, s, "clerk"), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		var nodes []string
		for _, h := range hist {
			if h.Action == "plugin" {
				nodes = append(nodes, h.Node)
			}
		}
		if len(nodes) != 5 || nodes[0] != "checks" || nodes[1] != "inventory" || nodes[4] != "inventory_ship" {
			t.Fatalf("automatic steps %v", nodes)
		}
	})
}

// Reject, withdraw: the order's reservations go back to available stock.
func TestInventoryReleaseOnRejectAndWithdraw(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		clerk := as(t, s, "clerk")
		o, _, err := svc.Submit(ctx, clerk, sample(t, "small-standard.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		want(t, s, "BRG-6204", 400, 50)
		o = step(t, svc, s, "manager", o, service.ActionRequest{Action: "reject", Reason: "credit_risk"})
		if o.Status != "rejected" {
			t.Fatalf("status %s", o.Status)
		}
		want(t, s, "BRG-6204", 400, 0)
		want(t, s, "BLT-M8-30", 120, 0)
		if n := reservations(t, s, o.ID, inventory.Released); n != 2 {
			t.Fatalf("%d released reservations", n)
		}

		o, _, err = svc.Submit(ctx, clerk, sample(t, "small-standard.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		want(t, s, "BRG-6204", 400, 50)
		res, _, err := svc.Act(ctx, clerk, o.Tasks[0].ID, service.ActionRequest{Action: "withdraw"}, nil)
		if err != nil || res.Order.Status != "withdrawn" {
			t.Fatalf("withdraw: %v", err)
		}
		want(t, s, "BRG-6204", 400, 0)
		if n := reservations(t, s, o.ID, inventory.Held); n != 0 {
			t.Fatalf("%d reservations still held", n)
		}
	})
}

// The shortage sample (600 bearings, 400 in stock) blocks: nothing is reserved and the
// order goes to the warehouse's stock exception; a return through the check re-reserves
// rather than holding twice.
func TestInventoryShortageBlocks(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "shortage-new.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		at(t, o, "stock_exception")
		want(t, s, "BRG-6204", 400, 0)
		want(t, s, "SNS-PROX-M12", 80, 0)
		if n := reservations(t, s, o.ID, inventory.Held); n != 0 {
			t.Fatalf("a blocked order holds %d reservations", n)
		}
		// the check runs again after a return to verify: it holds once, not twice
		o2, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "small-standard.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		o2 = step(t, svc, s, "clerk", o2, service.ActionRequest{Action: "approve"})
		o2 = step(t, svc, s, "manager", o2, service.ActionRequest{Action: "return", Node: "verify", Comment: "請再確認"})
		at(t, o2, "verify")
		o2 = step(t, svc, s, "clerk", o2, service.ActionRequest{Action: "approve"})
		at(t, o2, "sales_review")
		want(t, s, "BRG-6204", 400, 50)
		if n := reservations(t, s, o2.ID, inventory.Held); n != 2 {
			t.Fatalf("%d held reservations after the second check", n)
		}
	})
}

// Reserving takes a product below its low-stock threshold: a stock.low event goes to
// the warehouse's board, once.
func TestInventoryLowStockEvent(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		req := sample(t, "small-standard.json")
		req.Data["items"] = []any{map[string]any{"sku": "SNS-PROX-M12", "name": "近接開關 M12", "qty": 75.0, "price": 260.0}}
		lows := func() int {
			n, err := s.Read.Event.Query().Where(event.Type("stock.low"), event.Topic(fulfilment.TopicWarehouse)).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		for i, wantLows := range []int{1, 1} {
			o, _, err := svc.Submit(ctx, as(t, s, "clerk"), req, nil)
			if err != nil {
				t.Fatal(err)
			}
			o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
			if i == 0 {
				at(t, o, "sales_review") // 80 → 5 available: reserved, and low
			} else {
				at(t, o, "stock_exception") // 5 available: short
			}
			if n := lows(); n != wantLows {
				t.Fatalf("order %d: %d stock.low events, want %d", i, n, wantLows)
			}
		}
	})
}
