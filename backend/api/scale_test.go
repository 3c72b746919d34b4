package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"sluice/backend/ent"
	"sluice/backend/ent/nodeinstance"
	entorder "sluice/backend/ent/order"
	"sluice/backend/ent/task"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// Bounded reads at scale (issue 16.1). A department and a user with more than 40,000
// open items in every list: before, the board, the order list and the inbox answered
// 500 ("too many SQL variables") at about 32,800. The rows are seeded by bulk inserts
// through ent, copying the shape of one order submitted through the API; then every
// list must answer 200 with a bounded first page, a cursor walk over a slice (a search
// or filter that picks about 1 in 20) must return each of its items exactly once, in
// order, the board's counts must be right, and search must find an order by its
// number, its customer and a SKU.
//
// SLUICE_SCALE_N sets the open items per list (default 40,500); SLUICE_SCALE_WALK=1
// also walks every list whole (the bigger run).
func TestBoundedListsAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 40,000+ rows per list")
	}
	if raceDetector {
		// nothing here is concurrent, and seeding under the detector takes tens of
		// minutes: make test-go runs it without (the package's other tests run under it)
		t.Skip("runs without the race detector (make test-go)")
	}
	n := 40_500
	if v := os.Getenv("SLUICE_SCALE_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			t.Fatalf("SLUICE_SCALE_N=%q", v)
		}
	}
	whole := os.Getenv("SLUICE_SCALE_WALK") == "1"
	seed := rand.Uint64()
	t.Logf("seed %d (n %d)", seed, n)
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		rng := rand.New(rand.NewPCG(seed, 16))
		e := start(t, s)
		ctx := context.Background()
		clerk, admin := e.login("clerk"), e.login("admin")

		// the template: one order through the API, waiting at its first review node for the clerk
		var tmpl order
		r := e.do("POST", "/api/v1/orders", clerk, sampleBody(t, "small-standard.json"))
		if r.status != 201 {
			t.Fatalf("submit: %d %s", r.status, r.body)
		}
		r.json(t, &tmpl)
		o := s.Read.Order.GetX(ctx, tmpl.ID)
		ni := s.Read.NodeInstance.Query().Where(nodeinstance.OrderID(o.ID), nodeinstance.Status("active")).FirstX(ctx)
		tk := s.Read.Task.Query().Where(task.OrderID(o.ID), task.Status("open")).FirstX(ctx)
		if !slices.Contains(tk.Assignees, "clerk") {
			t.Fatalf("the template's task is not the clerk's: %v", tk.Assignees)
		}
		dept, node := o.Department, ni.NodeID

		// n orders at that node with an open task for the clerk; 1 in 20 is a "slice"
		// order (customer Slice Trading, SKU SLC-…), one is unique in each search field
		start := time.Now()
		var sliceOrders []int // ids, ascending
		oids := make([]int, 0, n)
		tids := make([]int, 0, n)
		const batch = 2000
		for lo := 0; lo < n; lo += batch {
			hi := min(lo+batch, n)
			err := s.Tx(ctx, func(tx *ent.Tx) error {
				oc := make([]*ent.OrderCreate, 0, hi-lo)
				for i := lo; i < hi; i++ {
					cust, sku := fmt.Sprintf("Customer %d", rng.IntN(500)), fmt.Sprintf("SKU-%05d", i)
					switch {
					case i%20 == 7:
						cust, sku = "Slice Trading", fmt.Sprintf("SLC-%05d", i)
					case i == n/2:
						cust, sku = "Zephyrine Unique Ltd", "QX-77731"
					}
					data := map[string]any{"customer": map[string]any{"name": cust, "tier": "standard"},
						"items": []any{map[string]any{"sku": sku, "name": "part", "qty": 1, "price": 10}}}
					oc = append(oc, tx.Order.Create().SetNumber(fmt.Sprintf("SCALE-%07d", i)).SetFlowKey(o.FlowKey).
						SetFlowVersion(o.FlowVersion).SetStatus(o.Status).SetDepartment(dept).SetSubmitter("clerk").
						SetData(data).SetTotal(10).SetCurrentNodes([]string{node}).SetSource("scale"))
				}
				os, err := tx.Order.CreateBulk(oc...).Save(ctx)
				if err != nil {
					return err
				}
				nc := make([]*ent.NodeInstanceCreate, len(os))
				for i, x := range os {
					oids = append(oids, x.ID)
					if (lo+i)%20 == 7 {
						sliceOrders = append(sliceOrders, x.ID)
					}
					nc[i] = tx.NodeInstance.Create().SetOrderID(x.ID).SetNodeID(node).SetNodeType(ni.NodeType).SetStatus("active").
						SetMode(ni.Mode).SetRequired(ni.Required).SetPool(ni.Pool).SetDepartment(ni.Department)
				}
				nis, err := tx.NodeInstance.CreateBulk(nc...).Save(ctx)
				if err != nil {
					return err
				}
				tc := make([]*ent.TaskCreate, len(nis))
				for i, x := range nis {
					tc[i] = tx.Task.Create().SetOrderID(x.OrderID).SetNodeInstanceID(x.ID).SetNodeID(node).
						SetDepartment(tk.Department).SetAssignees([]string{"clerk"}).SetKind(tk.Kind)
				}
				ts, err := tx.Task.CreateBulk(tc...).Save(ctx)
				if err != nil {
					return err
				}
				ac := make([]*ent.TaskAssigneeCreate, len(ts))
				xc := make([]*ent.ExceptionCreate, len(ts))
				nc2 := make([]*ent.NotificationCreate, len(ts))
				ic := make([]*ent.ImportJobCreate, len(ts))
				mc := make([]*ent.OutboxMessageCreate, len(ts))
				hc := make([]*ent.AuditEntryCreate, len(ts))
				for i, x := range ts {
					k := lo + i
					tids = append(tids, x.ID)
					ac[i] = tx.TaskAssignee.Create().SetTaskID(x.ID).SetUsername("clerk").SetOpen(true)
					reason := "stock"
					if k%20 == 7 {
						reason = "address"
					}
					xc[i] = tx.Exception.Create().SetOrderID(x.OrderID).SetNode(node).SetReason(reason).SetDepartment(dept).
						SetDetail(map[string]any{"owners": []any{"clerk"}})
					nc2[i] = tx.Notification.Create().SetUsername("clerk").SetType("mention").SetTitle(fmt.Sprintf("n%d", k)).
						SetData(map[string]any{})
					ic[i] = tx.ImportJob.Create().SetFlowKey(o.FlowKey).SetFileHash(fmt.Sprintf("h%d", k)).SetStatus("done").SetCreatedBy("clerk")
					mc[i] = tx.OutboxMessage.Create().SetKey(fmt.Sprintf("scale-%d", k)).SetChannel("email").SetRecipient("x@example.com").SetStatus("dead")
					// one order's long timeline (the chain is not verified here)
					hc[i] = tx.AuditEntry.Create().SetSeq(int64(1_000_000_000 + k)).SetAt(time.Now().UTC()).SetActor("clerk").
						SetChain(fmt.Sprintf("order:%d", o.ID)).SetChainSeq(int64(1_000_000_000 + k)).
						SetAction("order.comment").SetOrderID(o.ID).SetDetail(map[string]any{"comment": fmt.Sprintf("c%d", k)}).
						SetPrevHash("x").SetHash("x")
				}
				if err := tx.TaskAssignee.CreateBulk(ac...).Exec(ctx); err != nil {
					return err
				}
				if err := tx.Exception.CreateBulk(xc...).Exec(ctx); err != nil {
					return err
				}
				if err := tx.Notification.CreateBulk(nc2...).Exec(ctx); err != nil {
					return err
				}
				if err := tx.ImportJob.CreateBulk(ic...).Exec(ctx); err != nil {
					return err
				}
				if err := tx.OutboxMessage.CreateBulk(mc...).Exec(ctx); err != nil {
					return err
				}
				return tx.AuditEntry.CreateBulk(hc...).Exec(ctx)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%s: seeded %d open orders, tasks, exceptions, notifications, imports, outbox messages and history entries in %v",
			s.Dialect, n, time.Since(start).Round(time.Millisecond))
		if s.Dialect == "postgres" { // what autovacuum does a minute after a bulk load
			if _, err := s.DB.ExecContext(ctx, "ANALYZE orders, node_instances, tasks, task_assignees, exceptions, notifications, import_jobs, outbox_messages, audit_entries"); err != nil {
				t.Fatal(err)
			}
		}
		if c := s.Read.Order.Query().Where(entorder.Department(dept), entorder.Status(o.Status)).CountX(ctx); c <= 40_000 && n >= 40_000 {
			t.Fatalf("only %d open orders in %s", c, dept)
		}

		// get answers the median of five reads (the figures logged at the end)
		get := func(tok, path string, v any) time.Duration {
			t.Helper()
			var ds []time.Duration
			for range 5 {
				t0 := time.Now()
				r := e.do("GET", path, tok, nil)
				ds = append(ds, time.Since(t0))
				if r.status != 200 {
					t.Fatalf("GET %s: %d %s", path, r.status, r.body)
				}
				r.json(t, v)
				if strings.Contains(path, "cursor=") || strings.Contains(path, "before=") {
					break // a walk's page: once
				}
			}
			slices.Sort(ds)
			return ds[len(ds)/2]
		}
		// walk follows next_cursor from path until the last page (or max items) and
		// returns the ids in the order served.
		walk := func(tok, path string, max int, page func(any) ([]int, string)) []int {
			t.Helper()
			var all []int
			cursor := ""
			for pages := 0; ; pages++ {
				p := path
				if cursor != "" {
					key := "cursor"
					if strings.Contains(path, "/notifications") {
						key = "before" // the inbox's own paging parameter
					}
					p += "&" + key + "=" + url.QueryEscape(cursor)
				}
				var doc map[string]any
				get(tok, p, &doc)
				ids, next := page(doc)
				all = append(all, ids...)
				if next == "" || (max > 0 && len(all) >= max) {
					return all
				}
				if pages > n {
					t.Fatalf("%s: no end of pages", path)
				}
				cursor = next
			}
		}
		items := func(key, idKey string) func(any) ([]int, string) {
			return func(v any) ([]int, string) {
				doc := v.(map[string]any)
				var ids []int
				for _, it := range doc[key].([]any) {
					m := it.(map[string]any)
					if idKey == "order.id" {
						m = m["order"].(map[string]any)
						ids = append(ids, int(m["id"].(float64)))
						continue
					}
					ids = append(ids, int(m[idKey].(float64)))
				}
				next, _ := doc["next_cursor"].(string)
				if nx, ok := doc["next"].(float64); ok {
					next = strconv.Itoa(int(nx))
				}
				return ids, next
			}
		}
		column := func(v any) ([]int, string) {
			for _, c := range v.(map[string]any)["columns"].([]any) {
				cm := c.(map[string]any)
				if cm["node"] == node {
					var ids []int
					for _, cd := range cm["cards"].([]any) {
						ids = append(ids, int(cd.(map[string]any)["order_id"].(float64)))
					}
					next, _ := cm["next_cursor"].(string)
					return ids, next
				}
			}
			t.Fatalf("no column %s", node)
			return nil, ""
		}
		exactly := func(what string, got, want []int) {
			t.Helper()
			if !slices.Equal(got, want) {
				n := min(len(got), len(want), 10)
				t.Fatalf("%s: %d items served, %d expected (first %v vs %v)", what, len(got), len(want), got[:n], want[:n])
			}
		}
		desc := func(ids []int) []int {
			out := slices.Clone(ids)
			sort.Sort(sort.Reverse(sort.IntSlice(out)))
			return out
		}
		figures := map[string]time.Duration{}

		// the board: one page per column, counts from SQL
		var b struct {
			Columns []struct {
				Node       string `json:"node"`
				Count      int    `json:"count"`
				NextCursor string `json:"next_cursor"`
				Cards      []struct {
					OrderID int `json:"order_id"`
				} `json:"cards"`
			} `json:"columns"`
		}
		figures["board"] = get(clerk, "/api/v1/boards/"+dept, &b)
		for _, c := range b.Columns {
			if c.Node == node {
				if c.Count != n+1 || len(c.Cards) != 50 || c.NextCursor == "" {
					t.Fatalf("board column %s: count %d (want %d), %d cards, next %q", node, c.Count, n+1, len(c.Cards), c.NextCursor)
				}
			} else if c.Count != len(c.Cards) {
				t.Fatalf("board column %s: count %d, %d cards", c.Node, c.Count, len(c.Cards))
			}
		}
		exactly("board slice", walk(clerk, "/api/v1/boards/"+dept+"?node="+node+"&limit=200&q=slice+trading", 0, column), sliceOrders)
		var sb struct {
			Columns []struct {
				Node  string `json:"node"`
				Count int    `json:"count"`
			} `json:"columns"`
		}
		get(clerk, "/api/v1/boards/"+dept+"?q=slice+trading", &sb)
		for _, c := range sb.Columns {
			if c.Node == node && c.Count != len(sliceOrders) {
				t.Fatalf("searched board counts %d, want %d", c.Count, len(sliceOrders))
			}
		}
		figures["board search"] = get(clerk, "/api/v1/boards/"+dept+"?q=zephyrine", &b)
		if whole {
			all := walk(clerk, "/api/v1/boards/"+dept+"?node="+node+"&limit=200", 0, column)
			exactly("whole board column", all, append([]int{tmpl.ID}, oids...))
		}

		// the order list, newest first
		var op map[string]any
		figures["orders"] = get(clerk, "/api/v1/orders?limit=50", &op)
		if ids, next := items("items", "id")(op); len(ids) != 50 || next == "" {
			t.Fatalf("orders: first page of %d, next %q", len(ids), next)
		}
		exactly("orders slice", walk(clerk, "/api/v1/orders?limit=200&q=slice", 0, items("items", "id")), desc(sliceOrders))

		// search by number, customer, SKU: on the board and in the list
		unique := oids[n/2]
		for _, q := range []string{fmt.Sprintf("SCALE-%07d", n/2), "zephyrine unique", "qx-77731"} {
			got := walk(clerk, "/api/v1/orders?q="+url.QueryEscape(q), 0, items("items", "id"))
			exactly("orders ?q="+q, got, []int{unique})
			got = walk(clerk, "/api/v1/boards/"+dept+"?node="+node+"&q="+url.QueryEscape(q), 0, column)
			exactly("board ?q="+q, got, []int{unique})
		}

		// the inbox: the clerk's open tasks, oldest first
		var tp map[string]any
		figures["inbox"] = get(clerk, "/api/v1/tasks?limit=50", &tp)
		if ids, next := items("items", "id")(tp); len(ids) != 50 || next == "" {
			t.Fatalf("inbox: first page of %d, next %q", len(ids), next)
		}
		want := append([]int{tk.ID}, tids...)
		slice := min(2_000, n)
		if whole {
			slice = len(want)
		}
		inbox := walk(clerk, "/api/v1/tasks?limit=200", slice, items("items", "id"))
		exactly("inbox", inbox[:min(len(inbox), slice)], want[:slice])

		// exceptions (a reason 1 in 20 has), notifications, imports, outbox, history
		var xp map[string]any
		figures["exceptions"] = get(clerk, "/api/v1/exceptions?limit=50", &xp)
		if ids, next := items("items", "id")(xp); len(ids) != 50 || next == "" {
			t.Fatalf("exceptions: first page of %d, next %q", len(ids), next)
		}
		if got := walk(clerk, "/api/v1/exceptions?limit=200&reason=address", 0, items("items", "id")); len(got) != len(sliceOrders) ||
			!slices.IsSortedFunc(got, func(a, b int) int { return b - a }) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Fatalf("exceptions: %d served, %d expected, in order and once each", len(got), len(sliceOrders))
		}
		var np map[string]any
		figures["notifications"] = get(clerk, "/api/v1/notifications?limit=50", &np)
		if np["unread"].(float64) < float64(n) || len(np["items"].([]any)) != 50 {
			t.Fatalf("notifications: unread %v, %d items", np["unread"], len(np["items"].([]any)))
		}
		checkDesc := func(what, path string) {
			t.Helper()
			got := walk(clerk, path, slice, items("items", "id"))
			if len(got) < slice || !slices.IsSortedFunc(got, func(a, b int) int { return b - a }) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Fatalf("%s: %d served, not %d newest first once each", what, len(got), slice)
			}
		}
		checkDesc("notifications", "/api/v1/notifications?limit=200&x=")
		figures["imports"] = get(clerk, "/api/v1/imports?limit=50", &np)
		checkDesc("imports", "/api/v1/imports?limit=200")
		var mp map[string]any
		figures["outbox"] = get(admin, "/api/v1/admin/outbox?limit=50&status=dead", &mp)
		if ids, next := items("items", "id")(mp); len(ids) != 50 || next == "" {
			t.Fatalf("outbox: first page of %d, next %q", len(ids), next)
		}
		var hp map[string]any
		figures["history"] = get(clerk, fmt.Sprintf("/api/v1/orders/%d/history?limit=100", o.ID), &hp)
		hist := walk(clerk, fmt.Sprintf("/api/v1/orders/%d/history?limit=500", o.ID), slice, items("items", "seq"))
		if len(hist) < slice || !slices.IsSorted(hist) || len(slices.Compact(slices.Clone(hist))) != len(hist) {
			t.Fatalf("history: %d served, not %d oldest first once each", len(hist), slice)
		}
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range figures {
				if !yield(k) {
					return
				}
			}
		}) {
			t.Logf("%s at %d: %s first page %v", s.Dialect, n, k, figures[k].Round(100*time.Microsecond))
		}
	})
}
