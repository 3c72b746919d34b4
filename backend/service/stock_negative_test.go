package service_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"sluice/backend/fulfilment"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// Random adjustments never leave stock below zero: one that would is a 422 at /delta
// that changes nothing, one that would not is applied exactly (issue 18 item 6: "調整後
// 在庫：-99903" must not be possible).
func TestStockNeverGoesNegative(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("SLUICE_SEED"), 10, 64); err == nil {
		seed = v
	}
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		t.Logf("SLUICE_SEED=%d", seed)
		r := rand.New(rand.NewPCG(seed, 18))
		svc := newDemo(t, s)
		ctx := context.Background()
		wh := as(t, s, "warehouse")
		onHand := stockOf(t, s, "BLT-M8-30").OnHand
		for i := range 30 {
			delta := r.IntN(2*onHand+200) - onHand - 100 // around what is there, often past it
			if i%7 == 6 {
				delta = -(onHand + 1 + r.IntN(100000)) // far below, as the issue's -99903
			}
			if delta == 0 {
				delta = 1
			}
			res, err := svc.Adjust(ctx, wh, fulfilment.AdjustmentRequest{SKU: "BLT-M8-30", Warehouse: "main", Delta: delta, Reason: "count"})
			if onHand+delta < 0 {
				e, ok := service.AsError(err)
				if !ok || e.Status != 422 || e.Errors[0].Pointer != "/delta" {
					t.Fatalf("%d%+d: %v", onHand, delta, err)
				}
			} else {
				if err != nil || res.Stock.OnHand != onHand+delta {
					t.Fatalf("%d%+d: %+v %v", onHand, delta, res, err)
				}
				onHand += delta
			}
			want(t, s, "BLT-M8-30", onHand, 0)
		}
	})
}
