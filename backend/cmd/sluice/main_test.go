package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/backend/catalogue"
	"sluice/backend/ent/auditentry"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

func runCmd(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	code := 0
	var ex exitError
	switch {
	case errors.As(err, &ex):
		code = int(ex)
	case err != nil:
		t.Fatalf("%v: %v", args, err)
	}
	return out.String() + errb.String(), code
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"kind":"flow","key":"x","form":"order","nodes":[{"id":"s","type":"start"},{"id":"e","type":"end"}],"edges":[{"from":"s","to":"ghost"}]}`), 0o644)
	out, code := runCmd(t, "validate", "../../../schemas/examples/flows/order-review.json", "../../../schemas/examples/forms/order.json")
	if code != 0 || !strings.Contains(out, "2 file(s) valid") {
		t.Fatalf("examples: %d %s", code, out)
	}
	out, code = runCmd(t, "validate", bad)
	if code != 1 || !strings.Contains(out, "/edges/0/to") {
		t.Fatalf("bad flow: %d %s", code, out)
	}
}

// TestValidateProves: validate runs the flow checker as publishing does, and prints the
// counterexample of a flow that strands an order.
func TestValidateProves(t *testing.T) {
	const dir = "../../flowcheck/testdata/"
	out, code := runCmd(t, "validate", dir+"rework-in-branch.json")
	if code != 0 || !strings.Contains(out, "1 file(s) valid") {
		t.Fatalf("a rework inside a branch is supported: %d %s", code, out)
	}
	out, code = runCmd(t, "validate", dir+"nested-reject.json")
	for _, want := range []string{"/nodes/8: ", "(flow_engine_error)", "counterexample", "2. reject a1: reaches rework", "3. approve rework"} {
		if code != 1 || !strings.Contains(out, want) {
			t.Fatalf("want %q in: %d %s", want, code, out)
		}
	}
}

func TestSimulate(t *testing.T) {
	dec := filepath.Join(t.TempDir(), "d.json")
	os.WriteFile(dec, []byte(`{"sales_review":{"action":"reject"}}`), 0o644)
	cases := []struct {
		order, decisions, status string
		finance                  bool
	}{
		{"large-vip.json", "", "completed", true},
		{"small-standard.json", "", "completed", false},
		{"small-standard.json", dec, "rejected", false},
	}
	for _, tc := range cases {
		args := []string{"simulate", "--flow", "../../../schemas/examples/flows/order-review.json", "--orders", "../../../schemas/examples/orders/" + tc.order}
		if tc.decisions != "" {
			args = append(args, "--decisions", tc.decisions)
		}
		out, code := runCmd(t, args...)
		var res []struct {
			Status string
			Path   []struct{ Node string }
		}
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res) != 1 {
			t.Fatalf("%s: %d %s", tc.order, code, out)
		}
		sawFinance := false
		for _, p := range res[0].Path {
			sawFinance = sawFinance || p.Node == "finance_review"
		}
		if res[0].Status != tc.status || sawFinance != tc.finance {
			t.Fatalf("%s: status %s finance %v", tc.order, res[0].Status, sawFinance)
		}
	}
}

// The CLI's simulation lists the reminder timers (from the example reminder of the
// flow, in its calendar, from --at) and the stock the order would hold.
func TestSimulateRemindersAndStock(t *testing.T) {
	out, code := runCmd(t, "simulate", "--flow", "../../../schemas/examples/flows/order-review.json",
		"--orders", "../../../schemas/examples/orders/shortage-new.json", "--at", "2026-03-02T01:00:00Z")
	var res []struct {
		Status    string
		Reminders []catalogue.SimReminder
		Stock     []catalogue.SimStock
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res) != 1 {
		t.Fatalf("%d %s", code, out)
	}
	r := res[0]
	if len(r.Stock) != 2 || r.Stock[0].SKU != "BRG-6204" || r.Stock[0].Shortage != 600 || r.Stock[1].Qty != 0 || r.Stock[1].Shortage != 0 {
		t.Fatalf("stock %+v", r.Stock)
	}
	var verify, escalate bool
	for _, x := range r.Reminders {
		switch {
		case x.Node == "verify" && x.Kind == "remind":
			verify = x.DueAt.Equal(time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC))
		case x.Node == "stock_exception" && x.Kind == "escalate":
			escalate = len(x.To) == 1 && x.To[0] == "manager"
		}
	}
	if !verify || !escalate {
		t.Fatalf("reminders %+v", r.Reminders)
	}
}

func TestMigrateSeedAndAuditVerify(t *testing.T) {
	url := storetest.SQLiteURL(t)
	if out, code := runCmd(t, "migrate", "--db", url); code != 0 || !strings.Contains(out, "schema version") {
		t.Fatalf("migrate: %d %s", code, out)
	}
	t.Setenv("SLUICE_ADMIN_PASSWORD", "cmd-test-pass")
	if out, code := runCmd(t, "seed", "--db", url); code != 0 {
		t.Fatalf("seed: %d %s", code, out)
	}
	if out, code := runCmd(t, "audit", "verify", "--db", url); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("verify: %d %s", code, out)
	}
	s, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Client.AuditEntry.Update().Where(auditentry.Seq(2)).SetActor("mallory").Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if out, code := runCmd(t, "audit", "verify", "--db", url); code != 1 || !strings.Contains(out, "BROKEN at entry 2") {
		t.Fatalf("tampered: %d %s", code, out)
	}
}

func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		status int
		url    string
		code   int
	}{
		{http.StatusOK, srv.URL + "/readyz", 0},
		{http.StatusServiceUnavailable, srv.URL + "/readyz", 1},
		{http.StatusOK, "http://127.0.0.1:1/readyz", 1}, // nothing listens
	} {
		status = tc.status
		if out, code := runCmd(t, "healthcheck", "--url", tc.url); code != tc.code {
			t.Errorf("%d at %s: exit %d, want %d (%s)", tc.status, tc.url, code, tc.code, out)
		}
	}
}
