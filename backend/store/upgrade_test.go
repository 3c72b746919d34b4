package store_test

import (
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"sluice/backend/app"
	"sluice/backend/ent/order"
	"sluice/backend/ent/user"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	_ "sluice/plugins/all"
)

// Fixtures in testdata/upgrade are databases written by an earlier Sluice (the code
// and schema of that version, see testdata/upgrade/README.md): the demo seed and four
// orders in flight at different steps. Each is opened by this binary, migrated to the
// latest schema, and its orders must go on to the end with the audit chain intact.
// With no migration newer than a fixture the test still runs (the migration is a
// no-op); it becomes a real upgrade as soon as one is added.
func TestUpgradeWithOrdersInFlight(t *testing.T) {
	fixtures, _ := filepath.Glob("testdata/upgrade/v*.sqlite.gz")
	if len(fixtures) == 0 {
		t.Fatal("no upgrade fixtures in testdata/upgrade")
	}
	ver := regexp.MustCompile(`/v(\d+)\.`)
	for _, fx := range fixtures {
		m := ver.FindStringSubmatch(fx)
		from, _ := strconv.ParseInt(m[1], 10, 64)
		t.Run("from v"+m[1], func(t *testing.T) {
			for _, b := range storetest.Backends() {
				t.Run(b.Name, func(t *testing.T) {
					var url string
					if b.Name == "postgres" {
						url = storetest.PostgresURL(t)
						loadSQL(t, url, filepath.Join("testdata/upgrade", "v"+m[1]+".postgres.sql.gz"))
					} else {
						url = storetest.SQLiteURL(t)
						gunzip(t, fx, store.SQLitePath(url))
					}
					upgradeAndFinish(t, url, from)
				})
			}
		})
	}
}

func upgradeAndFinish(t *testing.T, url string, from int64) {
	ctx := context.Background()
	s := storetest.OpenURL(t, url)
	if v, err := s.SchemaVersion(ctx); err != nil || v != from {
		t.Fatalf("fixture at schema version %d (%v), want %d", v, err, from)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("upgrade from v%d: %v", from, err)
	}
	if err := s.CheckVersion(ctx); err != nil {
		t.Fatal(err)
	}
	if _, reason, _, err := s.VerifyAudit(ctx); err != nil || reason != "" {
		t.Fatalf("audit chain after the upgrade: %q %v", reason, err)
	}
	// decisions made by older versions (their events name no entry) cross-check too
	if problem, decided, err := s.CheckDecisions(ctx); err != nil || problem != "" || decided == 0 {
		t.Fatalf("cross-check of %d decided tasks after the upgrade: %q %v", decided, problem, err)
	}
	inFlight, err := s.Read.Order.Query().Where(order.Status("in_review")).IDs(ctx)
	if err != nil || len(inFlight) != 4 {
		t.Fatalf("%d orders in flight after the upgrade (%v), want 4", len(inFlight), err)
	}
	svc, err := app.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	as := func(name string) service.Actor {
		u, err := s.Read.User.Query().Where(user.Username(name)).Only(ctx)
		if err != nil {
			t.Fatalf("user %s: %v", name, err)
		}
		return service.Actor{ID: u.ID, Username: u.Username, IsAdmin: u.IsAdmin, RequestID: "after-upgrade"}
	}
	for _, id := range inFlight {
		o, err := svc.GetOrder(ctx, as("clerk"), id)
		if err != nil {
			t.Fatalf("order %d after the upgrade: %v", id, err)
		}
		for step := 0; o.Status == "in_review"; step++ {
			if step > 20 || len(o.Tasks) == 0 {
				t.Fatalf("order %s stuck at %v after the upgrade", o.Number, o.CurrentNodes)
			}
			tk := o.Tasks[0]
			ticks := make([]bool, len(tk.Checklist))
			for i := range ticks {
				ticks[i] = true
			}
			res, _, err := svc.Act(ctx, as(tk.Assignees[0]), tk.ID, service.ActionRequest{Action: "approve", Comment: "after the upgrade", Checklist: ticks}, nil)
			if err != nil {
				t.Fatalf("order %s, %s approving %s after the upgrade: %v", o.Number, tk.Assignees[0], tk.Node, err)
			}
			o = &res.Order
		}
		if o.Status != "completed" {
			t.Fatalf("order %s ended %s", o.Number, o.Status)
		}
	}
	// The demo seed of this version runs on the old install (which has no record of
	// what its seed added): it finds the definitions there and publishes nothing over
	// them; only example keys the old install lacks are added.
	newest := func() map[string]int {
		defs, err := s.Read.Definition.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int{}
		for _, d := range defs {
			m[d.Kind+":"+d.Key] = max(m[d.Kind+":"+d.Key], d.Version)
		}
		return m
	}
	before := newest()
	if err := svc.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	after := newest()
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("the demo seed published %s v%d over the install's v%d", k, after[k], v)
		}
	}
	if _, reason, n, err := s.VerifyAudit(ctx); err != nil || reason != "" || n == 0 {
		t.Fatalf("audit chain after finishing the orders: %q %v", reason, err)
	}
	if problem, _, err := s.CheckDecisions(ctx); err != nil || problem != "" {
		t.Fatalf("cross-check after finishing the orders: %q %v", problem, err)
	}
}

func gunzip(t *testing.T, from, to string) {
	t.Helper()
	f, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
}

// loadSQL runs a gzipped pg_dump (plain, --inserts, schema names stripped) in the
// database of url.
func loadSQL(t *testing.T, url, file string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	s := storetest.OpenURL(t, url)
	if _, err := s.DB.ExecContext(context.Background(), string(body)); err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
	s.Close()
}
