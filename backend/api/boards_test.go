package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"sluice/backend/ent/event"
	"sluice/backend/ent/notification"
	"sluice/backend/ent/ordercomment"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	"sluice/schemas"
)

type boardDoc struct {
	Flow       string `json:"flow"`
	Version    int    `json:"version"`
	Department string `json:"department"`
	Columns    []struct {
		Node  string `json:"node"`
		Cards []struct {
			OrderID   int        `json:"order_id"`
			Number    string     `json:"number"`
			Customer  string     `json:"customer"`
			Assignees []string   `json:"assignees"`
			Since     time.Time  `json:"since"`
			Due       *time.Time `json:"due"`
			Lock      *struct {
				By    string    `json:"by"`
				Until time.Time `json:"until"`
			} `json:"lock"`
			Comments int `json:"comments"`
		} `json:"cards"`
	} `json:"columns"`
}

// reset empties b before a decode (json reuses slice elements and keeps absent fields).
func (b *boardDoc) reset() *boardDoc {
	*b = boardDoc{}
	return b
}

func (b boardDoc) at(node string) []int {
	var ids []int
	for _, c := range b.Columns {
		if c.Node == node {
			for _, cd := range c.Cards {
				ids = append(ids, cd.OrderID)
			}
		}
	}
	return ids
}

