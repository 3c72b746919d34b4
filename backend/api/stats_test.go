package api_test

import (
	"testing"

	"sluice/backend/store/storetest"
)

func TestStatsAndExpressionRoutes(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	fin, m2, admin := e.login("finance"), e.login("manager2"), e.login("admin")
	if r := e.do("POST", "/api/v1/orders", e.login("clerk"), sampleBody(t, "small-standard.json")); r.status != 201 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	r := e.do("GET", "/api/v1/flows/order-review/stats", fin, nil)
	var st struct {
		Orders      int
		Bottlenecks []struct {
			Node    string
			Waiting int
		}
		Graph struct{ Nodes []struct{ ID string } }
	}
	r.json(t, &st)
	if r.status != 200 || st.Orders != 1 || len(st.Bottlenecks) != 1 || st.Bottlenecks[0].Node != "verify" || len(st.Graph.Nodes) == 0 {
		t.Fatalf("stats: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/v1/flows/order-review/stats?department=sales", m2, nil); r.status != 403 {
		t.Fatalf("manager2 on sales: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/v1/flows/order-review/stats?from=yesterday", fin, nil); r.status != 422 || r.problem(t).Errors[0].Pointer != "/from" || r.problem(t).Errors[0].Code != "date.format" {
		t.Fatalf("bad date: %d %s", r.status, r.body)
	}

	var res struct {
		OK     bool
		Errors []struct {
			Message  string
			Position int
			Code     string
		}
	}
	r = e.do("POST", "/api/v1/flows/expressions/check", admin, map[string]string{"form": "order", "expr": "order.total >"})
	r.json(t, &res)
	if r.status != 200 || res.OK || len(res.Errors) != 1 || res.Errors[0].Position == 0 || res.Errors[0].Code != "definition.expr.invalid" {
		t.Fatalf("check: %d %s", r.status, r.body)
	}
	// in the reader's language, with the code and the column apart
	for accept, want := range map[string]string{
		"en":    `unknown field "totl" in order.totl; order has: currency, customer, items, note, promised_date, ship_to, total`,
		"zh-TW": "order.totl 中沒有欄位「totl」；order 有：currency, customer, items, note, promised_date, ship_to, total",
		"zh-CN": "order.totl 中没有字段「totl」；order 有：currency, customer, items, note, promised_date, ship_to, total",
	} {
		r = e.do("POST", "/api/v1/flows/expressions/check", admin, map[string]string{"form": "order", "expr": "order.totl > 1"}, "Accept-Language", accept)
		res.Errors = nil
		r.json(t, &res)
		if r.status != 200 || len(res.Errors) != 1 || res.Errors[0].Code != "definition.expr.unknown_field" || res.Errors[0].Position != 7 || res.Errors[0].Message != want {
			t.Fatalf("%s: %d %s", accept, r.status, r.body)
		}
	}
	r = e.do("POST", "/api/v1/flows/expressions/check", admin, map[string]string{"form": "order", "expr": "order.total > 1"})
	r.json(t, &res)
	if r.status != 200 || !res.OK {
		t.Fatalf("check: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/flows/expressions/check", admin, `{"expr":"true","extra":1}`); r.status != 400 {
		t.Fatalf("unknown field: %d %s", r.status, r.body)
	}
}
