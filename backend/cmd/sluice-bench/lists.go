package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"sluice/backend/cmd/internal/serverproc"
)

// The lists phase (issue 16 item 1): the first page of the board, the order list and the
// inbox at --list-orders orders (--list-open of them open), as the busiest department
// and user see them: more than 40,000 open items in each list at the defaults.
const targetListP99ms = 20.0

type listResult struct {
	Orders      int          `json:"orders"`
	Open        int          `json:"open"`
	Rows        int          `json:"rows_seeded"`
	SeedSeconds float64      `json:"seed_seconds"`
	Department  string       `json:"department"`
	User        string       `json:"user"`
	UserOpen    int          `json:"user_open_tasks"`
	DeptOpen    int          `json:"department_open_orders"`
	ThinCards   int          `json:"thin_column_cards"` // sales-south's verify column
	Pages       []pageResult `json:"pages"`
}

type pageResult struct {
	Name  string  `json:"name"`
	Path  string  `json:"path"`
	Reads int     `json:"reads"`
	Items int     `json:"items"`
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

// measureLists makes the template orders through the API of a server on a fresh
// database, stops it, seeds the orders into its file, starts it again and times each
// list's first page, reads times one after another as the busiest user.
func measureLists(ctx context.Context, bin, dir string, body []byte, n int, openShare float64, reads int, logf func(string, ...any)) (listResult, error) {
	open := int(float64(n) * openShare)
	res := listResult{Orders: n, Open: open, Department: "sales", User: submitter}
	db := filepath.Join(dir, "lists.db")
	start := func() (*server, error) {
		s, err := serverproc.Start(ctx, serverproc.Options{Bin: bin, DB: "sqlite://" + db, Demo: true,
			Env: []string{"SLUICE_ADMIN_PASSWORD=" + adminPassword, "SLUICE_LOG_LEVEL=warn"}, LogPath: filepath.Join(dir, "lists-server.log")})
		if err != nil {
			if err == serverproc.ErrInterrupted {
				return nil, errInterrupted
			}
			return nil, err
		}
		return &server{Server: s, base: s.Base}, nil
	}

	// templates: one order waiting at each of verify (the clerk), sales_review (a sales
	// manager) and ship (the warehouse), and one completed
	srv, err := start()
	if err != nil {
		return res, err
	}
	a := newAPI(srv.base, 1)
	tmpl := make([]int, 4)
	for i := range tmpl {
		tok, err := a.token(ctx, submitter)
		if err != nil {
			srv.stop()
			return res, err
		}
		o, err := a.submit(ctx, tok, body)
		if err != nil {
			srv.stop()
			return res, fmt.Errorf("template order: %w", err)
		}
		for step := 0; o.Status == "in_review" && (i == 3 || step < i); step++ {
			t, ok := nextTask(o)
			if !ok {
				break
			}
			if o, err = a.approve(ctx, a.actor(t), t); err != nil {
				srv.stop()
				return res, fmt.Errorf("template order %d: %w", i, err)
			}
		}
		tmpl[i] = o.ID
	}
	a.close()
	srv.stop()

	south := map[string]string{"manager": "manager2"}
	openV := []variant{
		{name: "verify", tmpl: tmpl[0], weight: 0.5997},
		// a few orders of sales-south at the node where sales has 42,000: its board's thin
		// column must cost a page, not a walk past the other department's orders
		{name: "verify south", tmpl: tmpl[0], dept: "sales-south", users: south, weight: 0.0003},
		{name: "sales_review", tmpl: tmpl[1], weight: 0.143},
		{name: "ship", tmpl: tmpl[2], weight: 0.086},
		{name: "sales_review south", tmpl: tmpl[1], dept: "sales-south", users: south, weight: 0.114},
		{name: "ship south", tmpl: tmpl[2], dept: "sales-south", users: south, weight: 0.057},
	}
	closedV := []variant{
		{name: "completed", tmpl: tmpl[3], weight: 2.0 / 3},
		{name: "completed south", tmpl: tmpl[3], dept: "sales-south", users: south, weight: 1.0 / 3},
	}
	logf("seeding %d orders (%d open) into %s by bulk inserts", n, open, db)
	t0 := time.Now()
	rows, err := seedOrders(ctx, db, n, open, openV, closedV, rand.New(rand.NewPCG(16, 1)))
	if err != nil {
		return res, err
	}
	res.Rows, res.SeedSeconds = rows, time.Since(t0).Seconds()
	if fi, err := os.Stat(db); err == nil {
		logf("seeded %d rows in %.1fs (%.0f MiB)", rows, res.SeedSeconds, float64(fi.Size())/(1<<20))
	}

	srv, err = start()
	if err != nil {
		return res, err
	}
	defer srv.stop()
	a = newAPI(srv.base, 1)
	defer a.close()
	type boardDoc struct {
		Columns []struct {
			Node  string `json:"node"`
			Count int    `json:"count"`
			Cards []any  `json:"cards"`
		} `json:"columns"`
	}
	var board, thin boardDoc
	cards := func(b *boardDoc) func() int {
		return func() int {
			n := 0
			for _, c := range b.Columns {
				n += len(c.Cards)
			}
			return n
		}
	}
	var page struct {
		Items []any `json:"items"`
	}
	pages := []struct {
		name, path, user string
		out              any
		items            func() int
	}{
		{"board", "/api/v1/boards/" + res.Department, submitter, &board, cards(&board)},
		{"order list", "/api/v1/orders?limit=50", submitter, &page, func() int { return len(page.Items) }},
		{"inbox", "/api/v1/tasks?limit=50", submitter, &page, func() int { return len(page.Items) }},
		// sales-south's board, as its manager: its verify column is thin (see the variants)
		{"thin board", "/api/v1/boards/sales-south", "manager2", &thin, cards(&thin)},
	}
	for _, p := range pages {
		logf("reading the %s's first page %d times (%s as %s)", p.name, reads, p.path, p.user)
		tok, err := a.token(ctx, p.user)
		if err != nil {
			return res, err
		}
		for range 3 { // warm the server's caches and SQLite's page cache
			if err := a.do(ctx, "GET", p.path, tok, nil, p.out); err != nil {
				return res, fmt.Errorf("%s: %w", p.name, err)
			}
		}
		lat := make([]time.Duration, 0, reads)
		for range reads {
			t0 := time.Now()
			if err := a.do(ctx, "GET", p.path, tok, nil, p.out); err != nil {
				return res, fmt.Errorf("%s: %w", p.name, err)
			}
			lat = append(lat, time.Since(t0))
		}
		items := p.items()
		slices.Sort(lat)
		res.Pages = append(res.Pages, pageResult{Name: p.name, Path: p.path, Reads: reads, Items: items,
			P50ms: ms(percentile(lat, 0.5)), P99ms: ms(percentile(lat, 0.99)), MaxMs: ms(lat[len(lat)-1])})
	}
	// the boards' verify columns are the clerk's open tasks (one each, the clerk alone)
	for _, b := range []boardDoc{board, thin} {
		for _, c := range b.Columns {
			if c.Node == "verify" {
				res.UserOpen += c.Count
			}
		}
	}
	for _, c := range board.Columns {
		res.DeptOpen += c.Count
	}
	for _, c := range thin.Columns {
		if c.Node == "verify" {
			res.ThinCards = c.Count
		}
	}
	return res, srv.exited()
}
