package api_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"sluice/backend/api"
	"sluice/backend/app"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// A new user's password may not be a common one, too short or the username: 422 with
// the pointer /password, and nothing written. The demo users' seeded password still
// signs in.
func TestNewUserPasswordRules(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		admin := e.login("admin")
		before := e.counts()
		for _, pw := range []string{"password", "Password1", "iloveyou", "short", "visitor", ""} {
			r := e.do("POST", "/api/v1/users", admin, map[string]any{"username": "visitor", "password": pw})
			if r.status != 422 {
				t.Fatalf("password %q: %d %s", pw, r.status, r.body)
			}
			p := r.problem(t)
			if len(p.Errors) != 1 || p.Errors[0].Pointer != "/password" {
				t.Fatalf("password %q: errors %+v", pw, p.Errors)
			}
		}
		if after := e.counts(); after != before {
			t.Fatalf("refused users wrote: %+v -> %+v", before, after)
		}
		if r := e.do("POST", "/api/v1/users", admin, map[string]any{"username": "visitor", "password": "visitor-pass-1"}); r.status != 201 {
			t.Fatalf("a fine password refused: %d %s", r.status, r.body)
		}
		e.login("clerk") // seeded with app.DemoPassword, not through the rules
	})
}

// The configured admin password follows the same rules: a common one stops the start.
func TestAdminPasswordMustNotBeCommon(t *testing.T) {
	svc, err := app.New(context.Background(), storetest.SQLite(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = svc.EnsureAdmin(context.Background(), "password")
	if err == nil || !strings.Contains(err.Error(), "admin_password") {
		t.Fatalf("EnsureAdmin with a common password: %v", err)
	}
}

// /metrics answers the configured scraper token or an admin's session; nobody else.
func TestMetricsNeedTokenOrAdmin(t *testing.T) {
	e := startWith(t, storetest.SQLite(t), api.Options{MetricsToken: "scrape-token-0123456789"})
	cases := []struct {
		name, token string
		want        int
	}{
		{"nobody", "", 401},
		{"wrong token", "scrape-token-wrong", 401},
		{"scraper token", "scrape-token-0123456789", 200},
		{"admin session", e.login("admin"), 200},
		{"clerk session", e.login("clerk"), 403},
	}
	for _, c := range cases {
		r := e.do("GET", "/metrics", c.token, nil)
		if r.status != c.want {
			t.Fatalf("%s: %d, want %d", c.name, r.status, c.want)
		}
		if c.want == 401 && r.header.Get("WWW-Authenticate") == "" {
			t.Fatalf("%s: 401 without WWW-Authenticate", c.name)
		}
		if c.want == 200 && !strings.Contains(string(r.body), "sluice_http_request_duration_seconds") {
			t.Fatalf("%s: no metrics in %.200s", c.name, r.body)
		}
	}
	// Without a configured token, a bearer of any kind is only a session.
	e = start(t, storetest.SQLite(t))
	if r := e.do("GET", "/metrics", "", nil); r.status != 401 {
		t.Fatalf("no token configured, anonymous: %d", r.status)
	}
}

// Every response, the app's documents and assets, the API's answers and its errors,
// carries the security headers: no framing, no sniffing, script only from the app's
// own origin.
func TestSecurityHeaders(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	for _, path := range []string{"/", "/orders/7", "/assets/app.js", "/api/v1/openapi.json", "/api/v1/me", "/api/v1/nothing", "/healthz"} {
		r := e.do("GET", path, "", nil)
		h := r.header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self' 'unsafe-eval';", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s (%d): CSP %q lacks %q", path, r.status, csp, want)
			}
		}
		if strings.Contains(csp, "'unsafe-inline'") && !strings.Contains(csp, "style-src 'self' 'unsafe-inline'") {
			t.Errorf("%s: inline allowed beyond styles: %q", path, csp)
		}
		for k, v := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"} {
			if got := h.Get(k); got != v {
				t.Errorf("%s (%d): %s = %q, want %q", path, r.status, k, got, v)
			}
		}
	}
}

