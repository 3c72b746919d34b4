package main

import (
	"context"
	"encoding/json"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/backend/app"
	"sluice/backend/ent/definition"
	"sluice/backend/ent/task"
	"sluice/backend/ent/user"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	"sluice/schemas"
)

func demoService(t *testing.T, url string) (*store.Store, *app.Service) {
	t.Helper()
	ctx := context.Background()
	s := storetest.OpenURL(t, url)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
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
	return s, svc
}

func actorOf(t *testing.T, s *store.Store, name string) service.Actor {
	t.Helper()
	u, err := s.Read.User.Query().Where(user.Username(name)).Only(context.Background())
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	return service.Actor{ID: u.ID, Username: u.Username, IsAdmin: u.IsAdmin, RequestID: "test"}
}

func sampleOrder(t *testing.T, file string) service.SubmitRequest {
	t.Helper()
	b, err := fs.ReadFile(schemas.Examples(), "orders/"+file)
	if err != nil {
		t.Fatal(err)
	}
	var req service.SubmitRequest
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	return req
}

// approve is an approval with the task's checklist all ticked.
func approve(tk service.TaskView) service.ActionRequest {
	return service.ActionRequest{Action: "approve", Comment: "ok", Checklist: ticked(len(tk.Checklist))}
}

func ticked(n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = true
	}
	return out
}

// ack is one state change the service acknowledged (its transaction committed).
type ack struct {
	order int
	task  int // 0 for a submission
}

// `sluice backup` taken while orders are submitted and approved holds every change
// acknowledged before it began; `sluice restore` puts it into a new database whose
// audit chain verifies.
func TestBackupDuringApprovalsAndRestore(t *testing.T) {
	ctx := context.Background()
	url := storetest.SQLiteURL(t)
	s, svc := demoService(t, url)
	clerk := actorOf(t, s, "clerk")
	files := []string{"small-standard.json", "large-vip.json", "shortage-new.json"}
	rng := rand.New(rand.NewPCG(7, 11))
	var mu sync.Mutex
	var acks []ack
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			o, _, err := svc.Submit(ctx, clerk, sampleOrder(t, files[rng.IntN(len(files))]), nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			acks = append(acks, ack{order: o.ID})
			mu.Unlock()
			// approve a random number of steps as the tasks' assignees
			for step := rng.IntN(4); step > 0 && o.Status == "in_review" && len(o.Tasks) > 0; step-- {
				tk := o.Tasks[0]
				res, _, err := svc.Act(ctx, actorOf(t, s, tk.Assignees[0]), tk.ID, approve(tk), nil)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acks = append(acks, ack{order: o.ID, task: tk.ID})
				mu.Unlock()
				o = &res.Order
			}
		}
	}()
	for {
		mu.Lock()
		n := len(acks)
		mu.Unlock()
		if n >= 20 || t.Failed() {
			break
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	before := append([]ack(nil), acks...)
	mu.Unlock()
	file := filepath.Join(t.TempDir(), "sluice-backup.db")
	out, code := runCmd(t, "backup", "--to", file, "--db", url)
	close(stop)
	<-done
	if code != 0 || !strings.Contains(out, "backup written to") {
		t.Fatalf("backup: %d %s", code, out)
	}
	if len(acks) <= len(before) {
		t.Logf("note: no change was acknowledged while the backup ran")
	}
	restored := storetest.SQLiteURL(t)
	if out, code := runCmd(t, "restore", "--from", file, "--db", restored); code != 0 || !strings.Contains(out, "audit chain intact") {
		t.Fatalf("restore: %d %s", code, out)
	}
	r := storetest.OpenURL(t, restored)
	for _, a := range before {
		if ok, err := r.Read.Order.Get(ctx, a.order); err != nil || ok == nil {
			t.Fatalf("order %d was acknowledged before the backup began but is not in it: %v", a.order, err)
		}
		if a.task != 0 {
			tk, err := r.Read.Task.Query().Where(task.ID(a.task)).Only(ctx)
			if err != nil || tk.Decision != "approve" {
				t.Fatalf("the approval of task %d was acknowledged before the backup began but is not in it (%v, %+v)", a.task, err, tk)
			}
		}
	}
	if out, code := runCmd(t, "audit", "verify", "--db", restored); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("verify restored: %d %s", code, out)
	}
	// The backup is recorded in the live database, and visible to the status page.
	last, err := s.LastBackup(ctx)
	if err != nil || last == nil || last.Path != file {
		t.Fatalf("last backup %+v %v", last, err)
	}
	// Restoring over a database that has data is refused.
	if _, err := runErr(t, "restore", "--from", file, "--db", url); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore over a live database: %v", err)
	}
}

// runErr runs a command expected to fail with an error (not an exit status).
func runErr(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := run(context.Background(), args, &out, &out)
	return out.String(), err
}

func TestBackupUsage(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"backup"}, "usage: sluice backup --to FILE"},
		{[]string{"restore"}, "usage: sluice restore --from FILE"},
		{[]string{"export"}, "usage: sluice export --to DIR"},
		{[]string{"import"}, "usage: sluice import"},
		{[]string{"config"}, "usage: sluice config print"},
		{[]string{"backup", "--to", "x.db", "--db", "mysql://nope"}, "db (from flag --db)"},
	}
	for _, tc := range cases {
		if _, err := runErr(t, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.args, err, tc.want)
		}
	}
	if os.Getenv(storetest.PGEnv) != "" {
		pg := storetest.PostgresURL(t)
		if _, code := runCmd(t, "migrate", "--db", pg); code != 0 {
			t.Fatal("migrate pg")
		}
		if _, err := runErr(t, "backup", "--to", filepath.Join(t.TempDir(), "x"), "--db", pg); err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Fatalf("postgres backup: %v", err)
		}
	}
}

