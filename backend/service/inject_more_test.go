package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"sluice/backend/app"
	"sluice/backend/ent"
	"sluice/backend/ent/order"
	"sluice/backend/ent/timer"
	"sluice/backend/inbound"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// The requests TestFaultsNeverDecide's sweep cannot judge by "the database is as it
// was": a batch (each task its own transaction) and an import (a background job, each
// order its own transaction). The Nth statement fails, for the N faultSampling picks.

// importedFile is a CSV of n one-line orders for the demo's order-review form, its
// customers named after tag so that no two files share an order (content refs).
func importedFile(tag string, n int) []byte {
	var b strings.Builder
	b.WriteString("customer.name,customer.tier,ship_to.address,currency,promised_date,items.sku,items.name,items.qty,items.price\n")
	for i := range n {
		fmt.Fprintf(&b, "客戶 %s-%d,standard,高雄市三民區建工路 72 號,TWD,2026-08-15,BRG-6204,軸承,%d,85\n", tag, i, i+1)
	}
	return []byte(b.String())
}

// internalRow is the one row error a fault may leave on an import.
const internalRow = "could not be saved (internal error); import the file again to retry"

func TestFaultsInImportsAndBatches(t *testing.T) {
	pick := faultSampling(t)
	storetest.ForEachFaulty(t, func(t *testing.T, s *store.Store, f *store.Faults) {
		ctx := context.Background()
		svc := newDemo(t, s)
		for _, q := range []string{"UPDATE stocks SET on_hand = on_hand + 1000000",
			"UPDATE customers SET credit_limit = 1000000000 WHERE credit_limit > 0"} {
			if _, err := s.DB.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		admin, clerk := as(t, s, "admin"), as(t, s, "clerk")
		view := func(t *testing.T, id int) string {
			t.Helper()
			v, err := svc.GetOrder(ctx, admin, id)
			if err != nil {
				t.Fatal(err)
			}
			return describe(t, s, v)
		}
		t.Run("import", func(t *testing.T) { sweepImport(t, s, f, svc, clerk, view, pick) })
		t.Run("batch approve", func(t *testing.T) { sweepBatch(t, s, f, svc, view, pick) })
	})
}

// sweepImport: a fault in the upload's request is a fault that writes nothing; a fault
// in the job leaves every row made once or reported failed as a fault (never as the
// row's own problem), the job finished with a tally that adds up, and importing the
// file again makes what a clean import makes.
func sweepImport(t *testing.T, s *store.Store, f *store.Faults, svc *app.Service, clerk service.Actor,
	view func(*testing.T, int) string, pick func(n, total int) bool) {
	ctx := context.Background()
	const rows = 2
	files := 0
	file := func() inbound.ImportRequest {
		files++
		return inbound.ImportRequest{Flow: "order-review", Filename: "faulty.csv", File: importedFile(fmt.Sprint(files), rows)}
	}
	lastOrder := func() int {
		id, err := s.Read.Order.Query().Order(ent.Desc(order.FieldID)).FirstID(ctx)
		if err != nil && !ent.IsNotFound(err) {
			t.Fatal(err)
		}
		return id
	}
	// run imports req and waits for its job to end (without a statement of its own
	// while the faults are armed).
	run := func(req inbound.ImportRequest) (*inbound.ImportJobView, error) {
		job, err := svc.StartImport(ctx, clerk, req)
		if err != nil {
			return nil, err
		}
		svc.WaitImports()
		return job, nil
	}
	// ended reads the job as the run left it (with the faults off)
	ended := func(job *inbound.ImportJobView) *inbound.ImportJobView {
		j, err := svc.GetImport(ctx, clerk, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	made := func(after int) string {
		ids, err := s.Read.Order.Query().Where(order.IDGT(after), order.Source(inbound.SourceImport)).IDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, id := range ids {
			out = append(out, view(t, id))
		}
		slices.Sort(out)
		return strings.Join(out, "; ")
	}

	f.Arm(0)
	after := lastOrder()
	job, err := run(file())
	total := f.Seen()
	f.Disarm()
	if err == nil {
		job = ended(job)
	}
	if err != nil || job.Status != "done" || job.Created != rows {
		t.Fatalf("the import without faults: %+v, %v", job, err)
	}
	want := made(after)
	tried := 0
	for n := 1; ; n++ {
		if !pick(n, total) {
			continue
		}
		tried++
		req := file()
		after := lastOrder()
		before := digest(t, s)
		f.Arm(n)
		job, err := run(req)
		hit := f.Hit()
		f.Disarm()
		if err == nil {
			job = ended(job)
		}
		if !hit {
			if err != nil || job.Status != "done" || job.Created != rows || made(after) != want {
				t.Fatalf("the run past every fault (%d statements): %+v, %v; made %s, want %s", n-1, job, err, made(after), want)
			}
			t.Logf("import of %d rows: %d statements, %d of them failed in turn", rows, n-1, tried-1)
			return
		}
		if err != nil {
			if e, ok := service.AsError(err); ok && e.Status < 500 {
				t.Fatalf("statement %d failed: the upload answered %d %v, want a fault", n, e.Status, err)
			}
			if got := digest(t, s); got != before {
				t.Fatalf("statement %d failed (%v): the upload changed the database\nbefore %s\nafter  %s", n, err, before, got)
			}
		} else {
			if job.Status == "running" {
				t.Fatalf("statement %d failed: the job never finished: %+v", n, job)
			}
			if job.Created+job.Skipped+job.Failed != rows || job.Skipped != 0 {
				t.Fatalf("statement %d failed: the tally does not add up to the %d rows: %+v", n, rows, job)
			}
			for _, e := range job.Errors {
				if e.Message != internalRow {
					t.Fatalf("statement %d failed: a row failed for its own reason %+v (a fault became the row's problem)", n, e)
				}
			}
			if len(job.Errors) != job.Failed {
				t.Fatalf("statement %d failed: %d rows failed, %d errors: %+v", n, job.Failed, len(job.Errors), job)
			}
			if got, err := s.Read.Order.Query().Where(order.IDGT(after)).Count(ctx); err != nil || got != job.Created {
				t.Fatalf("statement %d failed: %d orders made, the job says %d (%v)", n, got, job.Created, err)
			}
		}
		// the same file again: the orders made are skipped, the rest made
		again, err := run(req)
		if err == nil {
			again = ended(again)
		}
		if err != nil || again.Status != "done" || again.Failed != 0 || again.Created+again.Skipped != rows {
			t.Fatalf("statement %d failed (first run %+v), then the import again: %+v, %v", n, job, again, err)
		}
		if got := made(after); got != want {
			t.Fatalf("statement %d failed, then the import again made %s; want %s", n, got, want)
		}
	}
}

// sweepBatch: a batch approve of three tasks. A fault answers a fault (no task is
// reported forbidden or changed for it), each task is decided as a clean run decides
// it or untouched, and the batch again decides the untouched ones and reports the
// decided ones as task-changed (decided).
func sweepBatch(t *testing.T, s *store.Store, f *store.Faults, svc *app.Service,
	view func(*testing.T, int) string, pick func(n, total int) bool) {
	ctx := context.Background()
	clerk, manager := as(t, s, "clerk"), as(t, s, "manager")
	const size = 3
	prepare := func() ([]int, service.BatchRequest) {
		var orders, tasks []int
		var req service.BatchRequest
		for range size {
			o, _, err := svc.Submit(ctx, clerk, sample(t, "large-vip.json"), nil)
			if err != nil {
				t.Fatal(err)
			}
			o = step(t, svc, s, "clerk", o, service.ActionRequest{Action: "approve"})
			orders, tasks = append(orders, o.ID), append(tasks, o.Tasks[0].ID)
			req.Checklist = ticks(o.Tasks[0])
		}
		req.Tasks, req.Action = tasks, "approve"
		return orders, req
	}
	orders, req := prepare()
	f.Arm(0)
	items, err := svc.Batch(ctx, manager, req)
	total := f.Seen()
	f.Disarm()
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, size)
	for i, it := range items {
		if it.Error != nil {
			t.Fatalf("the batch without faults: task %d %v", it.Task, it.Error)
		}
		want[i] = view(t, orders[i])
	}
	tried := 0
	for n := 1; ; n++ {
		if !pick(n, total) {
			continue
		}
		tried++
		orders, req := prepare()
		before := make([]string, size)
		for i, id := range orders {
			before[i] = view(t, id)
		}
		f.Arm(n)
		items, err := svc.Batch(ctx, manager, req)
		hit := f.Hit()
		f.Disarm()
		if err == nil {
			// past every fault, or the fault hit what a batch may do without: every task
			// decided as a clean run decides it, none reported refused
			for i, it := range items {
				if it.Error != nil || view(t, orders[i]) != want[i] {
					t.Fatalf("statement %d (hit %v): task %d answered %d %v, %s; want %s", n, hit, it.Task, it.Status, it.Error, view(t, orders[i]), want[i])
				}
			}
			if !hit {
				t.Logf("batch of %d: %d statements, %d of them failed in turn", size, n-1, tried-1)
				return
			}
			continue
		}
		if e, ok := service.AsError(err); ok && e.Status < 500 {
			t.Fatalf("statement %d failed: the batch answered %d %v, want a fault", n, e.Status, err)
		}
		decided := make([]bool, size)
		for i, id := range orders {
			switch now := view(t, id); now {
			case want[i]:
				decided[i] = true
			case before[i]:
			default:
				t.Fatalf("statement %d failed (%v): order %d is neither as it was nor decided:\n%s\nwas  %s\nwant %s", n, err, id, now, before[i], want[i])
			}
		}
		items, err = svc.Batch(ctx, manager, req)
		if err != nil {
			t.Fatalf("statement %d failed, then the batch again: %v", n, err)
		}
		for i, it := range items {
			switch {
			case decided[i] && (it.Status != 409 || it.Error.Type != service.TypeTaskChanged || it.Error.Reason != service.TaskDecided):
				t.Fatalf("statement %d failed, then the batch again: decided task %d answered %d %+v, want 409 task-changed decided", n, it.Task, it.Status, it.Error)
			case !decided[i] && (it.Error != nil || view(t, orders[i]) != want[i]):
				t.Fatalf("statement %d failed, then the batch again: task %d answered %d %v, %s; want %s", n, it.Task, it.Status, it.Error, view(t, orders[i]), want[i])
			}
		}
	}
}

// TestFaultsInTimers: the Nth statement of one timer's fire fails, for each kind the
// scheduler fires (remind, escalate, an automatic action, a wait, a hold's expiry, an
// overdue exception). The failed fire leaves the database as it was — the timer still
// pending, no notification sent, no automatic decision recorded as failed — and the
// fire again does what a clean fire does. (remind.TestSchedulerUnderFaults runs whole
// scheduler passes under faults.)
func TestFaultsInTimers(t *testing.T) {
	pick := faultSampling(t)
	storetest.ForEachFaulty(t, func(t *testing.T, s *store.Store, f *store.Faults) {
		ctx := context.Background()
		svc := exceptional(t, s)
		publish(t, svc, s, "wait-review", waitFlow)
		for _, q := range []string{"UPDATE stocks SET on_hand = on_hand + 1000000",
			"UPDATE customers SET credit_limit = 1000000000 WHERE credit_limit > 0"} {
			if _, err := s.DB.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		clerk := as(t, s, "clerk")
		submit := func(t *testing.T, file, flow string) *service.OrderView {
			t.Helper()
			req := sample(t, file)
			if flow != "" {
				req.Flow = flow
			}
			o, _, err := svc.Submit(ctx, clerk, req, nil)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		// fire answers a request firing o's pending timer of kind, once due.
		fire := func(t *testing.T, orderID int, kind string) request {
			t.Helper()
			tm, err := s.Read.Timer.Query().Where(timer.OrderID(orderID), timer.Kind(kind), timer.Status(service.TimerPending)).
				Order(ent.Asc(timer.FieldID)).First(ctx)
			if err != nil {
				t.Fatalf("order %d has no pending %s timer: %v", orderID, kind, err)
			}
			return func(ctx context.Context) (func() string, error) {
				fired, err := svc.FireTimer(ctx, tm.ID, tm.DueAt.Add(time.Second), "sweep")
				if err != nil {
					return nil, err
				}
				return func() string {
					got, err := s.Read.Timer.Get(ctx, tm.ID)
					if err != nil {
						t.Fatal(err)
					}
					v, err := svc.GetOrder(ctx, as(t, s, "admin"), orderID)
					if err != nil {
						t.Fatal(err)
					}
					return fmt.Sprintf("fired %v: %s %q; %s", fired, got.Status, got.Outcome, describe(t, s, v))
				}, nil
			}
		}
		cases := []faultCase{
			{"remind", func(t *testing.T) request {
				return fire(t, submit(t, "small-standard.json", "").ID, service.TimerRemind)
			}},
			{"escalate", func(t *testing.T) request {
				return fire(t, submit(t, "small-standard.json", "").ID, service.TimerEscalate)
			}},
			{"automatic return", func(t *testing.T) request {
				o := step(t, svc, s, "clerk", submit(t, "large-vip.json", ""), service.ActionRequest{Action: "approve"})
				o = step(t, svc, s, "manager", o, service.ActionRequest{Action: "approve"})
				return fire(t, o.ID, service.TimerAuto)
			}},
			{"wait", func(t *testing.T) request {
				o := step(t, svc, s, "clerk", submit(t, "small-standard.json", "wait-review"), service.ActionRequest{Action: "approve"})
				return fire(t, o.ID, service.TimerWait)
			}},
			{"hold expiry", func(t *testing.T) request {
				o := step(t, svc, s, "clerk", submit(t, "small-standard.json", ""), service.ActionRequest{Action: "approve"})
				return fire(t, o.ID, service.TimerHoldExpiry)
			}},
			{"exception overdue", func(t *testing.T) request {
				return fire(t, submitNote(t, svc, s, "fail:price").ID, service.TimerExceptionOverdue)
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { sweep(t, s, f, c, pick) })
		}
	})
}
