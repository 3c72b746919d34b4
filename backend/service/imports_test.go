package service_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/backend/app"
	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/event"
	"sluice/backend/inbound"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// A shutdown stops a running import between two orders and records where; importing
// the file again (on the next start) makes exactly the rest.
func TestStopImportsMidway(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc := newDemo(t, s)
		clerk := as(t, s, "clerk")
		const n = 120
		req := inbound.ImportRequest{Flow: "order-review", Filename: "many.csv", File: manyOrders(n)}
		job, err := svc.StartImport(ctx, clerk, req)
		if err != nil {
			t.Fatal(err)
		}
		stop, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := svc.StopImports(stop); err != nil {
			t.Fatal(err)
		}
		got, err := svc.GetImport(ctx, clerk, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != "failed" || got.Created >= n || got.FinishedAt == nil {
			t.Fatalf("after the stop: %+v", got)
		}
		last := got.Errors[len(got.Errors)-1]
		if !strings.Contains(last.Message, "the server stopped") || last.Row != got.Created+2 {
			t.Fatalf("the stop is not recorded where it happened: %+v (created %d)", last, got.Created)
		}
		if _, err := svc.StartImport(ctx, clerk, req); status(err) != 503 {
			t.Fatalf("an upload while stopping: %v", err)
		}

		next, err := app.New(ctx, s, nil) // the next start
		if err != nil {
			t.Fatal(err)
		}
		job2, err := next.StartImport(ctx, clerk, req)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for job2.Status == "running" && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			if job2, err = next.GetImport(ctx, clerk, job2.ID); err != nil {
				t.Fatal(err)
			}
		}
		if job2.Status != "done" || job2.Skipped != got.Created || job2.Created != n-got.Created || job2.Failed != 0 {
			t.Fatalf("the second import: %+v after %d made", job2, got.Created)
		}
	})
}

// manyOrders is a CSV of n one-line orders for the demo's order-review form.
func manyOrders(n int) []byte {
	var b strings.Builder
	b.WriteString("customer.name,customer.tier,ship_to.address,currency,promised_date,items.sku,items.name,items.qty,items.price\n")
	for i := range n {
		fmt.Fprintf(&b, "客戶 %d,standard,高雄市三民區建工路 72 號,TWD,2026-08-15,BRG-6204,軸承,%d,85\n", i, i+1)
	}
	return []byte(b.String())
}

