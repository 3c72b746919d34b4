package service_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/backend/ent/exception"
	"sluice/backend/ent/notification"
	"sluice/backend/ent/stockmove"
	"sluice/backend/ent/timer"
	"sluice/backend/fulfilment"
	"sluice/backend/inventory"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

func TestStockAdjustments(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("SLUICE_SEED"), 10, 64); err == nil {
		seed = v
	}
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		t.Logf("SLUICE_SEED=%d", seed)
		svc := newDemo(t, s)
		ctx := context.Background()
		wh := as(t, s, "warehouse")

		// below zero: 422 at /delta, nothing written
		before := count(t, s)
		moves, _ := s.Read.StockMove.Query().Count(ctx)
		_, err := svc.Adjust(ctx, wh, fulfilment.AdjustmentRequest{SKU: "BLT-M8-30", Warehouse: "main", Delta: -121, Reason: "count"})
		if e, ok := service.AsError(err); !ok || e.Status != 422 || len(e.Errors) != 1 || e.Errors[0].Pointer != "/delta" {
			t.Fatalf("below zero: %v", err)
		}
		if _, err := svc.Adjust(ctx, wh, fulfilment.AdjustmentRequest{SKU: "BLT-M8-30", Warehouse: "main", Delta: -1}); status(err) != 422 {
			t.Fatalf("no reason: %v", err)
		}
		if after := count(t, s); after != before {
			t.Fatalf("a refused adjustment wrote: %+v -> %+v", before, after)
		}
		if n, _ := s.Read.StockMove.Query().Count(ctx); n != moves {
			t.Fatalf("ledger grew on a refusal: %d -> %d", moves, n)
		}
		want(t, s, "BLT-M8-30", 120, 0)

		// not below what is reserved: the small order holds 10 of BLT-M8-30
		o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "small-standard.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		want(t, s, "BLT-M8-30", 120, 10)
		if _, err := svc.Adjust(ctx, wh, fulfilment.AdjustmentRequest{SKU: "BLT-M8-30", Warehouse: "main", Delta: -111, Reason: "count"}); status(err) != 422 {
			t.Fatalf("below reserved: %v", err)
		}
		res, err := svc.Adjust(ctx, wh, fulfilment.AdjustmentRequest{SKU: "BLT-M8-30", Warehouse: "main", Delta: -110, Reason: "count"})
		if err != nil || res.Stock.OnHand != 10 || res.Stock.Available != 0 || !res.Stock.Low || res.Move.Kind != "adjust" || res.Move.Note != "count" {
			t.Fatalf("down to reserved: %+v %v", res, err)
		}

		// who may: the clerk reads, but neither adjusts nor edits products
		clerk := as(t, s, "clerk")
		if _, err := svc.ListStock(ctx, clerk, "", "", false); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Adjust(ctx, clerk, fulfilment.AdjustmentRequest{SKU: "BLT-M8-30", Warehouse: "main", Delta: 5, Reason: "x"}); status(err) != 403 {
			t.Fatalf("clerk adjusting: %v", err)
		}
		name := "x"
		if _, err := svc.CreateProduct(ctx, clerk, fulfilment.ProductInput{SKU: "NEW-1", Name: &name}); status(err) != 403 {
			t.Fatalf("clerk creating a product: %v", err)
		}

		// products and warehouses
		if _, err := svc.CreateWarehouse(ctx, wh, fulfilment.WarehouseInput{Key: "south", Name: "南倉"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateWarehouse(ctx, wh, fulfilment.WarehouseInput{Key: "south"}); status(err) != 409 {
			t.Fatalf("taken warehouse: %v", err)
		}
		price, low := 12.5, 3
		if _, err := svc.CreateProduct(ctx, wh, fulfilment.ProductInput{SKU: "NEW-1", Name: &name, Price: &price, LowStock: &low}); err != nil {
			t.Fatal(err)
		}
		price = 13
		p, err := svc.UpdateProduct(ctx, wh, "NEW-1", fulfilment.ProductInput{Price: &price})
		if err != nil || p.Price != 13 || p.LowStock != 3 || p.Name != "x" {
			t.Fatalf("update: %+v %v", p, err)
		}
		if _, err := svc.UpdateProduct(ctx, wh, "NOPE", fulfilment.ProductInput{Price: &price}); status(err) != 404 {
			t.Fatalf("unknown product: %v", err)
		}

		// random adjustments: every refusal writes nothing, the ledger always adds up
		rng := rand.New(rand.NewPCG(seed, 7))
		skus := []string{"BLT-M8-30", "BRG-6204", "NEW-1"}
		whs := []string{"main", "south"}
		for i := range 60 {
			sku, w := skus[rng.IntN(len(skus))], whs[rng.IntN(len(whs))]
			d := rng.IntN(80) - 40
			if d == 0 {
				d = 1
			}
			lv, _ := inventory.Get(ctx, s.Read, sku, w)
			_, err := svc.Adjust(ctx, wh, fulfilment.AdjustmentRequest{SKU: sku, Warehouse: w, Delta: d, Reason: "random " + strconv.Itoa(i)})
			if lv.Available()+d < 0 {
				if status(err) != 422 {
					t.Fatalf("step %d: %s/%s available %d, delta %d: %v", i, sku, w, lv.Available(), d, err)
				}
				if got, _ := inventory.Get(ctx, s.Read, sku, w); got != lv {
					t.Fatalf("step %d: a refusal changed %+v to %+v", i, lv, got)
				}
			} else if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		ledgerMatches(t, s)
		page, err := svc.ListMoves(ctx, clerk, fulfilment.MoveFilter{SKU: "NEW-1", Limit: 5})
		if err != nil || len(page.Items) == 0 {
			t.Fatalf("ledger: %+v %v", page, err)
		}
		for i := 1; i < len(page.Items); i++ {
			if page.Items[i].ID >= page.Items[i-1].ID {
				t.Fatal("the ledger is not newest first")
			}
		}
		if page.NextCursor != "" {
			next, err := svc.ListMoves(ctx, clerk, fulfilment.MoveFilter{SKU: "NEW-1", Limit: 5, Cursor: page.NextCursor})
			if err != nil || len(next.Items) == 0 || next.Items[0].ID >= page.Items[len(page.Items)-1].ID {
				t.Fatalf("next page: %+v %v", next, err)
			}
		}
		lows, err := svc.ListStock(ctx, clerk, "", "", true)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lows {
			if !l.Low || l.Available >= l.Threshold {
				t.Fatalf("low=true listed %+v", l)
			}
		}
	})
}

