package api_test

import (
	"context"
	"strings"
	"testing"

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
