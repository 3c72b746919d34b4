package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sluice/backend/api"
	"sluice/backend/documents/pdfcheck"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// readable is a response's content as text: PDFs and workbooks are compressed, so a
// value in them is searched for in their extracted text, everything else as raw bytes.
func readable(t *testing.T, r resp) string {
	t.Helper()
	switch ct := r.header.Get("Content-Type"); {
	case r.status != 200:
		return string(r.body)
	case ct == "application/pdf":
		pages, err := pdfcheck.Pages(r.body)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(pages, "\n")
	case strings.Contains(ct, "spreadsheetml"):
		f, err := excelize.OpenReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, row := range rows {
			b.WriteString(strings.Join(row, "\t") + "\n")
		}
		return b.String()
	default:
		return string(r.body)
	}
}

// fieldOrder is a demo order whose hidden field (order-review's sales_review hides
// "note") carries a marker, with who may see it.
type fieldOrder struct {
	order
	marker  string
	seenBy  []string // everyone else must never get the marker
	exceptn int      // its open exception, if any
}

// TestHiddenFieldsOnEveryReadPath plants a unique marker in a field that a review node
// hides, then asks every route that answers order data, as every demo user, and
// searches each answer for the markers that user may not see. The routes come from
// the router: a route neither checked here nor listed as carrying no order data fails
// the test, so a new endpoint cannot be forgotten.
func TestHiddenFieldsOnEveryReadPath(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		users := []string{"clerk", "manager", "manager2", "finance", "finance2", "warehouse", "service", "admin"}
		tok := map[string]string{}
		for _, u := range users {
			tok[u] = e.login(u)
		}
		mark := func(name string) string { return fmt.Sprintf("HIDDEN%s%08x", name, rng.Uint32()) }
		submit := func(file, marker string) order {
			var body map[string]any
			if err := json.Unmarshal(sampleBody(t, file), &body); err != nil {
				t.Fatal(err)
			}
			body["data"].(map[string]any)["note"] = marker
			r := e.do("POST", "/api/v1/orders", tok["clerk"], body)
			if r.status != 201 {
				t.Fatalf("submit %s: %d %s", file, r.status, r.body)
			}
			var o order
			r.json(t, &o)
			return o
		}
		act := func(who string, o order, node string, body string) order {
			t.Helper()
			for _, tk := range o.Tasks {
				if tk.Node == node {
					r := e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", tk.ID), tok[who], body)
					if r.status != 200 {
						t.Fatalf("%s at %s: %d %s", who, node, r.status, r.body)
					}
					var res struct{ Order order }
					r.json(t, &res)
					return res.Order
				}
			}
			t.Fatalf("%s has no task at %s: %+v", o.Number, node, o.Tasks)
			return o
		}
		firstTask := func(o order) int {
			if len(o.Tasks) == 0 {
				t.Fatalf("%s has no open task", o.Number)
			}
			return len(o.Tasks[0].Checklist)
		}

		// A waits at the sales review, which hides the note from the manager
		mA := mark("A")
		a := fieldOrder{order: submit("large-vip.json", mA), marker: mA, seenBy: []string{"clerk", "admin"}}
		a.order = act("clerk", a.order, "verify", approveBody(firstTask(a.order), ""))
		// B went past it to finance's countersign, where the note is editable
		mB := mark("B")
		b := fieldOrder{order: submit("large-vip.json", mB), marker: mB, seenBy: []string{"clerk", "admin", "finance", "finance2"}}
		b.order = act("clerk", b.order, "verify", approveBody(firstTask(b.order), ""))
		afterReview := e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", b.Tasks[0].ID), tok["manager"], approveBody(len(b.Tasks[0].Checklist), ""))
		if afterReview.status != 200 {
			t.Fatalf("manager approves B: %d %s", afterReview.status, afterReview.body)
		}
		var res struct{ Order order }
		afterReview.json(t, &res)
		b.order = res.Order
		// C is held by a credit exception at the checks before anyone reviewed it
		mC := mark("C")
		c := fieldOrder{order: submit("credit-hold.json", mC), marker: mC, seenBy: []string{"clerk", "admin"}}
		var exs struct {
			Items []struct {
				ID      int `json:"id"`
				OrderID int `json:"order_id"`
			}
		}
		e.do("GET", "/api/v1/exceptions?status=open", tok["admin"], nil).json(t, &exs)
		for _, x := range exs.Items {
			if x.OrderID == c.ID {
				c.exceptn = x.ID
			}
		}
		if c.exceptn == 0 {
			t.Fatalf("no exception for %s: %+v", c.Number, exs)
		}
		orders := []*fieldOrder{&a, &b, &c}
		// the answers to the writes above went to the clerk and the manager: the
		// manager's approval of B must not have carried B's note back
		if strings.Contains(string(afterReview.body), b.marker) {
			t.Errorf("the manager's approval answer carries the note sales review hides")
		}

		// Every route of the router is either checked here or carries no order data.
		id := func(o *fieldOrder) string { return fmt.Sprint(o.ID) }
		perOrder := func(format string) func() []string {
			return func() []string {
				var out []string
				for _, o := range orders {
					out = append(out, fmt.Sprintf(format, id(o)))
				}
				return out
			}
		}
		checked := map[string]func() []string{
			"GET /api/v1/orders": func() []string {
				out := []string{"/api/v1/orders", "/api/v1/orders?status=in_review,exception"}
				for _, o := range orders {
					out = append(out, "/api/v1/orders?q="+o.Number)
				}
				return out
			},
			"GET /api/v1/orders/:id":                      perOrder("/api/v1/orders/%s"),
			"GET /api/v1/orders/:id/history":              perOrder("/api/v1/orders/%s/history"),
			"GET /api/v1/orders/:id/documents/:name.pdf":  perOrder("/api/v1/orders/%s/documents/order.pdf"),
			"POST /api/v1/orders/:id/documents/:name.pdf": perOrder("/api/v1/orders/%s/documents/order.pdf"),
			"GET /api/v1/orders/:id/comments":             perOrder("/api/v1/orders/%s/comments"),
			"GET /api/v1/orders/:id/shipments":            perOrder("/api/v1/orders/%s/shipments"),
			"GET /api/v1/orders/export.xlsx":              func() []string { return []string{"/api/v1/orders/export.xlsx"} },
			"GET /api/v1/tasks": func() []string {
				return []string{"/api/v1/tasks?scope=mine", "/api/v1/tasks?scope=done", "/api/v1/tasks?scope=cc", "/api/v1/tasks?scope=initiated"}
			},
			"GET /api/v1/boards/:department": func() []string { return []string{"/api/v1/boards/sales?flow=order-review&status=in_review,exception"} },
			"GET /api/v1/exceptions":         func() []string { return []string{"/api/v1/exceptions?status=all"} },
			"GET /api/v1/exceptions/:id":     func() []string { return []string{fmt.Sprintf("/api/v1/exceptions/%d", c.exceptn)} },
			"GET /api/v1/notifications":      func() []string { return []string{"/api/v1/notifications"} },
			"GET /api/v1/flows/:key/stats":   func() []string { return []string{"/api/v1/flows/order-review/stats"} },
			"GET /api/v1/imports":            func() []string { return []string{"/api/v1/imports"} },
			"GET /api/v1/admin/outbox":       func() []string { return []string{"/api/v1/admin/outbox"} },
			"POST /api/v1/documents/batch":   func() []string { return []string{"/api/v1/documents/batch"} },
			"POST /api/v1/tasks/:id/actions": nil, // the manager's approval above
			"GET /api/v1/live":               nil, // replays stored events: every one is searched below
		}
		noOrderData := map[string]string{
			"GET /api/v1/me": "the caller", "GET /api/v1/users": "people", "GET /api/v1/departments": "departments",
			"GET /api/v1/definitions/:kind": "definitions", "GET /api/v1/definitions/:kind/:key": "definitions",
			"GET /api/v1/flows": "flows", "GET /api/v1/plugins": "plugins", "GET /api/v1/flows/:key/form": "a form",
			"GET /api/v1/flows/:key/import-template.xlsx": "an empty template", "GET /api/v1/carriers": "carriers",
			"GET /api/v1/channels": "channels", "GET /api/v1/notify/channels": "the caller's notification channels",
			"GET /api/v1/act/:token": "the order view of GET /orders/{id}, for the link's recipient only", "GET /api/v1/customers": "the customer master",
			"GET /api/v1/products": "products", "GET /api/v1/warehouses": "warehouses", "GET /api/v1/stock": "stock levels",
			"GET /api/v1/stock/moves": "stock moves (SKU, quantity, order number)", "GET /api/v1/admin/status": "server status",
			"GET /api/v1/imports/:id":  "one import job of the uploader's own (its orders are theirs)",
			"GET /api/v1/openapi.json": "the contract", "GET /metrics": "counters", "GET /healthz": "liveness", "GET /readyz": "readiness",
			// writes: they answer the order only to whoever changed it, through the same
			// views as the reads (the action answer is checked above)
			"POST /api/v1/orders": "the submitter's own order", "POST /api/v1/flows/:key/simulate": "definitions.manage only: designers test with whole orders",
			"POST /api/v1/exceptions/:id/resolve": "the order view of GET /orders/{id}", "POST /api/v1/tasks/batch": "task outcomes, no order data",
			"POST /api/v1/orders/:id/shipments": "the order view of GET /orders/{id}", "POST /api/v1/orders/:id/comments": "the comment",
			"POST /api/v1/orders/:id/lock": "the lock", "DELETE /api/v1/orders/:id/lock": "nothing",
			"POST /api/v1/channels/:key/orders": "the channel's own order", "POST /api/v1/imports": "the uploader's job",
		}
		r, err := api.New(e.svc, api.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, rt := range r.Routes() {
			key := rt.Method + " " + rt.Path
			if _, ok := checked[key]; ok {
				continue
			}
			if _, ok := noOrderData[key]; ok || rt.Method != "GET" && !strings.HasPrefix(rt.Path, "/api/v1/orders") &&
				!strings.Contains(rt.Path, "documents") && !strings.Contains(rt.Path, "exceptions") {
				continue // other writes (definitions, users, stock…) answer no order
			}
			t.Errorf("route %s is neither checked for hidden fields nor listed as carrying no order data", key)
		}

		// Each user, each route: no marker of an order that hides it from them.
		for _, u := range users {
			for key, urls := range checked {
				if urls == nil {
					continue
				}
				method := strings.SplitN(key, " ", 2)[0]
				for _, url := range urls() {
					var body any
					if key == "POST /api/v1/documents/batch" {
						body = map[string]any{"orders": []int{a.ID, b.ID, c.ID}, "document": "order"}
					}
					got := readable(t, e.do(method, url, tok[u], body))
					for _, o := range orders {
						if !slices.Contains(o.seenBy, u) && strings.Contains(got, o.marker) {
							t.Errorf("%s %s as %s shows %s's hidden note", method, url, u, o.Number)
						}
					}
				}
			}
			// search must not match what the user cannot see (an oracle otherwise)
			for _, o := range orders {
				var page struct{ Items []order }
				e.do("GET", "/api/v1/orders?q="+o.marker, tok[u], nil).json(t, &page)
				if !slices.Contains(o.seenBy, u) && len(page.Items) > 0 {
					t.Errorf("?q=<hidden note> finds %d orders for %s", len(page.Items), u)
				}
				var board struct{ Columns []struct{ Cards []any } }
				e.do("GET", "/api/v1/boards/sales?flow=order-review&q="+o.marker, tok[u], nil).json(t, &board)
				for _, col := range board.Columns {
					if !slices.Contains(o.seenBy, u) && len(col.Cards) > 0 {
						t.Errorf("board ?q=<hidden note> finds cards for %s", u)
					}
				}
			}
		}
		// those who may see it do (else the markers prove nothing)
		for _, o := range orders {
			for _, u := range o.seenBy {
				if got := readable(t, e.do("GET", "/api/v1/orders/"+id(o), tok[u], nil)); !strings.Contains(got, o.marker) {
					t.Errorf("%s does not see %s's note: %s", u, o.Number, got)
				}
			}
		}
		// the live stream replays stored events: none carries a note
		evs, err := e.s.Read.Event.Query().All(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			j, _ := json.Marshal(ev.Data)
			for _, o := range orders {
				if strings.Contains(string(j), o.marker) {
					t.Errorf("event %s on %s carries %s's note", ev.Type, ev.Topic, o.Number)
				}
			}
		}
	})
}
