package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"sluice/backend/app"
	"sluice/backend/ent/session"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	"sluice/schemas"
)

// publishFreshVerify publishes order-review with a fresh_sign_in threshold on its verify
// node (the clerk's), so approvals there above `above` need a recent sign-in.
func (e *env) publishFreshVerify(admin string, above float64) {
	e.t.Helper()
	b, err := fs.ReadFile(schemas.Examples(), "flows/order-review.json")
	if err != nil {
		e.t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		e.t.Fatal(err)
	}
	for _, n := range doc["nodes"].([]any) {
		if m := n.(map[string]any); m["id"] == "verify" {
			m["fresh_sign_in"] = map[string]any{"above": above, "within": "10m"}
		}
	}
	if r := e.do("PUT", "/api/v1/definitions/flows/order-review", admin, doc); r.status != 200 {
		e.t.Fatalf("save draft: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/definitions/flows/order-review/publish", admin, nil); r.status != 200 {
		e.t.Fatalf("publish: %d %s", r.status, r.body)
	}
}

// ageSessions makes every session of user id look signed in `ago` (created_at is
// immutable in the schema; the test reaches under it).
func (e *env) ageSessions(userID int, ago time.Duration) {
	e.t.Helper()
	ctx := context.Background()
	ids, err := e.s.Read.Session.Query().Where(session.UserID(userID)).IDs(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	at := time.Now().UTC().Add(-ago)
	for _, id := range ids {
		q := "UPDATE sessions SET created_at = ? WHERE id = ?"
		if e.s.Dialect == dialect.Postgres {
			q = "UPDATE sessions SET created_at = $1 WHERE id = $2"
		}
		if _, err := e.s.DB.ExecContext(ctx, q, at, id); err != nil {
			e.t.Fatal(err)
		}
	}
}

// TestFreshSignInAboveThreshold: a node's fresh_sign_in refuses an approval above its
// threshold from a session signed in too long ago, in the inbox's act path and through
// a message's link, and the refusal writes nothing; a re-entered password (POST
// /auth/reauth) replaces the session and the same approval goes through. Below the
// threshold, and for a reject, the old session is enough.
func TestFreshSignInAboveThreshold(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		seed := time.Now().UnixNano()
		rng := rand.New(rand.NewPCG(uint64(seed), 1))
		t.Logf("seed %d", seed)
		e := start(t, s)
		ctx := context.Background()
		e.svc.AllowPrivateWebhooks = true
		e.svc.Notify.LinkBase, e.svc.Notify.LinkKey = "https://sluice.test", []byte("api-test-link-key-0123456789abcdef")
		admin := e.login("admin")
		// small-standard totals 7450: the threshold sits below it, randomly
		e.publishFreshVerify(admin, float64(rng.IntN(7000)))
		clerk := e.login("clerk")
		if r := e.do("POST", "/api/v1/notify/channels", clerk, map[string]any{"type": "webhook", "address": "http://127.0.0.1:9/hook", "kinds": []string{"task"}}); r.status != 201 {
			t.Fatalf("channel: %d %s", r.status, r.body)
		}
		me, err := e.svc.Store.Read.User.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		clerkID := 0
		for _, u := range me {
			if u.Username == "clerk" {
				clerkID = u.ID
			}
		}
		submit := func() (order, string) {
			t.Helper()
			r := e.do("POST", "/api/v1/orders", clerk, sampleBody(t, "small-standard.json"))
			if r.status != 201 {
				t.Fatalf("submit: %d %s", r.status, r.body)
			}
			var o order
			r.json(t, &o)
			if len(o.Tasks) != 1 || o.Tasks[0].Node != "verify" {
				t.Fatalf("want the verify task, got %+v", o.Tasks)
			}
			return o, token(t, e.linksFor("clerk", o.Number)["approve"])
		}
		needsReauth := func(t *testing.T, r resp) {
			t.Helper()
			if r.status != 403 {
				t.Fatalf("status %d, want 403: %s", r.status, r.body)
			}
			var p service.Error
			r.json(t, &p)
			if p.Type != service.TypeReauthRequired || p.WithinMinutes != 10 {
				t.Fatalf("problem %+v", p)
			}
		}

		o, link := submit()
		// signed in 11 minutes ago (randomly a few seconds more): outside the 10m window
		e.ageSessions(clerkID, 11*time.Minute+time.Duration(rng.IntN(600))*time.Second)
		before := e.linkState()
		needsReauth(t, e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", o.Tasks[0].ID), clerk, approveBody(4, "inbox")))
		needsReauth(t, e.do("POST", "/api/v1/act/"+link, clerk, approveBody(4, "message")))
		if after := e.linkState(); after != before {
			t.Fatalf("a refused approval wrote something:\n%s\n%s", before, after)
		}

		// a wrong password changes nothing and keeps the old session
		if r := e.do("POST", "/api/v1/auth/reauth", clerk, map[string]string{"password": "not-the-password"}); r.status != 401 {
			t.Fatalf("wrong password: %d %s", r.status, r.body)
		}
		r := e.do("POST", "/api/v1/auth/reauth", clerk, map[string]string{"password": app.DemoPassword})
		if r.status != 200 {
			t.Fatalf("reauth: %d %s", r.status, r.body)
		}
		var fresh struct{ Token string }
		r.json(t, &fresh)
		if fresh.Token == "" || fresh.Token == clerk {
			t.Fatalf("reauth answered token %q", fresh.Token)
		}
		// the old token ended with the re-entered password
		if r := e.do("GET", "/api/v1/me", clerk, nil); r.status != 401 {
			t.Fatalf("old token after reauth: %d", r.status)
		}
		if r := e.do("POST", "/api/v1/act/"+link, fresh.Token, approveBody(4, "message")); r.status != 200 {
			t.Fatalf("approve after reauth: %d %s", r.status, r.body)
		}
		clerk = fresh.Token

		// the window is measured from the re-entered password: aged again, refused again
		o2, _ := submit()
		e.ageSessions(clerkID, time.Hour)
		before = e.linkState()
		needsReauth(t, e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", o2.Tasks[0].ID), fresh.Token, approveBody(4, "inbox")))
		if after := e.linkState(); after != before {
			t.Fatalf("a refused approval wrote something:\n%s\n%s", before, after)
		}
		// rejecting needs no fresh sign-in
		if r := e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", o2.Tasks[0].ID), fresh.Token, `{"action":"reject","reason":"incomplete"}`); r.status != 200 {
			t.Fatalf("reject: %d %s", r.status, r.body)
		}

		// below the threshold an old session approves
		e.publishFreshVerify(admin, 7450+float64(rng.IntN(100000)))
		o3, _ := submit()
		e.ageSessions(clerkID, 24*time.Hour)
		if r := e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", o3.Tasks[0].ID), fresh.Token, approveBody(4, "inbox")); r.status != 200 {
			t.Fatalf("approve below the threshold: %d %s", r.status, r.body)
		}
	})
}
