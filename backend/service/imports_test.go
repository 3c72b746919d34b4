package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"sluice/backend/service"
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
		var b strings.Builder
		b.WriteString("customer.name,customer.tier,ship_to.address,currency,promised_date,items.sku,items.name,items.qty,items.price\n")
		const n = 120
		for i := range n {
			fmt.Fprintf(&b, "客戶 %d,standard,高雄市三民區建工路 72 號,TWD,2026-08-15,BRG-6204,軸承,%d,85\n", i, i+1)
		}
		req := service.ImportRequest{Flow: "order-review", Filename: "many.csv", File: []byte(b.String())}
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

		next, err := service.New(ctx, s, nil) // the next start
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