// A server that dies mid-import (killed: no shutdown to record it) leaves its job
// "running"; once its heartbeat is well past, any instance marks it failed, once, and
// tells the uploader. A job whose heartbeat goes on is left alone.
func TestRecoverImportsAfterACrash(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc := newDemo(t, s)
		now := time.Now().UTC()
		// The rows a crash leaves: one stopped 5 minutes ago after 3 of 10 orders, one
		// from before jobs had a heartbeat, one still beating.
		crashed := s.Client.ImportJob.Create().SetFlowKey("order-review").SetFilename("a.csv").SetFileHash("a").
			SetTotal(10).SetCreated(2).SetFailed(1).SetCreatedBy("clerk").SetCreatedAt(now.Add(-6 * time.Minute)).
			SetHeartbeatAt(now.Add(-5 * time.Minute)).
			SetErrors([]map[string]any{{"row": 3, "column": "items.qty", "message": "must be ≥ 1"}}).SaveX(ctx)
		legacy := s.Client.ImportJob.Create().SetFlowKey("order-review").SetFileHash("b").SetTotal(4).
			SetCreatedBy("clerk").SetCreatedAt(now.Add(-time.Hour)).SaveX(ctx)
		alive := s.Client.ImportJob.Create().SetFlowKey("order-review").SetFileHash("c").SetTotal(4).
			SetCreatedBy("clerk").SetCreatedAt(now.Add(-time.Hour)).SetHeartbeatAt(now.Add(-5 * time.Second)).SaveX(ctx)

		// Four instances look at once: each stale job is marked by exactly one.
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for range 4 {
			wg.Go(func() {
				n, err := svc.RecoverImports(ctx, 2*time.Minute)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				total += n
				mu.Unlock()
			})
		}
		wg.Wait()
		if total != 2 {
			t.Fatalf("%d jobs marked, want 2", total)
		}
		clerk := as(t, s, "clerk")
		for _, id := range []int{crashed.ID, legacy.ID} {
			got, err := svc.GetImport(ctx, clerk, id)
			if err != nil {
				t.Fatal(err)
			}
			last := got.Errors[len(got.Errors)-1]
			if got.Status != "failed" || got.FinishedAt == nil || last.Row != 0 || !strings.Contains(last.Message, "import the file again") {
				t.Fatalf("job %d after recovery: %+v", id, got)
			}
			audits := s.Read.AuditEntry.Query().Where(auditentry.Action("import.finished")).AllX(ctx)
			n := 0
			for _, a := range audits {
				if a.Detail["import"] == float64(id) && a.Detail["interrupted"] == true && a.Actor == "system" {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("job %d: %d interrupted audit entries, want 1", id, n)
			}
		}
		got, _ := svc.GetImport(ctx, clerk, crashed.ID)
		if got.Created != 2 || got.Failed != 1 || len(got.Errors) != 2 || got.Errors[0].Row != 3 {
			t.Fatalf("the crashed job's tally and row errors were not kept: %+v", got)
		}
		if a, _ := svc.GetImport(ctx, clerk, alive.ID); a.Status != "running" {
			t.Fatalf("a job with a live heartbeat was marked: %+v", a)
		}
		if n := s.Read.Event.Query().Where(event.Type("import.progress"), event.Topic("user:clerk")).CountX(ctx); n != 2 {
			t.Fatalf("%d import.progress events to the uploader, want 2", n)
		}
		if n, err := svc.RecoverImports(ctx, 2*time.Minute); err != nil || n != 0 {
			t.Fatalf("a second look marked %d (%v)", n, err)
		}
	})
}

// A running import renews its heartbeat however slowly it goes, so a recovery pass
// looking all along never takes it for a crashed one. The import is slowed down by
// another writer holding the database (SQLite's one writer) for a while, again and
// again, so it lasts well past the staleness limit whatever the machine's speed, while
// no single order comes near it (a WAL checkpoint in a commit took 360 ms here once).
func TestRunningImportKeepsItsHeartbeat(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	svc := newDemo(t, s)
	hb, every := inbound.ImportHeartbeat, inbound.ImportProgressEvery
	inbound.ImportHeartbeat, inbound.ImportProgressEvery = 20*time.Millisecond, 1_000_000 // only the clock renews it
	t.Cleanup(func() { inbound.ImportHeartbeat, inbound.ImportProgressEvery = hb, every })
	clerk := as(t, s, "clerk")
	const stale = 2 * time.Second
	slow, stop := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(slow)
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = s.Tx(ctx, func(*ent.Tx) error { time.Sleep(30 * time.Millisecond); return nil })
			time.Sleep(2 * time.Millisecond)
		}
	}()
	defer func() { close(stop); <-slow }()
	job, err := svc.StartImport(ctx, clerk, inbound.ImportRequest{Flow: "order-review", Filename: "slow.csv", File: manyOrders(120)})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	looked := 0
	for deadline := time.Now().Add(120 * time.Second); job.Status == "running" && time.Now().Before(deadline); looked++ {
		if n, err := svc.RecoverImports(ctx, stale); err != nil || n != 0 {
			t.Fatalf("recovery took a running import after %v (%d, %v)", time.Since(start), n, err)
		}
		time.Sleep(20 * time.Millisecond)
		if job, err = svc.GetImport(ctx, clerk, job.ID); err != nil {
			t.Fatal(err)
		}
	}
	if job.Status != "done" || job.Created != 120 {
		t.Fatalf("after %d looks: %+v", looked, job)
	}
	if el := time.Since(start); el < stale+stale/2 {
		t.Fatalf("the import ended after %v (%d looks): too fast to show the heartbeat matters", el, looked)
	}
}
