package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"sluice/backend/api"
	"sluice/backend/app"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	_ "sluice/plugins/all"
	"sluice/schemas"
)

type env struct {
	t   *testing.T
	srv *httptest.Server
	s   *store.Store
	svc *app.Service
}

func start(t *testing.T, s *store.Store) *env {
	t.Helper()
	return startWith(t, s, api.Options{})
}

// startWith starts the API with opt (its App is the test front end).
func startWith(t *testing.T, s *store.Store, opt api.Options) *env {
	t.Helper()
	ctx := context.Background()
	svc, err := app.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.EnsureAdmin(ctx, "admin-pass-123"); err != nil {
		t.Fatal(err)
	}
	if err := svc.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	app := fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Sluice app</title>")}, "assets/app.js": {Data: []byte("console.log(1)")}}
	opt.App = app
	r, err := api.New(svc, opt)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(contract(t, r))
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, s: s, svc: svc}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem decodes a problem+json answer and checks its content type.
func (r resp) problem(t *testing.T) api.Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q for %d %s", ct, r.status, r.body)
	}
	var p api.Problem
	r.json(t, &p)
	return p
}

func (e *env) do(method, path, token string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	// The tests read the server's English texts; i18n_test.go asks for the others.
	req.Header.Set("Accept-Language", "en")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

func (e *env) login(user string) string {
	e.t.Helper()
	pw := app.DemoPassword
	if user == "admin" {
		pw = "admin-pass-123"
	}
	r := e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": pw})
	if r.status != 200 {
		e.t.Fatalf("login %s: %d %s", user, r.status, r.body)
	}
	var out struct{ Token string }
	r.json(e.t, &out)
	return out.Token
}

func sampleBody(t *testing.T, file string) []byte {
	b, err := fs.ReadFile(schemas.Examples(), "orders/"+file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type counts struct{ orders, tasks, audit, events, keys int }

func (e *env) counts() counts {
	ctx := context.Background()
	var c counts
	c.orders, _ = e.s.Read.Order.Query().Count(ctx)
	c.tasks, _ = e.s.Read.Task.Query().Count(ctx)
	c.audit, _ = e.s.Read.AuditEntry.Query().Count(ctx)
	c.events, _ = e.s.Read.Event.Query().Count(ctx)
	c.keys, _ = e.s.Read.IdempotencyKey.Query().Count(ctx)
	return c
}

type order struct {
	ID     int    `json:"id"`
	Number string `json:"number"`
	Status string `json:"status"`
	Tasks  []struct {
		ID        int      `json:"id"`
		Node      string   `json:"node"`
		Assignees []string `json:"assignees"`
		Checklist []any    `json:"checklist"`
	} `json:"tasks"`
}

// approveBody approves with every checklist item of the task ticked.
func approveBody(items int, comment string) string {
	ticks := make([]bool, items)
	for i := range ticks {
		ticks[i] = true
	}
	b, _ := json.Marshal(map[string]any{"action": "approve", "comment": comment, "checklist": ticks})
	return string(b)
}

func TestBadInputIsRefusedAndWritesNothing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk := e.login("clerk")
		before := e.counts()
		huge := `{"flow":"order-review","data":{"note":"` + strings.Repeat("x", api.MaxBody) + `"}}`
		cases := []struct {
			name    string
			method  string
			path    string
			token   string
			body    any
			status  int
			pointer string
		}{
			{"no login", "POST", "/api/v1/orders", "", sampleBody(t, "small-standard.json"), 401, ""},
			{"bad token", "GET", "/api/v1/me", "nope", nil, 401, ""},
			{"too large", "POST", "/api/v1/orders", clerk, huge, 413, ""},
			{"malformed", "POST", "/api/v1/orders", clerk, `{"flow": "order-review", `, 400, ""},
			{"unknown field", "POST", "/api/v1/orders", clerk, `{"flow":"order-review","data":{},"extra":1}`, 400, "/extra"},
			{"wrong type", "POST", "/api/v1/orders", clerk, `{"flow":7,"data":{}}`, 400, "/flow"},
			{"schema violation", "POST", "/api/v1/orders", clerk, `{"flow":"order-review","data":{"customer":{"name":"x","tier":"gold"},"items":[],"currency":"TWD"}}`, 422, "/data/"},
			{"unknown flow", "POST", "/api/v1/orders", clerk, `{"flow":"nope","data":{}}`, 422, "/flow"},
			{"not allowed to submit", "POST", "/api/v1/orders", e.login("warehouse"), sampleBody(t, "small-standard.json"), 403, ""},
			{"unknown task", "POST", "/api/v1/tasks/999999/actions", clerk, `{"action":"approve"}`, 404, ""},
			{"unknown action", "POST", "/api/v1/tasks/1/actions", clerk, `{"action":"dance"}`, 422, "/action"},
			{"definition by non-admin", "PUT", "/api/v1/definitions/roles/x", clerk, `{"kind":"role","key":"x"}`, 403, ""},
			{"invalid definition", "PUT", "/api/v1/definitions/flows/bad", e.login("admin"), `{"kind":"flow","key":"bad","form":"order","nodes":[{"id":"s","type":"start"},{"id":"e","type":"end"}],"edges":[{"from":"s","to":"ghost"}]}`, 422, "/edges/0/to"},
			// audit.read is checked company-wide: in a department role it would grant nothing
			{"company-wide permission in a department role", "PUT", "/api/v1/definitions/roles/finance", e.login("admin"), `{"kind":"role","key":"finance","scope":"department","permissions":["orders.read","orders.read_all","audit.read"]}`, 422, "/permissions/2"},
		}
		before = e.counts() // logins above wrote sessions and audit entries
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(tc.method, tc.path, tc.token, tc.body)
				if r.status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
				}
				p := r.problem(t)
				if p.Status != tc.status || p.Title == "" {
					t.Fatalf("problem %+v", p)
				}
				if tc.pointer != "" {
					found := false
					for _, fe := range p.Errors {
						if strings.HasPrefix(fe.Pointer, tc.pointer) && fe.Message != "" {
							found = true
						}
					}
					if !found {
						t.Fatalf("no error at %s in %+v", tc.pointer, p.Errors)
					}
				}
			})
		}
		if after := e.counts(); after != before {
			t.Fatalf("refused requests wrote: %+v → %+v", before, after)
		}
	})
}