// A crossing below the threshold tells the stock desks once; staying low does not
// tell them again, climbing back and falling again does.
func TestLowStockNotifiesOncePerCrossing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		wh := as(t, s, "warehouse")
		told := func(user string) int {
			n, err := s.Read.Notification.Query().Where(notification.Username(user), notification.Type("stock.low")).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		adj := func(d int) {
			t.Helper()
			if _, err := svc.Adjust(ctx, wh, fulfilment.AdjustmentRequest{SKU: "BLT-M8-30", Warehouse: "main", Delta: d, Reason: "count"}); err != nil {
				t.Fatal(err)
			}
		}
		adj(-105) // 15 left, threshold 10
		if n := told("warehouse"); n != 0 {
			t.Fatalf("%d notifications above the threshold", n)
		}
		adj(-10) // 5: crosses
		adj(-1)  // 4: still low
		if n := told("warehouse"); n != 1 {
			t.Fatalf("%d notifications after one crossing", n)
		}
		adj(+20) // 24
		adj(-20) // 4: crosses again
		if n := told("warehouse"); n != 2 {
			t.Fatalf("%d notifications after two crossings", n)
		}
		if n := told("clerk"); n != 0 {
			t.Fatalf("the clerk was told %d times", n)
		}
		if n := told("admin"); n != 0 {
			t.Fatalf("the admin was told %d times", n)
		}
	})
}

