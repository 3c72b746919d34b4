// Package peer runs the bench's two-approval lifecycle on go-workflows
// (github.com/cschleiden/go-workflows, its SQLite backend), the durable workflow library
// issue 16 names as Sluice's peer. Only sluice-bench imports it: the library stays out of
// the product binary.
package peer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cschleiden/go-workflows/backend"
	"github.com/cschleiden/go-workflows/backend/sqlite"
	"github.com/cschleiden/go-workflows/client"
	"github.com/cschleiden/go-workflows/worker"
	"github.com/cschleiden/go-workflows/workflow"
)

// Approval signal names: one per review step of the flow.
const (
	firstApproval  = "approval-1"
	secondApproval = "approval-2"
)

// Approval is the flow: submitted (the instance is created) → approval 1 → approval 2
// → end. Each approval is a signal the workflow waits for; every step is recorded in
// the instance's durable history before the next one runs.
func Approval(ctx workflow.Context, order string) (string, error) {
	workflow.NewSignalChannel[string](ctx, firstApproval).Receive(ctx)
	workflow.NewSignalChannel[string](ctx, secondApproval).Receive(ctx)
	return "completed", nil
}

// Result is one run: each lifecycle's time from submission to the result read back.
type Result struct {
	Latencies []time.Duration
	Elapsed   time.Duration
	Errors    int
	FirstErr  string
}

// Lifecycles runs clients goroutines for d, each submitting an order and approving it
// twice, then waiting for the instance to finish, on a SQLite database at path (WAL,
// synchronous FULL: as durable as Sluice's). The worker runs in this process, as
// go-workflows is meant to be embedded.
func Lifecycles(ctx context.Context, path string, clients int, d time.Duration) (Result, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := sqlite.NewSqliteBackend(path+"?_pragma=synchronous(FULL)", sqlite.WithBackendOptions(backend.WithLogger(quiet)))
	defer b.Close()

	wctx, stop := context.WithCancel(ctx)
	defer stop()
	opts := worker.DefaultOptions
	// poll every 10 ms when the queue is empty (the default waits 200 ms), and the
	// library's own single-worker optimisations: its best case on one machine
	opts.WorkflowPollingInterval = 10 * time.Millisecond
	opts.SingleWorkerMode = true
	w := worker.New(b, &opts)
	if err := w.RegisterWorkflow(Approval); err != nil {
		return Result{}, err
	}
	if err := w.Start(wctx); err != nil {
		return Result{}, err
	}
	c := client.New(b)

	var (
		mu    sync.Mutex
		res   Result
		seq   atomic.Int64
		wg    sync.WaitGroup
		start = time.Now()
	)
	deadline := start.Add(d)
	one := func() error {
		id := "order-" + strconv.FormatInt(seq.Add(1), 10)
		inst, err := c.CreateWorkflowInstance(ctx, client.WorkflowInstanceOptions{InstanceID: id}, Approval, id)
		if err != nil {
			return fmt.Errorf("submit: %w", err)
		}
		if err := c.SignalWorkflow(ctx, id, firstApproval, "manager"); err != nil {
			return fmt.Errorf("approval 1: %w", err)
		}
		if err := c.SignalWorkflow(ctx, id, secondApproval, "finance"); err != nil {
			return fmt.Errorf("approval 2: %w", err)
		}
		out, err := client.GetWorkflowResult[string](ctx, c, inst, time.Minute)
		if err != nil {
			return fmt.Errorf("result: %w", err)
		}
		if out != "completed" {
			return fmt.Errorf("result %q", out)
		}
		return nil
	}
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				t0 := time.Now()
				err := one()
				mu.Lock()
				if err != nil {
					res.Errors++
					if res.FirstErr == "" {
						res.FirstErr = err.Error()
					}
				} else {
					res.Latencies = append(res.Latencies, time.Since(t0))
				}
				mu.Unlock()
				if err != nil && res.Errors > 100 {
					return
				}
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	stop()
	if err := w.WaitForCompletion(); err != nil && !errors.Is(err, context.Canceled) {
		return res, err
	}
	return res, nil
}
