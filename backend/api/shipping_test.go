package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// advance approves the order's first open task as user.
func (e *env) advance(token string, o order) order {
	e.t.Helper()
	tk := o.Tasks[0]
	r := e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", tk.ID), token, approveBody(len(tk.Checklist), "ok"))
	if r.status != 200 {
		e.t.Fatalf("approve %s: %d %s", tk.Node, r.status, r.body)
	}
	var out struct{ Order order }
	r.json(e.t, &out)
	return out.Order
}

func TestShipmentsOverHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk, manager, wh, stranger := e.login("clerk"), e.login("manager"), e.login("warehouse"), e.login("manager2")
		o := e.submit(clerk, "small-standard.json")
		o = e.advance(clerk, o)
		o = e.advance(manager, o)
		if o.Tasks[0].Node != "ship" {
			t.Fatalf("at %+v", o.Tasks)
		}
		path := fmt.Sprintf("/api/v1/orders/%d/shipments", o.ID)
		shipments := func() int {
			n, _ := s.Read.Shipment.Query().Count(context.Background())
			return n
		}

		var carriers struct {
			Items []struct {
				Key         string            `json:"key"`
				Name        map[string]string `json:"name"`
				TrackingURL string            `json:"tracking_url"`
			}
		}
		r := e.do("GET", "/api/v1/carriers", clerk, nil)
		r.json(t, &carriers)
		if r.status != 200 || len(carriers.Items) == 0 || carriers.Items[0].Name["en"] == "" || !strings.Contains(carriers.Items[0].TrackingURL, "{tracking}") {
			t.Fatalf("carriers %d %s", r.status, r.body)
		}

		before, n := e.counts(), shipments()
		for _, tc := range []struct {
			token, body string
			status      int
			pointer     string
			code        string
		}{
			{stranger, `{"carrier":"tcat","tracking":"TC-1","lines":[{"sku":"BRG-6204","qty":1}]}`, 403, "", ""},
			{wh, `{"carrier":"tcat","tracking":"TC-0001","lines":[{"sku":"BRG-6204","qty":51}]}`, 422, "/lines/0/qty", "shipment.qty_left"},
			{wh, `{"carrier":"tcat","tracking":"TC-0001","lines":[{"sku":"NOPE-1","qty":1}]}`, 422, "/lines/0/sku", "shipment.sku_not_ordered"},
			{wh, `{"carrier":"nope","tracking":"TC-0001","lines":[{"sku":"BRG-6204","qty":1}]}`, 422, "/carrier", "carrier.unknown"},
			{wh, `{"carrier":"tcat","tracking":"T!","lines":[{"sku":"BRG-6204","qty":0}]}`, 422, "/tracking", "tracking.pattern"},
			{wh, `{"carrier":"tcat","tracking":"TC-0001","lines":[{"sku":"BRG-6204","qty":1}],"extra":1}`, 400, "/extra", ""},
		} {
			r := e.do("POST", path, tc.token, tc.body)
			if r.status != tc.status {
				t.Fatalf("%s: %d %s, want %d", tc.body, r.status, r.body, tc.status)
			}
			p := r.problem(t)
			if tc.pointer != "" && (len(p.Errors) == 0 || p.Errors[0].Pointer != tc.pointer || (tc.code != "" && p.Errors[0].Code != tc.code)) {
				t.Fatalf("%s: errors %+v, want %s", tc.body, p.Errors, tc.pointer)
			}
		}
		// the same refusal in zh-CN: the same code, its quantities as data
		r = e.do("POST", path, wh, `{"carrier":"tcat","tracking":"TC-0001","lines":[{"sku":"BRG-6204","qty":51}]}`, "Accept-Language", "zh-CN")
		if p := r.problem(t); p.Detail != "发货数量超过尚待发货的数量" || p.Errors[0].Code != "shipment.qty_left" || p.Errors[0].Message != "BRG-6204 尚待发货的数量只剩 50（订购 50，已发货 0）" {
			t.Fatalf("over-shipping, zh-CN: %d %s", r.status, r.body)
		}
		if e.counts() != before || shipments() != n {
			t.Fatalf("a refused shipment wrote something")
		}

		body := `{"carrier":"tcat","tracking":"TC-0001","lines":[{"sku":"BRG-6204","qty":20}]}`
		r = e.do("POST", path, wh, body, "Idempotency-Key", "ship-1")
		if r.status != 201 {
			t.Fatalf("ship: %d %s", r.status, r.body)
		}
		// the same key again: the same answer, no second shipment
		again := e.do("POST", path, wh, body, "Idempotency-Key", "ship-1")
		if again.status != 201 || again.header.Get("Idempotent-Replayed") != "true" || shipments() != n+1 {
			t.Fatalf("replay: %d %v, %d shipments", again.status, again.header, shipments())
		}
		var res struct {
			Complete bool
			Shipment struct {
				Number      string `json:"number"`
				TrackingURL string `json:"tracking_url"`
			}
			Order struct {
				Lines []struct {
					SKU       string `json:"sku"`
					Ordered   int    `json:"ordered"`
					Shipped   int    `json:"shipped"`
					Remaining int    `json:"remaining"`
				} `json:"lines"`
			}
		}
		r.json(t, &res)
		if res.Complete || !strings.HasSuffix(res.Shipment.TrackingURL, "TC-0001") || res.Order.Lines[0].Remaining != 30 {
			t.Fatalf("shipment answer %s", r.body)
		}
		// the delivery note now lists what shipped and the tracking number
		pages := pdfText(t, e.do("GET", fmt.Sprintf("/api/v1/orders/%d/documents/delivery-note.pdf", o.ID), clerk, nil))
		text := strings.Join(pages, "")
		for _, want := range []string{"TC-0001", res.Shipment.Number, "BRG-6204", "黑貓宅急便"} {
			if !strings.Contains(text, want) {
				t.Fatalf("%q not on the delivery note %q", want, text)
			}
		}
		if strings.Contains(text, "BLT-M8-30") {
			t.Fatalf("an unshipped line is on the delivery note: %q", text)
		}
		r = e.do("GET", path, stranger, nil)
		if r.status != 403 {
			t.Fatalf("stranger lists shipments: %d", r.status)
		}
		r = e.do("GET", path, clerk, nil)
		if r.status != 200 || !strings.Contains(string(r.body), res.Shipment.Number) {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
	})
}