func TestDepartmentBoard(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		ctx := context.Background()
		tok := map[string]string{}
		for _, u := range []string{"clerk", "manager", "manager2", "finance"} {
			tok[u] = e.login(u)
		}
		var a, b order
		r := e.do("POST", "/api/v1/orders", tok["clerk"], sampleBody(t, "small-standard.json"))
		if r.status != 201 {
			t.Fatalf("submit: %d %s", r.status, r.body)
		}
		r.json(t, &a)
		r = e.do("POST", "/api/v1/orders", tok["clerk"], sampleBody(t, "large-vip.json"))
		if r.status != 201 {
			t.Fatalf("submit: %d %s", r.status, r.body)
		}
		r.json(t, &b)
		// b moves on: verified by the clerk, to the sales review
		tk := b.Tasks[0]
		if r := e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", tk.ID), tok["clerk"], approveBody(len(tk.Checklist), "")); r.status != 200 {
			t.Fatalf("verify: %d %s", r.status, r.body)
		}
		e.do("GET", fmt.Sprintf("/api/v1/orders/%d", b.ID), tok["clerk"], nil).json(t, &b)
		if len(b.Tasks) != 1 || b.Tasks[0].Node != "sales_review" {
			t.Fatalf("b at %+v", b.Tasks)
		}

		var bd boardDoc
		r = e.do("GET", "/api/v1/boards/sales?flow=order-review", tok["manager"], nil)
		if r.status != 200 {
			t.Fatalf("board: %d %s", r.status, r.body)
		}
		r.json(t, bd.reset())
		if bd.Flow != "order-review" || bd.Version < 1 || bd.Department != "sales" {
			t.Fatalf("board head %+v", bd)
		}
		var nodes []string
		for _, c := range bd.Columns {
			nodes = append(nodes, c.Node)
		}
		iv, is := slices.Index(nodes, "verify"), slices.Index(nodes, "sales_review")
		if iv < 0 || is < 0 || iv > is {
			t.Fatalf("columns %v", nodes)
		}
		if got := bd.at("verify"); !slices.Equal(got, []int{a.ID}) {
			t.Fatalf("verify cards %v, want [%d]", got, a.ID)
		}
		if got := bd.at("sales_review"); !slices.Equal(got, []int{b.ID}) {
			t.Fatalf("sales_review cards %v, want [%d]", got, b.ID)
		}
		card := bd.Columns[is].Cards[0]
		if !slices.Contains(card.Assignees, "manager") || card.Since.IsZero() || card.Customer == "" || card.Lock != nil {
			t.Fatalf("card %+v", card)
		}
		// filters
		e.do("GET", "/api/v1/boards/sales?q="+b.Number, tok["manager"], nil).json(t, bd.reset())
		if len(bd.at("verify")) != 0 || len(bd.at("sales_review")) != 1 {
			t.Fatalf("q filter: %+v", bd)
		}
		if r := e.do("GET", "/api/v1/boards/sales?status=done", tok["manager"], nil); r.status != 422 || r.problem(t).Errors[0].Code != "board.status" {
			t.Fatalf("bad status filter: %d %s", r.status, r.body)
		}
		// another department's manager may not see the board; finance reads all
		if r := e.do("GET", "/api/v1/boards/sales", tok["manager2"], nil); r.status != 403 {
			t.Fatalf("manager2: %d %s", r.status, r.body)
		}
		if r := e.do("GET", "/api/v1/boards/sales", tok["finance"], nil); r.status != 200 {
			t.Fatalf("finance: %d %s", r.status, r.body)
		}

		// locks
		lockPath := fmt.Sprintf("/api/v1/orders/%d/lock", b.ID)
		if r := e.do("POST", lockPath, tok["manager"], nil); r.status != 200 {
			t.Fatalf("lock: %d %s", r.status, r.body)
		}
		r = e.do("POST", lockPath, tok["clerk"], `{"minutes":5}`)
		if r.status != 409 || !strings.Contains(string(r.body), `"by":"manager"`) {
			t.Fatalf("conflict: %d %s", r.status, r.body)
		}
		if p := r.problem(t); !strings.HasPrefix(p.Detail, "order "+b.Number+" is locked by manager until ") {
			t.Fatalf("conflict detail: %s", r.body)
		}
		// in zh-TW: the holder and the time as data in the language's sentence
		r = e.do("DELETE", lockPath, tok["clerk"], nil, "Accept-Language", "zh-TW")
		if p := r.problem(t); r.status != 409 || !strings.HasPrefix(p.Detail, "訂單 "+b.Number+" 由 manager 鎖定至 ") ||
			!strings.HasSuffix(p.Detail, "；在此之前只有對方可以解除鎖定") || !strings.Contains(string(r.body), `"by":"manager"`) {
			t.Fatalf("release by another: %d %s", r.status, r.body)
		}
		e.do("GET", "/api/v1/boards/sales", tok["clerk"], nil).json(t, bd.reset())
		if c := bd.Columns[is].Cards[0]; c.Lock == nil || c.Lock.By != "manager" || !c.Lock.Until.After(time.Now()) {
			t.Fatalf("lock on the card: %+v", c.Lock)
		}
		// expiry: the lock lapses, and the clerk takes it over
		if n, err := s.Client.OrderLock.Update().SetExpiresAt(time.Now().Add(-time.Minute)).Save(ctx); err != nil || n != 1 {
			t.Fatal(n, err)
		}
		e.do("GET", "/api/v1/boards/sales", tok["clerk"], nil).json(t, bd.reset())
		if c := bd.Columns[is].Cards[0]; c.Lock != nil {
			t.Fatalf("expired lock still shown: %+v", c.Lock)
		}
		if r := e.do("POST", lockPath, tok["clerk"], nil); r.status != 200 {
			t.Fatalf("take over: %d %s", r.status, r.body)
		}
		// soft: the manager still acts while the clerk holds the lock
		tk = b.Tasks[0]
		if r := e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", tk.ID), tok["manager"], approveBody(len(tk.Checklist), "")); r.status != 200 {
			t.Fatalf("act under someone else's lock: %d %s", r.status, r.body)
		}
		if r := e.do("DELETE", lockPath, tok["clerk"], nil); r.status != 204 {
			t.Fatalf("release: %d %s", r.status, r.body)
		}
		for _, typ := range []string{"board.locked", "board.unlocked"} {
			for _, topic := range []string{"department:sales", fmt.Sprintf("order:%d", b.ID)} {
				if n, _ := s.Read.Event.Query().Where(event.Type(typ), event.Topic(topic)).Count(ctx); n == 0 {
					t.Fatalf("no %s on %s", typ, topic)
				}
			}
		}

		// comments
		cpath := fmt.Sprintf("/api/v1/orders/%d/comments", a.ID)
		r = e.do("POST", cpath, tok["clerk"], map[string]string{"body": "請 @manager 確認庫存。cc @nobody, mail x@manager.example"})
		if r.status != 201 {
			t.Fatalf("comment: %d %s", r.status, r.body)
		}
		var cm struct {
			ID       int      `json:"id"`
			Mentions []string `json:"mentions"`
		}
		r.json(t, &cm)
		if !slices.Equal(cm.Mentions, []string{"manager"}) {
			t.Fatalf("mentions %v", cm.Mentions)
		}
		if n, _ := s.Read.Notification.Query().Where(notification.Username("manager"), notification.Type("mention"), notification.OrderID(a.ID)).Count(ctx); n != 1 {
			t.Fatalf("%d mention notifications for manager", n)
		}
		if n, _ := s.Read.Event.Query().Where(event.Type("notification.created"), event.Topic("user:manager")).Count(ctx); n == 0 {
			t.Fatal("no event on user:manager")
		}
		if n, _ := s.Read.Event.Query().Where(event.Type("order.commented"), event.Topic("department:sales")).Count(ctx); n != 1 {
			t.Fatalf("%d order.commented events", n)
		}
		var list struct {
			Items []struct{ Body string } `json:"items"`
		}
		e.do("GET", cpath, tok["manager"], nil).json(t, &list)
		if len(list.Items) != 1 {
			t.Fatalf("comments %+v", list)
		}
		e.do("GET", "/api/v1/boards/sales", tok["manager"], nil).json(t, bd.reset())
		if c := bd.Columns[iv].Cards[0]; c.Comments != 1 {
			t.Fatalf("comment count %d", c.Comments)
		}
		if r := e.do("GET", cpath, tok["manager2"], nil); r.status != 403 {
			t.Fatalf("manager2 reads comments: %d", r.status)
		}
		// bad bodies are refused and write nothing
		before := e.counts()
		nc, _ := s.Read.OrderComment.Query().Where(ordercomment.OrderID(a.ID)).Count(ctx)
		for _, body := range []string{"", "   ", strings.Repeat("字", 2001)} {
			r := e.do("POST", cpath, tok["clerk"], map[string]string{"body": body})
			if r.status != 422 {
				t.Fatalf("body of %d chars: %d %s", len(body), r.status, r.body)
			}
			if p := r.problem(t); len(p.Errors) == 0 || p.Errors[0].Pointer != "/body" || p.Errors[0].Code != "text.length" ||
				p.Errors[0].Message != "between 1 and 2000 characters" {
				t.Fatalf("problem %+v", p)
			}
		}
		nc2, _ := s.Read.OrderComment.Query().Where(ordercomment.OrderID(a.ID)).Count(ctx)
		if after := e.counts(); after != before || nc2 != nc {
			t.Fatalf("refused comments wrote: %+v → %+v, comments %d → %d", before, after, nc, nc2)
		}
	})
}