func TestConfigPrintAndBadConfig(t *testing.T) {
	t.Setenv("SLUICE_ADMIN_PASSWORD", "do-not-print-me")
	t.Setenv("SLUICE_LOG_FORMAT", "json")
	out, code := runCmd(t, "config", "print", "--addr", "127.0.0.1:9999")
	if code != 0 || strings.Contains(out, "do-not-print-me") || !strings.Contains(out, "# admin_password = *****") ||
		!strings.Contains(out, `addr = "127.0.0.1:9999"`) || !strings.Contains(out, "# env SLUICE_LOG_FORMAT") {
		t.Fatalf("config print: %d\n%s", code, out)
	}
	t.Setenv("SLUICE_DBB", "sqlite://x.db")
	for _, cmd := range [][]string{{"migrate"}, {"serve"}, {"config", "print"}, {"audit", "verify"}} {
		if _, err := runErr(t, cmd...); err == nil || !strings.Contains(err.Error(), "SLUICE_DBB") || !strings.Contains(err.Error(), "did you mean SLUICE_DB") {
			t.Errorf("%v with SLUICE_DBB: %v", cmd, err)
		}
	}
}

// Definitions move between environments: export from one database, import into
// another (validated first, published as new versions only where they differ).
func TestExportImport(t *testing.T) {
	ctx := context.Background()
	t.Setenv("SLUICE_ADMIN_PASSWORD", "admin-pass-123")
	src := storetest.SQLiteURL(t)
	if out, code := runCmd(t, "seed", "--db", src); code != 0 {
		t.Fatalf("seed: %s", out)
	}
	dir := t.TempDir()
	out, code := runCmd(t, "export", "--to", dir, "--db", src)
	if code != 0 {
		t.Fatalf("export: %s", out)
	}
	exported, _ := jsonFiles([]string{dir})
	if len(exported) < 4 {
		t.Fatalf("exported %d files:\n%s", len(exported), out)
	}
	dst := storetest.SQLiteURL(t)
	out, code = runCmd(t, "import", "--db", dst, dir)
	if code != 0 || !strings.Contains(out, "published as v1") {
		t.Fatalf("import: %d %s", code, out)
	}
	d := storetest.OpenURL(t, dst)
	count := func() int {
		n, err := d.Read.Definition.Query().Where(definition.Status("published")).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != len(exported) {
		t.Fatalf("%d published after importing %d files", n, len(exported))
	}
	// Again: nothing changes.
	out, code = runCmd(t, "import", "--db", dst, dir)
	if code != 0 || strings.Contains(out, "published as") || count() != len(exported) {
		t.Fatalf("second import: %d %s", code, out)
	}
	// One changed file: one new version.
	formFile := filepath.Join(dir, "forms", "order.json")
	var form map[string]any
	b, err := os.ReadFile(formFile)
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(b, &form)
	form["name"] = map[string]any{"en": "Order (edited)", "zh-TW": "訂單（修訂）"}
	b, _ = json.MarshalIndent(form, "", "  ")
	os.WriteFile(formFile, b, 0o644)
	out, code = runCmd(t, "import", "--db", dst, dir)
	if code != 0 || !strings.Contains(out, "form order published as v2") || count() != len(exported)+1 {
		t.Fatalf("changed import: %d %s", code, out)
	}
	// A broken file stops the whole import before anything is written.
	bad := filepath.Join(dir, "flows", "broken.json")
	os.WriteFile(bad, []byte(`{"kind":"flow","key":"broken","form":"order","nodes":[{"id":"s","type":"start"}],"edges":[{"from":"s","to":"ghost"}]}`), 0o644)
	form["name"] = map[string]any{"en": "Order (edited twice)"}
	b, _ = json.MarshalIndent(form, "", "  ")
	os.WriteFile(formFile, b, 0o644)
	before := count()
	out, code = runCmd(t, "import", "--db", dst, dir)
	if code != 1 || !strings.Contains(out, "broken.json") || !strings.Contains(out, "nothing was imported") || count() != before {
		t.Fatalf("broken import: %d %s", code, out)
	}
	// An unknown --as user.
	if _, err := runErr(t, "import", "--db", dst, "--as", "ghost", formFile); err == nil || !strings.Contains(err.Error(), "ghost") {
		t.Fatalf("--as ghost: %v", err)
	}
	// A user without definitions.manage.
	if _, err := runErr(t, "import", "--db", src, "--as", "clerk", formFile); err == nil || !strings.Contains(err.Error(), "may not") {
		t.Fatalf("--as clerk: %v", err)
	}
}

// TestImportProves: import proves flows as publishing does, before writing anything.
func TestImportProves(t *testing.T) {
	t.Setenv("SLUICE_ADMIN_PASSWORD", "admin-pass-123")
	db := storetest.SQLiteURL(t)
	if out, code := runCmd(t, "seed", "--db", db); code != 0 {
		t.Fatalf("seed: %s", out)
	}
	out, code := runCmd(t, "import", "--db", db, "../../flowcheck/testdata/nested-reject.json", "../../flowcheck/testdata/rework-in-branch.json")
	for _, want := range []string{"(flow_engine_error)", "counterexample", "nothing was imported"} {
		if code != 1 || !strings.Contains(out, want) {
			t.Fatalf("want %q: %d %s", want, code, out)
		}
	}
	out, code = runCmd(t, "import", "--db", db, "../../flowcheck/testdata/rework-in-branch.json")
	if code != 0 || !strings.Contains(out, "flow rework-in-branch published as v1") {
		t.Fatalf("a supported flow imports: %d %s", code, out)
	}
}