// A client trickling its body is cut at the body timeout (408, then the connection
// closes), instead of holding a connection and a goroutine for as long as it likes.
func TestTricklingBodyIsCut(t *testing.T) {
	const timeout = 300 * time.Millisecond
	e := startWith(t, storetest.SQLite(t), api.Options{BodyTimeout: timeout})
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const size = 1000
	if _, err := fmt.Fprintf(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: sluice\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", size); err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int64
	go func() { // one byte every 20 ms: the whole body would take 20 s
		for range size - 1 {
			time.Sleep(20 * time.Millisecond)
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
			sent.Add(1)
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second)) // generous: only a hang fails
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a trickled body: %v", err)
	}
	if res.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("trickled body: %d", res.StatusCode)
	}
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	if !res.Close {
		t.Fatal("the connection is kept open after a timed-out body")
	}
	if n := sent.Load(); n >= size-1 {
		t.Fatalf("the server waited for the whole trickled body (%d bytes)", n)
	}
}

// The deadline covers the body only: a handler that works longer than the timeout after
// reading its body is not cut off (its request context stays alive), and the connection
// serves the next request.
func TestBodyDeadlineEndsWithTheBody(t *testing.T) {
	const timeout = 100 * time.Millisecond
	svc, err := app.New(context.Background(), storetest.SQLite(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := api.New(svc, api.Options{BodyTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	r.POST("/test/slow", func(c *gin.Context) {
		if _, err := io.ReadAll(c.Request.Body); err != nil {
			c.String(400, "read: %v", err)
			return
		}
		select {
		case <-time.After(5 * timeout):
			c.String(200, "done")
		case <-c.Request.Context().Done():
			c.String(500, "cancelled")
		}
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	for i := range 2 {
		res, err := c.Post(srv.URL+"/test/slow", "text/plain", strings.NewReader("a small body"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, res.StatusCode, b)
		}
	}
}

// An admin disables a user: their sessions stop working at once, they cannot log in,
// and re-enabling lets them log in again (the old sessions stay ended). Nobody may
// disable themselves; non-admins may not disable anyone.
func TestDisableUser(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		admin := e.login("admin")
		clerk := e.login("clerk")
		if r := e.do("POST", "/api/v1/users/manager/disable", clerk, nil); r.status != 403 {
			t.Fatalf("clerk disables manager: %d", r.status)
		}
		if r := e.do("POST", "/api/v1/users/admin/disable", admin, nil); r.status != 409 {
			t.Fatalf("admin disables themselves: %d %s", r.status, r.body)
		}
		if r := e.do("POST", "/api/v1/users/ghost/disable", admin, nil); r.status != 404 {
			t.Fatalf("unknown user: %d", r.status)
		}
		r := e.do("POST", "/api/v1/users/clerk/disable", admin, nil)
		var u struct {
			Username string `json:"username"`
			Disabled bool   `json:"disabled"`
		}
		r.json(t, &u)
		if r.status != 200 || !u.Disabled || u.Username != "clerk" {
			t.Fatalf("disable clerk: %d %s", r.status, r.body)
		}
		if r := e.do("GET", "/api/v1/me", clerk, nil); r.status != 401 {
			t.Fatalf("a disabled user's session still works: %d", r.status)
		}
		if r := e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "clerk", "password": app.DemoPassword}); r.status != 401 {
			t.Fatalf("a disabled user logs in: %d", r.status)
		}
		if r := e.do("POST", "/api/v1/users/clerk/enable", admin, nil); r.status != 200 {
			t.Fatalf("enable clerk: %d %s", r.status, r.body)
		}
		if r := e.do("GET", "/api/v1/me", clerk, nil); r.status != 401 {
			t.Fatalf("re-enabling brought an old session back: %d", r.status)
		}
		if r := e.do("GET", "/api/v1/me", e.login("clerk"), nil); r.status != 200 {
			t.Fatalf("re-enabled clerk: %d", r.status)
		}
		var audit []string
		rows, _ := s.Read.AuditEntry.Query().All(context.Background())
		for _, a := range rows {
			if strings.HasPrefix(a.Action, "user.") {
				audit = append(audit, a.Action)
			}
		}
		if !slices.Contains(audit, "user.disabled") || !slices.Contains(audit, "user.enabled") {
			t.Fatalf("audit %v", audit)
		}
	})
}

// A user ends their other sessions (the current one keeps working); an admin ends all
// of a user's sessions.
func TestEndSessions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		here, there, elsewhere := e.login("manager"), e.login("manager"), e.login("manager")
		other := e.login("clerk")
		var out struct{ Ended int }
		r := e.do("DELETE", "/api/v1/me/sessions", here, nil)
		r.json(t, &out)
		if r.status != 200 || out.Ended != 2 {
			t.Fatalf("end other sessions: %d %s", r.status, r.body)
		}
		for tok, want := range map[string]int{here: 200, there: 401, elsewhere: 401, other: 200} {
			if st := e.do("GET", "/api/v1/me", tok, nil).status; st != want {
				t.Fatalf("after ending the others: %d, want %d", st, want)
			}
		}
		if r := e.do("DELETE", "/api/v1/users/manager/sessions", other, nil); r.status != 403 {
			t.Fatalf("clerk ends manager's sessions: %d", r.status)
		}
		again := e.login("manager")
		r = e.do("DELETE", "/api/v1/users/manager/sessions", e.login("admin"), nil)
		out.Ended = 0
		r.json(t, &out)
		if r.status != 200 || out.Ended != 2 {
			t.Fatalf("admin ends manager's sessions: %d %s", r.status, r.body)
		}
		for _, tok := range []string{here, again} {
			if st := e.do("GET", "/api/v1/me", tok, nil).status; st != 401 {
				t.Fatalf("a session survived: %d", st)
			}
		}
	})
}

