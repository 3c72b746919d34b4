package api_test

import (
	"context"
	"testing"

	"sluice/backend/ent/stockmove"
	"sluice/backend/fulfilment"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// Over HTTP: the clerk reads stock but may not adjust it (403); the warehouse adjusts;
// an adjustment below zero is a 422 at /delta that writes nothing; the ledger pages.
func TestStockHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk, wh := e.login("clerk"), e.login("warehouse")
		var rows []fulfilment.StockView
		r := e.do("GET", "/api/v1/stock?sku=BLT-M8-30", clerk, nil)
		r.json(t, &rows)
		if r.status != 200 || len(rows) != 1 || rows[0].OnHand != 120 || rows[0].Available != 120 || rows[0].Low {
			t.Fatalf("stock: %d %s", r.status, r.body)
		}
		if r := e.do("GET", "/api/v1/stock?low=maybe", clerk, nil); r.status != 422 {
			t.Fatalf("low=maybe: %d", r.status)
		}
		body := map[string]any{"sku": "BLT-M8-30", "warehouse": "main", "delta": -5, "reason": "damaged"}
		before := e.counts()
		if r := e.do("POST", "/api/v1/stock/adjustments", clerk, body); r.status != 403 {
			t.Fatalf("clerk adjusting: %d %s", r.status, r.body)
		}
		if r := e.do("POST", "/api/v1/products", clerk, map[string]any{"sku": "X-1", "name": "x"}); r.status != 403 {
			t.Fatalf("clerk creating a product: %d", r.status)
		}
		r = e.do("POST", "/api/v1/stock/adjustments", wh, map[string]any{"sku": "BLT-M8-30", "warehouse": "main", "delta": -500, "reason": "count"})
		if p := r.problem(t); r.status != 422 || len(p.Errors) != 1 || p.Errors[0].Pointer != "/delta" || p.Errors[0].Code != "stock.not_enough" ||
			p.Errors[0].Message != "BLT-M8-30 in main has 120 on hand, 0 reserved: it can go down by at most 120" {
			t.Fatalf("below zero: %d %s", r.status, r.body)
		}
		// the same refusal in zh-CN: the same code, its parameters as data
		r = e.do("POST", "/api/v1/stock/adjustments", wh, map[string]any{"sku": "BLT-M8-30", "warehouse": "main", "delta": -500, "reason": "count"}, "Accept-Language", "zh-CN")
		if p := r.problem(t); p.Detail != "库存不足" || p.Errors[0].Code != "stock.not_enough" || p.Errors[0].Message != "BLT-M8-30 在 main 现有 120、已预留 0：最多只能减少 120" {
			t.Fatalf("below zero, zh-CN: %d %s", r.status, r.body)
		}
		if after := e.counts(); after != before {
			t.Fatalf("a refusal wrote: %+v -> %+v", before, after)
		}
		moves, _ := s.Read.StockMove.Query().Where(stockmove.Kind("adjust"), stockmove.Note("count")).Count(context.Background())
		if moves != 0 {
			t.Fatal("a refused adjustment reached the ledger")
		}
		var res fulfilment.AdjustmentResult
		r = e.do("POST", "/api/v1/stock/adjustments", wh, body)
		r.json(t, &res)
		if r.status != 201 || res.Stock.OnHand != 115 || res.Move.Kind != "adjust" || res.Move.DeltaOnHand != -5 || res.Move.Note != "damaged" {
			t.Fatalf("adjust: %d %s", r.status, r.body)
		}
		var page fulfilment.MovePage
		r = e.do("GET", "/api/v1/stock/moves?sku=BLT-M8-30&limit=1", clerk, nil)
		r.json(t, &page)
		if r.status != 200 || len(page.Items) != 1 || page.Items[0].ID != res.Move.ID || page.NextCursor == "" {
			t.Fatalf("moves: %d %s", r.status, r.body)
		}
		price := 99.5
		var p fulfilment.ProductView
		r = e.do("PUT", "/api/v1/products/BLT-M8-30", wh, fulfilment.ProductInput{Price: &price})
		r.json(t, &p)
		if r.status != 200 || p.Price != 99.5 {
			t.Fatalf("put product: %d %s", r.status, r.body)
		}
		if r := e.do("POST", "/api/v1/warehouses", wh, map[string]any{"key": "south", "name": "南倉"}); r.status != 201 {
			t.Fatalf("warehouse: %d %s", r.status, r.body)
		}
		// taken keys and a bad filter: refusals from the catalogue, their keys as data
		r = e.do("POST", "/api/v1/products", wh, map[string]any{"sku": "BLT-M8-30", "name": "again"})
		if p := r.problem(t); r.status != 409 || p.Detail != `product "BLT-M8-30" exists; update it with PUT /products/BLT-M8-30` {
			t.Fatalf("product twice: %d %s", r.status, r.body)
		}
		r = e.do("POST", "/api/v1/warehouses", wh, map[string]any{"key": "south", "name": "南倉"}, "Accept-Language", "zh-TW")
		if p := r.problem(t); r.status != 409 || p.Detail != "倉庫「south」已存在" {
			t.Fatalf("warehouse twice: %d %s", r.status, r.body)
		}
		r = e.do("GET", "/api/v1/stock/moves?order=x", clerk, nil)
		if p := r.problem(t); r.status != 422 || len(p.Errors) != 1 || p.Errors[0].Pointer != "/order" || p.Errors[0].Code != "order.id_positive" {
			t.Fatalf("moves?order=x: %d %s", r.status, r.body)
		}
	})
}