func TestCookieSessionNeedsCSRF(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		res, err := c.Post(e.srv.URL+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"clerk","password":"sluice-demo"}`))
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("login: %v %v", err, res.Status)
		}
		res.Body.Close()
		var csrf string
		for _, ck := range res.Cookies() {
			if ck.Name == "sluice_session" && !ck.HttpOnly {
				t.Fatal("session cookie must be HttpOnly")
			}
			if ck.Name == "sluice_csrf" {
				csrf = ck.Value
			}
		}
		if csrf == "" {
			t.Fatal("no csrf cookie")
		}
		post := func(withCSRF bool) int {
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/orders", bytes.NewReader(sampleBody(t, "small-standard.json")))
			req.Header.Set("Content-Type", "application/json")
			if withCSRF {
				req.Header.Set("X-CSRF-Token", csrf)
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		if got := post(false); got != 403 {
			t.Fatalf("cookie POST without CSRF header: %d, want 403", got)
		}
		if got := post(true); got != 201 {
			t.Fatalf("cookie POST with CSRF header: %d, want 201", got)
		}
		res, _ = c.Get(e.srv.URL + "/api/v1/me")
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("GET with cookie: %d", res.StatusCode)
		}
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/auth/logout", nil)
		req.Header.Set("X-CSRF-Token", csrf)
		res, _ = c.Do(req)
		res.Body.Close()
		res, _ = c.Get(e.srv.URL + "/api/v1/me")
		res.Body.Close()
		if res.StatusCode != 401 {
			t.Fatalf("after logout: %d", res.StatusCode)
		}
	})
}

func TestLoginRateLimited(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	var last resp
	for i := 0; i < 15; i++ {
		last = e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "clerk", "password": "wrong"})
		if last.status == 429 {
			break
		}
		if last.status != 401 {
			t.Fatalf("attempt %d: %d", i, last.status)
		}
	}
	if last.status != 429 || last.header.Get("Retry-After") == "" {
		t.Fatalf("no 429 with Retry-After after repeated failures: %d %v", last.status, last.header)
	}
}

// Successful sign-ins do not count: a whole office behind one address can sign in, while
// failures from that address still run into the limit.
func TestLoginRateLimitCountsFailuresOnly(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	users := []string{"clerk", "manager", "manager2", "finance", "finance2", "warehouse", "service"}
	for i := 0; i < 150; i++ {
		u := users[i%len(users)]
		if r := e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": u, "password": "sluice-demo"}); r.status != 200 {
			t.Fatalf("sign-in %d (%s) from one address: %d", i, u, r.status)
		}
	}
	var last resp
	for i := 0; i < 200 && last.status != 429; i++ {
		last = e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": fmt.Sprintf("nobody%d", i), "password": "wrong"})
	}
	if last.status != 429 {
		t.Fatalf("failures from one address at many accounts never limited: %d", last.status)
	}
}

// loginFrom signs in as user from address (the test server trusts 127.0.0.1 as a proxy).
func (e *env) loginFrom(address, user, password string) resp {
	e.t.Helper()
	return e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": password}, "X-Forwarded-For", address)
}

// An attacker hammering admin from one address is stopped there (429 with Retry-After)
// and cannot keep admin from signing in from another address; nor can many addresses
// together, which only slow each other down (the account's backoff).
func TestLoginLockoutNeedsTheAttackersOwnAddress(t *testing.T) {
	e := startWith(t, storetest.SQLite(t), api.Options{TrustedProxies: []string{"127.0.0.1"}})
	var last resp
	for i := 0; i < 60; i++ {
		last = e.loginFrom("198.51.100.1", "admin", "guess")
		if last.status != 401 && last.status != 429 {
			t.Fatalf("attempt %d: %d %s", i, last.status, last.body)
		}
	}
	if last.status != 429 || last.header.Get("Retry-After") == "" {
		t.Fatalf("the attacking address is not limited: %d %v", last.status, last.header)
	}
	if r := e.loginFrom("198.51.100.1", "admin", "admin-pass-123"); r.status != 429 {
		t.Fatalf("the blocked address may still try: %d", r.status)
	}
	if r := e.loginFrom("203.0.113.7", "admin", "admin-pass-123"); r.status != 200 {
		t.Fatalf("admin locked out from another address: %d %s", r.status, r.body)
	}

	// Many addresses: the account's budget runs out and each address is slowed to a
	// couple of tries, but a fresh address with the right password still signs in.
	slowed := false
	for a := 0; a < 40; a++ {
		addr := fmt.Sprintf("192.0.2.%d", a+1)
		for i := 0; i < 3; i++ {
			if r := e.loginFrom(addr, "admin", "guess"); r.status == 429 {
				slowed = true
			}
		}
	}
	if !slowed {
		t.Fatal("40 addresses × 3 wrong attempts at one account were never slowed down")
	}
	if r := e.loginFrom("203.0.113.99", "admin", "admin-pass-123"); r.status != 200 {
		t.Fatalf("admin locked out from a fresh address during a distributed attack: %d %s", r.status, r.body)
	}
}

// Without trusted proxies X-Forwarded-For is not believed: a client cannot escape its
// address's limit by sending a new one with each attempt.
func TestLoginLimitIgnoresSpoofedForwardedFor(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	var last resp
	for i := 0; i < 20 && last.status != 429; i++ {
		last = e.loginFrom(fmt.Sprintf("192.0.2.%d", i+1), "clerk", "wrong")
	}
	if last.status != 429 {
		t.Fatalf("spoofed X-Forwarded-For escaped the limit: %d", last.status)
	}
}

// The contract's acceptance path over HTTP: submit, walk, another department's
// reviewer refused, a race on one task answered 200 and 409, a replayed key answered
// with the first response.
func TestOrderOverHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		tokens := map[string]string{}
		for _, u := range []string{"clerk", "manager", "manager2", "finance", "finance2", "warehouse", "service"} {
			tokens[u] = e.login(u)
		}
		r := e.do("POST", "/api/v1/orders", tokens["clerk"], sampleBody(t, "large-vip.json"), "Idempotency-Key", "abc-1")
		if r.status != 201 {
			t.Fatalf("submit: %d %s", r.status, r.body)
		}
		var o order
		r.json(t, &o)
		again := e.do("POST", "/api/v1/orders", tokens["clerk"], sampleBody(t, "large-vip.json"), "Idempotency-Key", "abc-1")
		if again.status != 201 || !bytes.Equal(again.body, r.body) {
			t.Fatalf("replay: %d %s", again.status, again.body)
		}
		if n := e.counts().orders; n != 1 {
			t.Fatalf("%d orders after a replayed key", n)
		}
		// the clerk verifies; two tabs race
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i := range codes {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				codes[i] = e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", o.Tasks[0].ID), tokens["clerk"], approveBody(len(o.Tasks[0].Checklist), "")).status
			}(i)
		}
		wg.Wait()
		if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
			t.Fatalf("race codes %v, want one 200 and one 409", codes)
		}
		r = e.do("GET", fmt.Sprintf("/api/v1/orders/%d", o.ID), tokens["clerk"], nil)
		r.json(t, &o)
		if o.Tasks[0].Node != "sales_review" {
			t.Fatalf("at %+v", o.Tasks)
		}
		if r := e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", o.Tasks[0].ID), tokens["manager2"], `{"action":"approve"}`); r.status != 403 {
			t.Fatalf("another department's manager: %d %s", r.status, r.body)
		}
		for steps := 0; o.Status == "in_review"; steps++ {
			if steps > 10 {
				t.Fatalf("stuck: %+v", o)
			}
			tk := o.Tasks[0]
			r := e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", tk.ID), tokens[tk.Assignees[0]], approveBody(len(tk.Checklist), "同意"))
			if r.status != 200 {
				t.Fatalf("%s on %s: %d %s", tk.Assignees[0], tk.Node, r.status, r.body)
			}
			var res struct{ Order order }
			r.json(t, &res)
			o = res.Order
		}
		if o.Status != "completed" {
			t.Fatalf("ended %s", o.Status)
		}
		var hist struct {
			Items []struct{ Action, Actor, Node string }
		}
		e.do("GET", fmt.Sprintf("/api/v1/orders/%d/history", o.ID), tokens["clerk"], nil).json(t, &hist)
		approvals := 0
		for _, h := range hist.Items {
			if h.Action == "approve" {
				approvals++
			}
		}
		if approvals != 6 { // verify, sales, finance ×2, ship, after-sales
			t.Fatalf("%d approvals in the history: %+v", approvals, hist.Items)
		}
		var list struct{ Items []order }
		e.do("GET", "/api/v1/orders?status=completed", tokens["manager"], nil).json(t, &list)
		if len(list.Items) != 1 {
			t.Fatalf("manager sees %d completed orders", len(list.Items))
		}
		e.do("GET", "/api/v1/orders", tokens["manager2"], nil).json(t, &list)
		if len(list.Items) != 0 {
			t.Fatalf("another department's manager sees %d orders", len(list.Items))
		}
	})
}

func TestFrontEndAndHealth(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	for _, tc := range []struct {
		path, want string
		status     int
	}{
		{"/", "Sluice app", 200},
		{"/tasks/12", "Sluice app", 200},
		{"/assets/app.js", "console.log", 200},
		{"/healthz", "ok", 200},
		{"/readyz", "ready", 200},
		{"/api/v1/nothing", "no such endpoint", 404},
	} {
		r := e.do("GET", tc.path, "", nil)
		if r.status != tc.status || !strings.Contains(string(r.body), tc.want) {
			t.Fatalf("%s: %d %s", tc.path, r.status, r.body)
		}
	}
}

func TestPluginsForTheDesigner(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	var out struct {
		Items []struct {
			Name           string
			SettingsSchema map[string]any `json:"settings_schema"`
			Outcomes       []string
		}
	}
	r := e.do("GET", "/api/v1/plugins", e.login("admin"), nil)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r.json(t, &out)
	found := false
	for _, p := range out.Items {
		if p.Name == "inventory.check" {
			found = p.SettingsSchema["type"] == "object" && len(p.Outcomes) > 1
		}
	}
	if !found {
		t.Fatalf("inventory.check with its schema and outcomes: %+v", out.Items)
	}
	if r := e.do("GET", "/api/v1/plugins", e.login("clerk"), nil); r.status != 403 {
		t.Fatalf("clerk: %d", r.status)
	}
}

// GET /me lists the permissions the caller holds somewhere, from their roles (the demo's
// role definitions), so the UI shows only what they may use; a user without a membership
// holds none, and what /me denies the server refuses.
func TestMeListsPermissions(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	all := []string{"orders.create", "orders.read", "orders.read_all", "definitions.manage", "users.manage",
		"audit.read", "exceptions.resolve", "customers.manage", "stock.manage"}
	admin := e.login("admin")
	r := e.do("POST", "/api/v1/users", admin, map[string]any{"username": "visitor", "password": "visitor-pass-1"})
	if r.status != 201 {
		t.Fatalf("create user: %d %s", r.status, r.body)
	}
	cases := []struct {
		user string
		want []string
	}{
		{"admin", all},
		{"clerk", []string{"orders.create", "orders.read", "exceptions.resolve"}},
		{"manager", []string{"orders.create", "orders.read", "exceptions.resolve", "customers.manage"}},
		{"finance", []string{"orders.read", "orders.read_all"}},
		{"warehouse", []string{"orders.read", "orders.read_all", "exceptions.resolve", "stock.manage"}},
		{"visitor", []string{}},
	}
	// A company-wide permission comes with a global role, whichever department the
	// membership names.
	auditor := map[string]any{"kind": "role", "key": "auditor", "scope": "global", "permissions": []string{"audit.read"}}
	if r := e.do("PUT", "/api/v1/definitions/roles/auditor", admin, auditor); r.status != 200 {
		t.Fatalf("save auditor role: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/definitions/roles/auditor/publish", admin, nil); r.status != 200 {
		t.Fatalf("publish auditor role: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/api/v1/users", admin, map[string]any{"username": "erin", "password": "visitor-pass-1",
		"memberships": []map[string]string{{"department": "sales", "role": "auditor"}}})
	if r.status != 201 {
		t.Fatalf("create auditor: %d %s", r.status, r.body)
	}
	cases = append(cases, struct {
		user string
		want []string
	}{"erin", []string{"audit.read"}})
	for _, c := range cases {
		t.Run(c.user, func(t *testing.T) {
			tok := admin
			switch c.user {
			case "admin":
			case "visitor", "erin":
				r := e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": c.user, "password": "visitor-pass-1"})
				var out struct{ Token string }
				r.json(t, &out)
				tok = out.Token
			default:
				tok = e.login(c.user)
			}
			var me struct {
				Permissions []string `json:"permissions"`
			}
			e.do("GET", "/api/v1/me", tok, nil).json(t, &me)
			if !slices.Equal(me.Permissions, c.want) {
				t.Fatalf("%s: permissions %v, want %v", c.user, me.Permissions, c.want)
			}
			// What /me lists the server grants, and what it leaves out the server refuses.
			want := 403
			if slices.Contains(me.Permissions, "audit.read") || slices.Contains(me.Permissions, "users.manage") {
				want = 200
			}
			if st := e.do("GET", "/api/v1/admin/status", tok, nil).status; st != want {
				t.Fatalf("%s holds %v, yet GET /admin/status answered %d, want %d", c.user, me.Permissions, st, want)
			}
			if !slices.Contains(me.Permissions, "definitions.manage") {
				if st := e.do("PUT", "/api/v1/definitions/role/intruder", tok, map[string]any{}).status; st != 403 {
					t.Fatalf("%s may not manage definitions, yet PUT /definitions answered %d", c.user, st)
				}
			}
		})
	}
}
