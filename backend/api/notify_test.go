package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/membership"
	"sluice/backend/ent/outboxmessage"
	"sluice/backend/ent/user"
	"sluice/backend/notify"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// linkState is what a refused link must leave as it was: every task's status and
// version, the orders' versions, the audit trail, the events, the links used.
func (e *env) linkState() string {
	e.t.Helper()
	ctx := context.Background()
	var b strings.Builder
	ts, err := e.s.Read.Task.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, t := range ts {
		fmt.Fprintf(&b, "task %d %s v%d %s;", t.ID, t.Status, t.Version, t.Decision)
	}
	os, err := e.s.Read.Order.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, o := range os {
		fmt.Fprintf(&b, "order %d %s v%d %v;", o.ID, o.Status, o.Version, o.CurrentNodes)
	}
	c := e.counts()
	used, _ := e.s.Read.ActionLink.Query().Where().All(ctx)
	n := 0
	for _, l := range used {
		if l.UsedAt != nil {
			n++
		}
	}
	fmt.Fprintf(&b, "audit %d events %d orders %d used links %d", c.audit, c.events, c.orders, n)
	return b.String()
}

// linksFor reads the links of the newest task message the person's webhook channel got
// about order number.
func (e *env) linksFor(username, number string) map[string]string {
	e.t.Helper()
	ms, err := e.s.Read.OutboxMessage.Query().Where(outboxmessage.Template("notify.task")).Order(ent.Desc("id")).All(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range ms {
		var b struct {
			User  string
			Order struct{ Number string }
			Links map[string]string
		}
		if err := json.Unmarshal([]byte(m.Body), &b); err != nil {
			e.t.Fatal(err)
		}
		if b.User == username && b.Order.Number == number {
			return b.Links
		}
	}
	e.t.Fatalf("no task message for %s about %s", username, number)
	return nil
}

// token is the link's token, taken from its URL.
func token(t *testing.T, link string) string {
	t.Helper()
	_, rest, ok := strings.Cut(link, "/act/")
	tok, _, _ := strings.Cut(rest, "?")
	if !ok || tok == "" {
		t.Fatalf("no token in %q", link)
	}
	return tok
}

// TestActionLinks proves the promise of a message's link: it decides once, for its
// recipient signed in, while the task is as it was sent; everything else is refused
// and changes nothing.
func TestActionLinks(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		ctx := context.Background()
		e.svc.AllowPrivateWebhooks = true
		e.svc.Notify.LinkBase, e.svc.Notify.LinkKey = "https://sluice.test", []byte("api-test-link-key-0123456789abcdef")
		admin := e.login("admin")
		// a second order clerk, so the verify task has another reviewer
		if r := e.do("POST", "/api/v1/users", admin, map[string]any{"username": "clerk2", "password": "clerk2-passphrase-ok",
			"memberships": []map[string]string{{"department": "sales", "role": "order_clerk"}}}); r.status != 201 {
			t.Fatalf("create clerk2: %d %s", r.status, r.body)
		}
		clerk := e.login("clerk")
		r := e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "clerk2", "password": "clerk2-passphrase-ok"})
		var lo struct{ Token string }
		r.json(t, &lo)
		clerk2 := lo.Token
		for _, tok := range []string{clerk, clerk2} {
			if r := e.do("POST", "/api/v1/notify/channels", tok, map[string]any{"type": "webhook", "address": "http://127.0.0.1:9/hook", "kinds": []string{"task"}}); r.status != 201 {
				t.Fatalf("channel: %d %s", r.status, r.body)
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
		approve := func(tok, link string, items int) resp {
			return e.do("POST", "/api/v1/act/"+link, tok, approveBody(items, "from the message"))
		}
		refused := func(t *testing.T, r resp, status int, typ string) service.Error {
			t.Helper()
			if r.status != status {
				t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
			}
			p := r.problem(t)
			if typ != "" && p.Type != typ {
				t.Fatalf("problem type %q, want %q", p.Type, typ)
			}
			return service.Error{Reason: p.Reason}
		}

		t.Run("approve works once", func(t *testing.T) {
			o, link := submit()
			g := e.do("GET", "/api/v1/act/"+link, clerk, nil)
			if g.status != 200 {
				t.Fatalf("open: %d %s", g.status, g.body)
			}
			var v notify.LinkView
			g.json(t, &v)
			if v.Task.ID != o.Tasks[0].ID || v.Order.Number != o.Number || len(v.Task.Checklist) != 4 || v.Channel != "webhook" {
				t.Fatalf("link view %+v", v)
			}
			before := e.linkState()
			// a checklist node is not approved without its list ticked on the page
			if r := e.do("POST", "/api/v1/act/"+link, clerk, `{"action":"approve"}`); r.status != 422 || e.linkState() != before {
				t.Fatalf("approve without the checklist: %d %s", r.status, r.body)
			}
			if r := approve(clerk, link, 4); r.status != 200 {
				t.Fatalf("approve: %d %s", r.status, r.body)
			}
			a, err := e.s.Read.AuditEntry.Query().Where(auditentry.TaskID(o.Tasks[0].ID), auditentry.Action("approve")).Only(ctx)
			if err != nil {
				t.Fatal(err)
			}
			via, _ := a.Detail["via"].(map[string]any)
			if a.Actor != "clerk" || via["source"] != "message_link" || via["channel"] != "webhook" {
				t.Fatalf("audit of the decision: %s %+v", a.Actor, a.Detail)
			}
			before = e.linkState()
			p := refused(t, approve(clerk, link, 4), 409, service.TypeTaskChanged)
			if p.Reason != service.TaskDecided {
				t.Fatalf("reused link: reason %q", p.Reason)
			}
			refused(t, e.do("GET", "/api/v1/act/"+link, clerk, nil), 409, service.TypeTaskChanged)
			if after := e.linkState(); after != before {
				t.Fatalf("a reused link changed something:\n%s\n%s", before, after)
			}
		})

		t.Run("reject with a reason from the node's list", func(t *testing.T) {
			o, _ := submit()
			link := token(t, e.linksFor("clerk", o.Number)["reject"])
			before := e.linkState()
			if r := e.do("POST", "/api/v1/act/"+link, clerk, `{"action":"reject","reason":"bored"}`); r.status != 422 || e.linkState() != before {
				t.Fatalf("a reason not in the list: %d %s", r.status, r.body)
			}
			if r := e.do("POST", "/api/v1/act/"+link, clerk, `{"action":"withdraw"}`); r.status != 422 || e.linkState() != before {
				t.Fatalf("an action a link does not carry: %d %s", r.status, r.body)
			}
			if r := e.do("POST", "/api/v1/act/"+link, clerk, `{"action":"reject","reason":"incomplete","comment":"地址不全"}`); r.status != 200 {
				t.Fatalf("reject: %d %s", r.status, r.body)
			}
		})

		t.Run("after another reviewer decided", func(t *testing.T) {
			o, link := submit()
			if r := e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", o.Tasks[0].ID), clerk2, approveBody(4, "")); r.status != 200 {
				t.Fatalf("clerk2 approves: %d %s", r.status, r.body)
			}
			before := e.linkState()
			p := refused(t, approve(clerk, link, 4), 409, service.TypeTaskChanged)
			if p.Reason != service.TaskDecided && p.Reason != service.TaskCancelled {
				t.Fatalf("reason %q", p.Reason)
			}
			if after := e.linkState(); after != before {
				t.Fatalf("changed:\n%s\n%s", before, after)
			}
		})

		t.Run("refused and then still good", func(t *testing.T) {
			o, link := submit()
			before := e.linkState()
			// expired: the clock moves past the link's 72 hours
			e.svc.Notify.Clock = func() time.Time { return time.Now().Add(notify.DefaultLinkTTL + time.Minute) }
			refused(t, approve(clerk, link, 4), 410, notify.TypeLinkExpired)
			refused(t, e.do("GET", "/api/v1/act/"+link, clerk, nil), 410, notify.TypeLinkExpired)
			e.svc.Notify.Clock = time.Now
			// tampered: one character of the claims or the signature changed
			for _, i := range []int{3, len(link) - 2} {
				b := []byte(link)
				b[i] ^= 1
				refused(t, approve(clerk, string(b), 4), 404, notify.TypeLinkInvalid)
			}
			// another link's signature on these claims
			other := token(t, e.linksFor("clerk2", o.Number)["approve"])
			p, _, _ := strings.Cut(link, ".")
			_, sig, _ := strings.Cut(other, ".")
			refused(t, approve(clerk, p+"."+sig, 4), 404, notify.TypeLinkInvalid)
			// another signed-in person, with a link sent to the clerk
			refused(t, approve(clerk2, link, 4), 403, "")
			refused(t, e.do("GET", "/api/v1/act/"+link, clerk2, nil), 403, "")
			// no session: the link alone is nothing
			refused(t, approve("", link, 4), 401, "")
			if after := e.linkState(); after != before {
				t.Fatalf("a refused link changed something:\n%s\n%s", before, after)
			}
			// and the link, refused meanwhile, still works for its recipient
			if r := approve(clerk, link, 4); r.status != 200 {
				t.Fatalf("approve after refusals: %d %s", r.status, r.body)
			}
		})

		t.Run("casbin revoked between send and use", func(t *testing.T) {
			_, link := submit()
			// the clerk loses the order-clerk role in sales: the policy is rebuilt
			err := s.Tx(ctx, func(tx *ent.Tx) error {
				u, err := tx.User.Query().Where(user.Username("clerk")).Only(ctx)
				if err != nil {
					return err
				}
				if _, err := tx.Membership.Delete().Where(membership.UserID(u.ID), membership.Role("order_clerk")).Exec(ctx); err != nil {
					return err
				}
				return e.svc.Policy.WritePolicy(ctx, tx)
			})
			if err != nil {
				t.Fatal(err)
			}
			e.svc.ReloadPolicy(ctx)
			before := e.linkState()
			refused(t, approve(clerk, link, 4), 403, "")
			if after := e.linkState(); after != before {
				t.Fatalf("changed:\n%s\n%s", before, after)
			}
		})
	})
}