// holdTimer returns the order's pending hold_expiry timer.
func holdTimers(t *testing.T, s *store.Store, orderID int, status string) int {
	t.Helper()
	n, err := s.Read.Timer.Query().Where(timer.OrderID(orderID), timer.Kind(service.TimerHoldExpiry), timer.Status(status)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A hold that outlives hold_for (72h in the demo flow) is released exactly once, even
// with two schedulers racing, and the order stops with a stock exception; retry
// reserves again. A hold that ended before makes the timer a no-op.
func TestHoldExpiry(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		o, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "small-standard.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
		at(t, o, "sales_review")
		want(t, s, "BRG-6204", 400, 50)
		tm, err := s.Read.Timer.Query().Where(timer.OrderID(o.ID), timer.Kind(service.TimerHoldExpiry), timer.Status("pending")).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d := tm.DueAt.Sub(tm.CreatedAt); d != 72*time.Hour || tm.TaskID != 0 || tm.Node != "inventory" {
			t.Fatalf("timer %+v", tm)
		}
		start := time.Now()
		// not early
		if fired, err := svc.FireTimer(ctx, tm.ID, start.Add(71*time.Hour), "a"); err != nil || fired {
			t.Fatalf("fired early: %v %v", fired, err)
		}
		// two schedulers race at +73h
		now := start.Add(73 * time.Hour)
		var wg sync.WaitGroup
		var mu sync.Mutex
		fires := 0
		for _, owner := range []string{"a", "b"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 {
					ids, err := svc.ClaimTimers(ctx, owner, now, time.Millisecond, 10)
					if err != nil {
						t.Error(err)
						return
					}
					ids = append(ids, tm.ID) // a stolen lease must not fire it twice either
					for _, id := range ids {
						fired, err := svc.FireTimer(ctx, id, now, owner)
						if err != nil && !strings.Contains(err.Error(), "locked") && !strings.Contains(err.Error(), "busy") {
							t.Error(err)
						}
						if fired && id == tm.ID {
							mu.Lock()
							fires++
							mu.Unlock()
						}
					}
				}
			}()
		}
		wg.Wait()
		if fires != 1 {
			t.Fatalf("the hold timer fired %d times", fires)
		}
		want(t, s, "BRG-6204", 400, 0)
		want(t, s, "BLT-M8-30", 120, 0)
		rel, err := s.Read.StockMove.Query().Where(stockmove.OrderID(o.ID), stockmove.Kind("release")).All(ctx)
		if err != nil || len(rel) != 2 || !strings.Contains(rel[0].Note, "hold expired") {
			t.Fatalf("release moves %+v %v", rel, err)
		}
		ledgerMatches(t, s)
		got, err := svc.GetOrder(ctx, as(t, s, "clerk"), o.ID)
		if err != nil || got.Status != "exception" || len(got.CurrentNodes) != 1 || got.CurrentNodes[0] != "inventory" {
			t.Fatalf("order after expiry: %+v %v", got, err)
		}
		for _, tk := range got.Tasks {
			if tk.Status == "open" {
				t.Fatalf("task still open: %+v", tk)
			}
		}
		ex, err := s.Read.Exception.Query().Where(exception.OrderID(o.ID), exception.Status("open")).Only(ctx)
		if err != nil || ex.Reason != "stock" || ex.Node != "inventory" {
			t.Fatalf("exception %+v %v", ex, err)
		}
		// retry reserves again and arms a new timer
		if _, err := svc.ResolveException(ctx, as(t, s, "manager"), ex.ID, service.ResolveRequest{Action: "retry"}); err != nil {
			t.Fatal(err)
		}
		want(t, s, "BRG-6204", 400, 50)
		if n := holdTimers(t, s, o.ID, "pending"); n != 1 {
			t.Fatalf("%d pending hold timers after the retry", n)
		}

		// a hold that ended first: the order is rejected, its holds released
		o2, _, err := svc.Submit(ctx, as(t, s, "clerk"), sample(t, "small-standard.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		o2 = step(t, svc, s, "clerk", o2, service.ActionRequest{Action: "approve"})
		tm2, err := s.Read.Timer.Query().Where(timer.OrderID(o2.ID), timer.Kind(service.TimerHoldExpiry), timer.Status("pending")).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		o2 = step(t, svc, s, "manager", o2, service.ActionRequest{Action: "reject", Reason: "price_too_low", Comment: "no"})
		if o2.Status != "rejected" {
			t.Fatalf("status %s", o2.Status)
		}
		relBefore, _ := s.Read.StockMove.Query().Where(stockmove.Kind("release")).Count(ctx)
		fired, err := svc.FireTimer(ctx, tm2.ID, now, "a")
		if err != nil || !fired {
			t.Fatalf("fire: %v %v", fired, err)
		}
		after, _ := s.Read.Timer.Get(ctx, tm2.ID)
		if !strings.HasPrefix(after.Outcome, "skipped") {
			t.Fatalf("outcome %q", after.Outcome)
		}
		if n, _ := s.Read.StockMove.Query().Where(stockmove.Kind("release")).Count(ctx); n != relBefore {
			t.Fatal("a no-op hold timer released stock")
		}
		if n, _ := s.Read.Exception.Query().Where(exception.OrderID(o2.ID)).Count(ctx); n != 0 {
			t.Fatal("a no-op hold timer raised an exception")
		}
		ledgerMatches(t, s)
	})
}