// A card shows the customer only to who may see it: with sales_review hiding the
// customer, its manager's card at that node (the board unfiltered, and searched) leaves
// it out, while the submitter's shows it (the unfiltered board reads the customer's
// name in SQL, the searched one from the whole data).
func TestBoardCardHidesHiddenCustomer(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		admin, clerk, manager := e.login("admin"), e.login("clerk"), e.login("manager")
		b, err := fs.ReadFile(schemas.Examples(), "flows/order-review.json")
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		for _, n := range doc["nodes"].([]any) {
			if m := n.(map[string]any); m["id"] == "sales_review" {
				m["fields"] = map[string]any{"note": "hidden", "customer": "hidden"}
			}
		}
		if r := e.do("PUT", "/api/v1/definitions/flows/order-review", admin, doc); r.status != 200 {
			t.Fatalf("save draft: %d %s", r.status, r.body)
		}
		if r := e.do("POST", "/api/v1/definitions/flows/order-review/publish", admin, nil); r.status != 200 {
			t.Fatalf("publish: %d %s", r.status, r.body)
		}
		var o order
		r := e.do("POST", "/api/v1/orders", clerk, sampleBody(t, "large-vip.json"))
		if r.status != 201 {
			t.Fatalf("submit: %d %s", r.status, r.body)
		}
		r.json(t, &o)
		tk := o.Tasks[0]
		if r := e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", tk.ID), clerk, approveBody(len(tk.Checklist), "")); r.status != 200 {
			t.Fatalf("verify: %d %s", r.status, r.body)
		}
		card := func(tok, query string) (customer string, total float64) {
			t.Helper()
			var bd struct {
				Columns []struct {
					Node  string `json:"node"`
					Cards []struct {
						OrderID  int     `json:"order_id"`
						Customer string  `json:"customer"`
						Total    float64 `json:"total"`
					} `json:"cards"`
				} `json:"columns"`
			}
			r := e.do("GET", "/api/v1/boards/sales"+query, tok, nil)
			if r.status != 200 {
				t.Fatalf("board%s: %d %s", query, r.status, r.body)
			}
			r.json(t, &bd)
			for _, c := range bd.Columns {
				for _, cd := range c.Cards {
					if cd.OrderID == o.ID && c.Node == "sales_review" {
						return cd.Customer, cd.Total
					}
				}
			}
			t.Fatalf("board%s: order %d not at sales_review: %s", query, o.ID, r.body)
			return "", 0
		}
		for _, q := range []string{"", "?q=" + o.Number} {
			if name, total := card(clerk, q); name == "" || total == 0 {
				t.Fatalf("the submitter's card%s: customer %q, total %v", q, name, total)
			}
			if name, total := card(manager, q); name != "" || total == 0 {
				t.Fatalf("the manager's card%s: customer %q (hidden at sales_review), total %v", q, name, total)
			}
		}
	})
}