// Departments are named per language: the list gives every name, a new department takes
// them, and a language the UI does not speak is refused with nothing written.
func TestDepartmentNamesPerLanguage(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		admin, clerk := e.login("admin"), e.login("clerk")
		type dept struct {
			Key, Name string
			Names     map[string]string
		}
		list := func() map[string]dept {
			var page struct{ Items []dept }
			e.do("GET", "/api/v1/departments", clerk, nil).json(t, &page)
			out := map[string]dept{}
			for _, d := range page.Items {
				out[d.Key] = d
			}
			return out
		}
		require.Equal(t, dept{"sales", "業務部", map[string]string{"zh-TW": "業務部", "zh-CN": "业务部", "en": "Sales"}}, list()["sales"])

		names := map[string]string{"zh-TW": "北區業務部", "zh-CN": "北区业务部", "en": "Sales (North)"}
		r := e.do("POST", "/api/v1/departments", admin, map[string]any{"key": "sales-north", "name": "北區業務部", "names": names, "parent": "sales"})
		require.Equal(t, 201, r.status, string(r.body))
		require.Equal(t, dept{"sales-north", "北區業務部", names}, list()["sales-north"])
		// a plain name alone is still a department (shown in every language)
		r = e.do("POST", "/api/v1/departments", admin, map[string]any{"key": "plain", "name": "總務部"})
		require.Equal(t, 201, r.status, string(r.body))
		require.Equal(t, dept{"plain", "總務部", nil}, list()["plain"])

		before := e.counts()
		for _, bad := range []map[string]string{{"ja": "営業"}, {"en": strings.Repeat("x", 201)}} {
			r := e.do("POST", "/api/v1/departments", admin, map[string]any{"key": "bad", "name": "壞", "names": bad})
			require.Equal(t, 422, r.status, string(r.body))
			p := r.problem(t)
			require.Len(t, p.Errors, 1)
			require.True(t, strings.HasPrefix(p.Errors[0].Pointer, "/names/"), "%+v", p.Errors)
		}
		require.Equal(t, before, e.counts())
		_, ok := list()["bad"]
		require.False(t, ok)
	})
}
