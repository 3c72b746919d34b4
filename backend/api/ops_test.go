package api_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/timer"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// The request id a client sees in X-Request-Id is the one stored on the audit entries
// the request wrote.
func TestRequestIDReachesAudit(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		r := e.do("POST", "/api/v1/orders", e.login("clerk"), sampleBody(t, "small-standard.json"))
		if r.status != 201 {
			t.Fatalf("submit: %d %s", r.status, r.body)
		}
		id := r.header.Get("X-Request-Id")
		if len(id) < 8 {
			t.Fatalf("no request id header: %q", id)
		}
		entries, err := s.Read.AuditEntry.Query().Where(auditentry.RequestID(id)).All(context.Background())
		if err != nil || len(entries) == 0 {
			t.Fatalf("no audit entry carries request id %s (%v)", id, err)
		}
		byClerk := false
		for _, en := range entries {
			// the submission, and the automatic steps it ran (as "system")
			byClerk = byClerk || en.Actor == "clerk"
			if en.Actor != "clerk" && en.Actor != "system" {
				t.Fatalf("entry %d of request %s by %s", en.Seq, id, en.Actor)
			}
		}
		if !byClerk {
			t.Fatalf("none of the entries of request %s is the clerk's", id)
		}
		other := e.do("GET", "/api/v1/me", e.login("clerk"), nil).header.Get("X-Request-Id")
		if other == id || other == "" {
			t.Fatalf("request ids must differ per request: %q %q", id, other)
		}
	})
}

// An incoming X-Request-Id (from a proxy or a client) is kept when it is a plain token
// and replaced otherwise; the kept one reaches the audit entries.
func TestIncomingRequestID(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		tok := e.login("clerk")
		r := e.do("POST", "/api/v1/orders", tok, sampleBody(t, "small-standard.json"), "X-Request-Id", "edge-7f3a.42:1")
		if r.status != 201 || r.header.Get("X-Request-Id") != "edge-7f3a.42:1" {
			t.Fatalf("submit: %d, id %q", r.status, r.header.Get("X-Request-Id"))
		}
		if n, err := s.Read.AuditEntry.Query().Where(auditentry.RequestID("edge-7f3a.42:1")).Count(context.Background()); err != nil || n == 0 {
			t.Fatalf("%d audit entries carry the incoming id (%v)", n, err)
		}
		for _, bad := range []string{"has space", strings.Repeat("x", 65), "semi;colon", "<script>"} {
			got := e.do("GET", "/api/v1/me", tok, nil, "X-Request-Id", bad).header.Get("X-Request-Id")
			if got == bad || !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(got) {
				t.Errorf("incoming %q answered with id %q", bad, got)
			}
		}
	})
}

func metricValue(t *testing.T, text, series string) (string, bool) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// /metrics reports orders by status, open tasks and their age per node, HTTP latency by
// route, both SQLite pools, the schema version and the last backup.
func TestMetricsReportState(t *testing.T) {
	s := storetest.SQLite(t)
	e := start(t, s)
	tok := e.login("clerk")
	for i := 0; i < 2; i++ {
		if r := e.do("POST", "/api/v1/orders", tok, sampleBody(t, "small-standard.json")); r.status != 201 {
			t.Fatalf("submit: %d %s", r.status, r.body)
		}
	}
	scrape := func() string {
		r := e.do("GET", "/metrics", e.login("admin"), nil)
		if r.status != 200 {
			t.Fatalf("metrics: %d", r.status)
		}
		return string(r.body)
	}
	text := scrape()
	want := map[string]string{
		`sluice_orders{status="in_review"}`: "2",
		`sluice_tasks_open{node="verify"}`:  "2",
		`sluice_http_request_duration_seconds_count{method="POST",route="/api/v1/orders",status="201"}`: "2",
		`sluice_schema_version`:      strconv.FormatInt(store.LatestVersion(), 10),
		`sluice_state_scrape_errors`: "0",
		// the demo reminder definition gives verify a reminder and an escalation
		`sluice_timers{kind="remind",state="pending"}`:   "2",
		`sluice_timers{kind="escalate",state="pending"}`: "2",
		`sluice_sla_breaches_total`:                      "0",
	}
	for series, v := range want {
		if got, ok := metricValue(t, text, series); !ok || got != v {
			t.Errorf("%s = %q (present %v), want %s", series, got, ok, v)
		}
	}
	for _, series := range []string{`go_sql_open_connections{db_name="writer"}`, `go_sql_open_connections{db_name="reader"}`, `sluice_tasks_open_oldest_age_seconds{node="verify"}`} {
		if _, ok := metricValue(t, text, series); !ok {
			t.Errorf("%s missing", series)
		}
	}
	if !strings.Contains(text, "sluice_build_info{") {
		t.Error("sluice_build_info missing")
	}
	// SQLite's group commit: the writes so far made commits holding at least as many
	// transactions
	commits, _ := metricValue(t, text, "sluice_write_commits_total")
	txs, _ := metricValue(t, text, "sluice_write_transactions_total")
	c, _ := strconv.Atoi(commits)
	n, _ := strconv.Atoi(txs)
	if c < 1 || n < c {
		t.Errorf("sluice_write_commits_total %q, sluice_write_transactions_total %q", commits, txs)
	}
	// an escalation that fell due unhandled is late, and a breach
	if err := s.Client.Timer.Update().Where(timer.Kind("escalate")).SetDueAt(time.Now().Add(-time.Hour)).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	late := scrape()
	for series, v := range map[string]string{`sluice_timers{kind="escalate",state="due"}`: "2", `sluice_timers{kind="escalate",state="pending"}`: "0", `sluice_sla_breaches_total`: "2"} {
		if got, ok := metricValue(t, late, series); !ok || got != v {
			t.Errorf("%s = %q (present %v), want %s", series, got, ok, v)
		}
	}
	if _, ok := metricValue(t, text, "sluice_last_backup_timestamp_seconds"); ok {
		t.Error("a last backup time without any backup")
	}
	if _, err := s.Backup(context.Background(), filepath.Join(t.TempDir(), "b.db")); err != nil {
		t.Fatal(err)
	}
	if _, ok := metricValue(t, scrape(), "sluice_last_backup_timestamp_seconds"); !ok {
		t.Error("no last backup time after a backup")
	}
}

// Readiness fails when the database does not answer.
func TestReadyzWhenDatabaseDown(t *testing.T) {
	s := storetest.SQLite(t)
	e := start(t, s)
	if r := e.do("GET", "/readyz", "", nil); r.status != 200 {
		t.Fatalf("readyz: %d", r.status)
	}
	s.ReadDB.Close()
	r := e.do("GET", "/readyz", "", nil)
	if r.status != 503 || !strings.Contains(string(r.body), "database unreachable") {
		t.Fatalf("readyz with the database closed: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/healthz", "", nil); r.status != 200 {
		t.Fatalf("healthz must not depend on the database: %d", r.status)
	}
}
