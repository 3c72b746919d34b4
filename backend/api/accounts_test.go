package api_test

import (
	"context"
	"strings"
	"testing"

	"sluice/backend/api"
	"sluice/backend/service"
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
		e.login("clerk") // seeded with service.DemoPassword, not through the rules
	})
}

// The configured admin password follows the same rules: a common one stops the start.
func TestAdminPasswordMustNotBeCommon(t *testing.T) {
	svc, err := service.New(context.Background(), storetest.SQLite(t), nil)
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
