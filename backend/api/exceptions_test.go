package api_test

import (
	"fmt"
	"testing"

	"sluice/backend/inbound"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// The demo's credit-hold sample stops at the automatic checks with a credit exception
// (the request itself succeeds); the inbox shows it to sales, not to sales-south; an
// override by the sales manager continues to the clerk's verify; a second resolution
// is a 409 and a refused one writes nothing.
func TestExceptionInboxHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk, manager, manager2, finance := e.login("clerk"), e.login("manager"), e.login("manager2"), e.login("finance")

		var o service.OrderView
		r := e.do("POST", "/api/v1/orders", clerk, sampleBody(t, "small-standard.json"))
		r.json(t, &o)
		if o.Status != "in_review" || o.CurrentNodes[0] != "verify" {
			t.Fatalf("small-standard passes the checks: %s %v", o.Status, o.CurrentNodes)
		}
		r = e.do("POST", "/api/v1/orders", clerk, sampleBody(t, "credit-hold.json"))
		if r.status != 201 {
			t.Fatalf("credit-hold: %d %s", r.status, r.body)
		}
		r.json(t, &o)
		if o.Status != "exception" || len(o.CurrentNodes) != 1 || o.CurrentNodes[0] != "checks" {
			t.Fatalf("credit-hold: %s at %v", o.Status, o.CurrentNodes)
		}

		var page service.ExceptionPage
		r = e.do("GET", "/api/v1/exceptions?status=open&reason=credit&flow=order-review", manager, nil)
		r.json(t, &page)
		if r.status != 200 || len(page.Items) != 1 || page.Items[0].OrderID != o.ID || !page.Items[0].CanResolve ||
			page.Items[0].OwnerRole != "sales_manager" || len(page.Items[0].Owners) != 1 || page.Items[0].Owners[0] != "manager" {
			t.Fatalf("manager's inbox: %d %s", r.status, r.body)
		}
		ex := page.Items[0]
		r = e.do("GET", "/api/v1/exceptions?department=sales", manager2, nil)
		r.json(t, &page)
		if r.status != 200 || len(page.Items) != 0 {
			t.Fatalf("sales-south sees sales' exceptions: %s", r.body)
		}
		if r := e.do("GET", fmt.Sprintf("/api/v1/exceptions/%d", ex.ID), manager2, nil); r.status != 403 {
			t.Fatalf("get by manager2: %d", r.status)
		}
		if r := e.do("GET", "/api/v1/exceptions/999999", manager, nil); r.status != 404 {
			t.Fatalf("unknown id: %d", r.status)
		}
		if r := e.do("GET", "/api/v1/exceptions?status=maybe", manager, nil); r.status != 422 {
			t.Fatalf("bad status filter: %d", r.status)
		}

		path := fmt.Sprintf("/api/v1/exceptions/%d/resolve", ex.ID)
		before := e.counts()
		for _, tc := range []struct {
			token, body string
			status      int
			pointer     string
		}{
			{finance, `{"action":"override","note":"ok"}`, 403, ""},
			{manager, `{"action":"override"}`, 422, "/note"},
			{manager, `{"action":"retry","data":{"currency":"EUR"}}`, 422, "/data/currency"},
			{manager, `{"action":"retry","extra":1}`, 400, ""},
			{manager, `{"action":"bribe"}`, 422, "/action"},
		} {
			r := e.do("POST", path, tc.token, tc.body)
			if r.status != tc.status {
				t.Fatalf("%s: %d %s", tc.body, r.status, r.body)
			}
			p := r.problem(t)
			if tc.pointer != "" && (len(p.Errors) == 0 || p.Errors[0].Pointer != tc.pointer) {
				t.Fatalf("%s: %+v", tc.body, p)
			}
		}
		if after := e.counts(); after != before {
			t.Fatalf("refused resolutions wrote something: %+v → %+v", before, after)
		}
		r = e.do("POST", path, manager, `{"action":"override","note":"credit raised by phone with finance"}`)
		var res service.ResolveResult
		r.json(t, &res)
		if r.status != 200 || res.Exception.Status != "resolved" || res.Order.Status != "in_review" || res.Order.CurrentNodes[0] != "verify" {
			t.Fatalf("override: %d %s", r.status, r.body)
		}
		if r := e.do("POST", path, manager, `{"action":"cancel"}`); r.status != 409 {
			t.Fatalf("second resolution: %d %s", r.status, r.body)
		}

		// another credit hold: raising the customer's limit, then a retry, passes the checks
		r = e.do("POST", "/api/v1/orders", clerk, sampleBody(t, "credit-hold.json"))
		r.json(t, &o)
		if o.Status != "exception" {
			t.Fatalf("second credit-hold: %s", r.body)
		}
		r = e.do("GET", "/api/v1/exceptions?reason=credit", clerk, nil)
		r.json(t, &page)
		if len(page.Items) != 1 || page.Items[0].OrderID != o.ID || page.Items[0].Detail["checks"] == nil {
			t.Fatalf("clerk's inbox: %s", r.body)
		}
		if r := e.do("PUT", "/api/v1/customers/C-TCH", manager, `{"credit_limit":200000}`); r.status != 200 {
			t.Fatalf("raise the limit: %d %s", r.status, r.body)
		}
		r = e.do("POST", fmt.Sprintf("/api/v1/exceptions/%d/resolve", page.Items[0].ID), clerk, `{"action":"retry","note":"limit raised"}`)
		r.json(t, &res)
		if r.status != 200 || res.Order.Status != "in_review" || res.Order.CurrentNodes[0] != "verify" {
			t.Fatalf("retry after the limit was raised: %d %s", r.status, r.body)
		}
	})
}

func TestCustomersHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk, manager, warehouse := e.login("clerk"), e.login("manager"), e.login("warehouse")
		var page inbound.CustomerPage
		r := e.do("GET", "/api/v1/customers?blocked=true", clerk, nil)
		r.json(t, &page)
		if r.status != 200 || len(page.Items) != 1 || page.Items[0].Code != "C-YFT" {
			t.Fatalf("blocked customers: %d %s", r.status, r.body)
		}
		for _, tc := range []struct {
			method, path, token, body string
			status                    int
		}{
			{"POST", "/api/v1/customers", clerk, `{"code":"C-NEW","name":"新客戶"}`, 403},
			{"POST", "/api/v1/customers", manager, `{"code":"C-NEW"}`, 422},
			{"POST", "/api/v1/customers", manager, `{"code":"C-NEW","name":"新客戶","credit_limit":-1}`, 422},
			{"POST", "/api/v1/customers", manager, `{"code":"C-NEW","name":"新客戶","credit_limit":1000,"language":"en"}`, 201},
			{"POST", "/api/v1/customers", manager, `{"code":"C-NEW","name":"again"}`, 409},
			{"PUT", "/api/v1/customers/C-NEW", manager, `{"blocked":true,"blocked_reason":"fraud check"}`, 200},
			{"PUT", "/api/v1/customers/C-NEW", manager, `{"code":"C-OTHER"}`, 422},
			{"PUT", "/api/v1/customers/C-NONE", manager, `{"blocked":true}`, 404},
			{"PUT", "/api/v1/customers/C-NEW", warehouse, `{"blocked":false}`, 403},
		} {
			if r := e.do(tc.method, tc.path, tc.token, tc.body); r.status != tc.status {
				t.Fatalf("%s %s %s: %d %s", tc.method, tc.path, tc.body, r.status, r.body)
			}
		}
		// customers.manage acts in the customer's department only (like every department
		// permission): the other sales department's manager neither edits sales'
		// customers nor creates customers for sales, and manages their own
		manager2 := e.login("manager2")
		before := e.counts()
		for _, tc := range []struct {
			method, path, token, body string
		}{
			{"PUT", "/api/v1/customers/C-TPP", manager2, `{"credit_limit":99000000}`},
			{"PUT", "/api/v1/customers/C-NEW", manager2, `{"blocked":false}`},
			{"POST", "/api/v1/customers", manager2, `{"code":"C-S2","name":"南區客戶","department":"sales"}`},
			{"POST", "/api/v1/customers", manager, `{"code":"C-S3","name":"南區客戶","department":"sales-south"}`},
			{"POST", "/api/v1/customers", manager, `{"code":"C-S4","name":"全公司","department":""}`},
		} {
			if r := e.do(tc.method, tc.path, tc.token, tc.body); r.status != 403 {
				t.Fatalf("%s %s %s: %d %s", tc.method, tc.path, tc.body, r.status, r.body)
			}
		}
		if after := e.counts(); after != before {
			t.Fatalf("refused customer changes wrote: %+v → %+v", before, after)
		}
		var cv inbound.CustomerView
		if r := e.do("POST", "/api/v1/customers", manager2, `{"code":"C-S2","name":"南區客戶"}`); r.status != 201 {
			t.Fatalf("manager2's own customer: %d %s", r.status, r.body)
		} else if r.json(t, &cv); cv.Department != "sales-south" {
			t.Fatalf("manager2's customer went to %q", cv.Department)
		}
		for _, tc := range []struct {
			token, body string
			status      int
		}{
			{manager, `{"blocked":true}`, 403},        // not sales'
			{manager2, `{"department":"sales"}`, 403}, // moving needs the right in both
			{manager2, `{"department":"nowhere"}`, 403},
			{manager2, `{"credit_limit":1000}`, 200},
		} {
			if r := e.do("PUT", "/api/v1/customers/C-S2", tc.token, tc.body); r.status != tc.status {
				t.Fatalf("PUT C-S2 %s: %d %s", tc.body, r.status, r.body)
			}
		}
		if r := e.do("PUT", "/api/v1/customers/C-S2", e.login("admin"), `{"department":"nowhere"}`); r.status != 422 {
			t.Fatalf("an unknown department: %d %s", r.status, r.body)
		}

		// a webhook may not point into the server's own network (SSRF): refused at its
		// pointer, nothing written
		before = e.counts()
		for _, hook := range []string{"http://127.0.0.1:8080/h", "http://localhost/h", "http://169.254.169.254/latest/meta-data/",
			"http://[::1]/h", "http://10.0.0.8/h", "http://[fe80::1]/h", "http://0x7f000001/"} {
			for _, req := range []struct{ method, path, body string }{
				{"POST", "/api/v1/customers", fmt.Sprintf(`{"code":"C-HOOK","name":"掛勾","webhook_url":%q}`, hook)},
				{"PUT", "/api/v1/customers/C-NEW", fmt.Sprintf(`{"webhook_url":%q}`, hook)},
			} {
				r := e.do(req.method, req.path, manager, req.body)
				if r.status != 422 {
					t.Fatalf("%s %s: %d %s", req.method, hook, r.status, r.body)
				}
				if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Pointer != "/webhook_url" {
					t.Fatalf("%s %s: %+v", req.method, hook, p)
				}
			}
		}
		if after := e.counts(); after != before {
			t.Fatalf("refused webhooks wrote: %+v → %+v", before, after)
		}
		if r := e.do("PUT", "/api/v1/customers/C-NEW", manager, `{"webhook_url":"https://shop.example.com/hooks/sluice"}`); r.status != 200 {
			t.Fatalf("a public webhook: %d %s", r.status, r.body)
		}
		r = e.do("GET", "/api/v1/customers?q=c-new", warehouse, nil)
		r.json(t, &page)
		if len(page.Items) != 1 || !page.Items[0].Blocked || page.Items[0].Name != "新客戶" || page.Items[0].CreditLimit != 1000 {
			t.Fatalf("after the update: %s", r.body)
		}
	})
}
