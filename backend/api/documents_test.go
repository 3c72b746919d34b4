package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"sluice/backend/documents/pdfcheck"
	"sluice/backend/ent/auditentry"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// printed counts the document.printed audit entries, per order.
func (e *env) printed() map[int]int {
	e.t.Helper()
	rows, err := e.s.Read.AuditEntry.Query().Where(auditentry.Action("document.printed")).All(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[int]int{}
	for _, r := range rows {
		if r.OrderID != nil {
			out[*r.OrderID]++
		}
	}
	return out
}

func (e *env) submit(token, file string) order {
	e.t.Helper()
	r := e.do("POST", "/api/v1/orders", token, sampleBody(e.t, file))
	if r.status != 201 {
		e.t.Fatalf("submit %s: %d %s", file, r.status, r.body)
	}
	var o order
	r.json(e.t, &o)
	return o
}

func pdfText(t *testing.T, r resp) []string {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/pdf" {
		t.Fatalf("Content-Type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline; filename=") || !strings.HasSuffix(cd, `.pdf"`) {
		t.Fatalf("Content-Disposition %q", cd)
	}
	pages, err := pdfcheck.Pages(r.body)
	if err != nil {
		t.Fatal(err)
	}
	return pages
}

func TestPrintDocumentsOverHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk, manager, manager2 := e.login("clerk"), e.login("manager"), e.login("manager2")
		o := e.submit(clerk, "large-vip.json")
		base := fmt.Sprintf("/api/v1/orders/%d/documents/", o.ID)

		for doc, title := range map[string]string{"order": "訂  單", "packing-slip": "裝  箱  單", "delivery-note": "出  貨  單"} {
			// a GET is a view: the same PDF, and nothing written (a GET changes no state)
			before := e.counts()
			viewed := pdfText(t, e.do("GET", base+doc+".pdf", clerk, nil))
			if after := e.counts(); after != before {
				t.Fatalf("GET %s wrote: %+v → %+v", doc, before, after)
			}
			// a POST is a print, recorded once
			pages := pdfText(t, e.do("POST", base+doc+".pdf", clerk, nil))
			if v := strings.Join(viewed, ""); !strings.Contains(v, o.Number) || !strings.Contains(v, title) {
				t.Fatalf("%s: the view lacks the order: %q", doc, v)
			}
			text := strings.Join(pages, "")
			wants := []string{o.Number, "伺服馬達", title, "水閘貿易股份有限公司"}
			if doc == "order" {
				wants = append(wants, "林雅婷 (業務部)", "80,600") // handled by; the total
			}
			for _, want := range wants {
				if !strings.Contains(text, want) {
					t.Fatalf("%s: %q not in %q", doc, want, text)
				}
			}
			if after := e.counts().audit; after != before.audit+1 {
				t.Fatalf("%s: %d audit entries written, want 1", doc, after-before.audit)
			}
		}
		// the department's manager may read the order, so may print it; in English
		pages := pdfText(t, e.do("POST", base+"delivery-note.pdf?lang=en", manager, nil))
		if !strings.Contains(pages[0], "Delivery Note") || !strings.Contains(pages[0], "Page 1 of 1") {
			t.Fatalf("lang=en: %q", pages[0])
		}
		// the department prints in the document's language (a view: nothing recorded)
		for lang, want := range map[string]string{"en": "林雅婷 (Sales)", "zh-CN": "林雅婷 (业务部)", "zh-TW": "林雅婷 (業務部)"} {
			text := strings.Join(pdfText(t, e.do("GET", base+"order.pdf?lang="+lang, clerk, nil)), "")
			if !strings.Contains(text, want) || lang != "zh-TW" && strings.Contains(text, "業務部") {
				t.Fatalf("lang=%s: want %q in %q", lang, want, text)
			}
		}
		if got := e.printed()[o.ID]; got != 4 {
			t.Fatalf("%d prints recorded, want 4", got)
		}
		var hist struct {
			Items []struct {
				Action, Actor string
				Detail        map[string]any
			}
		}
		e.do("GET", fmt.Sprintf("/api/v1/orders/%d/history", o.ID), clerk, nil).json(t, &hist)
		last := hist.Items[len(hist.Items)-1]
		if last.Action != "document.printed" || last.Actor != "manager" || last.Detail["document"] != "delivery-note" ||
			last.Detail["lang"] != "en" || last.Detail["pages"] != 1.0 || len(last.Detail["sha256"].(string)) != 64 {
			t.Fatalf("history ends with %+v", last)
		}

		before := e.counts()
		for _, tc := range []struct {
			name, path, token string
			status            int
		}{
			{"another department", base + "order.pdf", manager2, 403},
			{"unknown order", "/api/v1/orders/999999/documents/order.pdf", clerk, 404},
			{"bad order id", "/api/v1/orders/x/documents/order.pdf", clerk, 404},
			{"unknown document", base + "invoice.pdf", clerk, 404},
			{"no .pdf", base + "order", clerk, 404},
			{"other suffix", base + "order.png", clerk, 404},
			{"bad lang", base + "order.pdf?lang=fr", clerk, 400},
			{"not logged in", base + "order.pdf", "", 401},
		} {
			for _, method := range []string{"GET", "POST"} {
				t.Run(tc.name+" "+method, func(t *testing.T) {
					r := e.do(method, tc.path, tc.token, nil)
					if r.status != tc.status {
						t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
					}
					r.problem(t)
				})
			}
		}
		if after := e.counts(); after != before {
			t.Fatalf("refused prints wrote: %+v → %+v", before, after)
		}
	})
}

func TestBatchPrintOverHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk, manager2 := e.login("clerk"), e.login("manager2")
		var ids []int
		var numbers []string
		for _, f := range []string{"large-vip.json", "small-standard.json", "shortage-new.json"} {
			o := e.submit(clerk, f)
			ids = append(ids, o.ID)
			numbers = append(numbers, o.Number)
		}
		before := e.counts()
		for _, tc := range []struct {
			name    string
			token   string
			body    string
			status  int
			pointer string
			code    string // the field error's code at pointer
			detail  string
		}{
			{"malformed", clerk, `{"orders": [1`, 400, "", "", ""},
			{"unknown field", clerk, `{"orders": [1], "document": "order", "copies": 2}`, 400, "/copies", "", ""},
			{"wrong type", clerk, `{"orders": "1", "document": "order"}`, 400, "/orders", "", ""},
			{"no orders", clerk, `{"orders": [], "document": "order"}`, 422, "/orders", "batch.orders_required", "the batch cannot be printed"},
			{"unknown document", clerk, fmt.Sprintf(`{"orders": [%d], "document": "invoice"}`, ids[0]), 422, "/document", "document.unknown", ""},
			{"bad lang", clerk, fmt.Sprintf(`{"orders": [%d], "document": "order", "lang": "fr"}`, ids[0]), 422, "/lang", "language.unknown_or_order", ""},
			{"twice", clerk, fmt.Sprintf(`{"orders": [%d, %d], "document": "order"}`, ids[0], ids[0]), 422, "/orders/1", "batch.order_repeated", ""},
			{"bad id", clerk, `{"orders": [0], "document": "order"}`, 422, "/orders/0", "order.id_positive", ""},
			// the order's own refusal, in the request's language, names the order
			{"unknown order", clerk, fmt.Sprintf(`{"orders": [%d, 999999], "document": "order"}`, ids[0]), 404, "", "", "order 999999: order not found"},
			{"another department", manager2, fmt.Sprintf(`{"orders": [%d], "document": "order"}`, ids[0]), 403, "", "",
				fmt.Sprintf("order %d: you may not see this order", ids[0])},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do("POST", "/api/v1/documents/batch", tc.token, tc.body)
				if r.status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
				}
				p := r.problem(t)
				if tc.pointer != "" {
					found := false
					for _, fe := range p.Errors {
						found = found || (fe.Pointer == tc.pointer && (tc.code == "" || fe.Code == tc.code))
					}
					if !found {
						t.Fatalf("no error %s at %s: %+v", tc.code, tc.pointer, p)
					}
				}
				if tc.detail != "" && p.Detail != tc.detail {
					t.Fatalf("detail %q, want %q", p.Detail, tc.detail)
				}
			})
		}
		// in zh-TW: the order named in the language's words, its own refusal translated
		r := e.do("POST", "/api/v1/documents/batch", clerk, fmt.Sprintf(`{"orders": [%d, 999999], "document": "order"}`, ids[0]), "Accept-Language", "zh-TW")
		if p := r.problem(t); r.status != 404 || p.Detail != "訂單 999999：找不到訂單" {
			t.Fatalf("unknown order, zh-TW: %d %s", r.status, r.body)
		}
		if after := e.counts(); after != before {
			t.Fatalf("refused batches wrote: %+v → %+v", before, after)
		}

		r = e.do("POST", "/api/v1/documents/batch", clerk, map[string]any{"orders": ids, "document": "packing-slip"})
		pages := pdfText(t, r)
		if len(pages) < len(ids) {
			t.Fatalf("%d pages for %d orders", len(pages), len(ids))
		}
		text := strings.Join(pages, "")
		for _, n := range numbers {
			if !strings.Contains(text, n) {
				t.Fatalf("%s not in the batch", n)
			}
		}
		if !strings.Contains(text, "伺服馬達") || !strings.Contains(text, "裝  箱  單") {
			t.Fatalf("batch text %q", text)
		}
		if after := e.counts().audit; after != before.audit+len(ids) {
			t.Fatalf("%d audit entries for a batch of %d", after-before.audit, len(ids))
		}
		printed := e.printed()
		for _, id := range ids {
			if printed[id] != 1 {
				t.Fatalf("order %d printed %d times", id, printed[id])
			}
		}
		if reason := verifyAudit(t, s); reason != "" {
			t.Fatalf("audit chain: %s", reason)
		}
	})
}

func verifyAudit(t *testing.T, s *store.Store) string {
	t.Helper()
	_, reason, _, err := s.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return reason
}
