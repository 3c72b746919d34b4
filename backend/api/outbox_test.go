package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/outbox"
	"sluice/backend/store/storetest"
)

// A webhook that failed until dead is listed to admins, retried over the API (audited),
// and then delivered by the worker; refusals are problem+json and write nothing.
func TestOutboxRetryOverHTTP(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t)
	e := start(t, s)
	admin, clerk := e.login("admin"), e.login("clerk")

	var fail atomic.Bool
	fail.Store(true)
	var got atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		got.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hook.Close()
	var ids []int
	for i := range 3 {
		var m *ent.OutboxMessage
		if err := s.Tx(ctx, func(tx *ent.Tx) (err error) {
			m, err = outbox.Enqueue(ctx, tx.Client(), outbox.Message{Key: fmt.Sprintf("api-%d", i), Channel: outbox.Webhook,
				Recipient: hook.URL, Body: `{}`, MaxAttempts: 1})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	w := outbox.NewWorker(s, map[string]outbox.Sender{outbox.Webhook: outbox.WebhookSender{Key: "api-test-signing-key", AllowPrivate: true}}, outbox.Options{})
	if _, err := w.Pass(ctx); err != nil {
		t.Fatal(err)
	}

	type page struct {
		Items []struct {
			ID        int    `json:"id"`
			Status    string `json:"status"`
			Attempts  int    `json:"attempts"`
			LastError string `json:"last_error"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	r := e.do("GET", "/api/v1/admin/outbox?status=dead&limit=2", admin, nil)
	if r.status != 200 {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	var p page
	r.json(t, &p)
	if len(p.Items) != 2 || p.Items[0].ID != ids[2] || p.Items[1].ID != ids[1] || p.NextCursor == "" ||
		p.Items[0].Status != "dead" || p.Items[0].Attempts != 1 || p.Items[0].LastError == "" {
		t.Fatalf("first page %+v", p)
	}
	r = e.do("GET", "/api/v1/admin/outbox?status=dead&limit=2&cursor="+p.NextCursor, admin, nil)
	p = page{}
	r.json(t, &p)
	if len(p.Items) != 1 || p.Items[0].ID != ids[0] || p.NextCursor != "" {
		t.Fatalf("second page %+v", p)
	}

	before := e.counts()
	for _, tc := range []struct {
		method, path, token string
		want                int
	}{
		{"GET", "/api/v1/admin/outbox", "", 401},
		{"GET", "/api/v1/admin/outbox", clerk, 403},
		{"POST", fmt.Sprintf("/api/v1/admin/outbox/%d/retry", ids[0]), clerk, 403},
		{"GET", "/api/v1/admin/outbox?status=lost", admin, 422},
		{"GET", "/api/v1/admin/outbox?limit=zero", admin, 400},
		{"GET", "/api/v1/admin/outbox?cursor=x", admin, 422},
		{"POST", "/api/v1/admin/outbox/999999/retry", admin, 404},
		{"POST", "/api/v1/admin/outbox/abc/retry", admin, 404},
	} {
		r := e.do(tc.method, tc.path, tc.token, nil)
		if r.status != tc.want {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, r.status, r.body, tc.want)
			continue
		}
		r.problem(t)
	}
	if after := e.counts(); after != before {
		t.Fatalf("refusals wrote: %+v -> %+v", before, after)
	}

	r = e.do("POST", fmt.Sprintf("/api/v1/admin/outbox/%d/retry", ids[0]), admin, nil)
	if r.status != 200 {
		t.Fatalf("retry: %d %s", r.status, r.body)
	}
	var m struct {
		Status   string `json:"status"`
		Attempts int    `json:"attempts"`
	}
	r.json(t, &m)
	if m.Status != "pending" || m.Attempts != 0 {
		t.Fatalf("after retry %+v", m)
	}
	if r := e.do("POST", fmt.Sprintf("/api/v1/admin/outbox/%d/retry", ids[0]), admin, nil); r.status != 409 {
		t.Fatalf("second retry: %d %s", r.status, r.body)
	}
	if n, _ := s.Read.AuditEntry.Query().Where(auditentry.Action("outbox.retry"), auditentry.Actor("admin")).Count(ctx); n != 1 {
		t.Fatalf("%d outbox.retry audit entries", n)
	}

	fail.Store(false)
	if n, err := w.Pass(ctx); err != nil || n != 1 {
		t.Fatalf("pass after retry: %d %v", n, err)
	}
	if got.Load() != 1 {
		t.Fatalf("receiver got %d", got.Load())
	}
	r = e.do("GET", "/api/v1/admin/outbox?status=sent", admin, nil)
	p = page{}
	r.json(t, &p)
	if len(p.Items) != 1 || p.Items[0].ID != ids[0] {
		t.Fatalf("sent %+v", p)
	}

	// the backlog reaches /metrics
	text := string(e.do("GET", "/metrics", admin, nil).body)
	for series, want := range map[string]string{
		`sluice_outbox_dead{channel="webhook"}`:    "2",
		`sluice_outbox_pending{channel="webhook"}`: "0",
		`sluice_outbox_pending{channel="email"}`:   "0",
	} {
		if v, ok := metricValue(t, text, series); !ok || v != want {
			t.Errorf("%s = %q (found %v), want %s", series, v, ok, want)
		}
	}
}
