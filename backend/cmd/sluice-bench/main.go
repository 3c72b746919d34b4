// Command sluice-bench measures Sluice over HTTP on SQLite (and, with --pg, review actions
// on PostgreSQL with 1 and 3 instances): the server binary runs in its
// own process on a fresh database, this process is the load client. It reports orders
// submitted/s and review actions/s with p50/p99 latency; then it opens --sockets idle
// websocket clients and reports the server memory per socket and the event→delivery
// latency on all of them; last the raw SQLite commit ceiling of the same driver and
// pragmas measured in the same run, and the ratio of actions to it. Beside them: the
// two-approval lifecycle in Sluice and in go-workflows (package peer), and the first page
// of the board, order list and inbox at --list-orders seeded orders (docs/benchmark.md).
//
//	go run ./backend/cmd/sluice-bench --bin ./bin/sluice [--clients 16] [--duration 10s]
//	    [--orders-file FILE] [--pool N] [--json] [--list-orders 100000] [--only lifecycle,lists]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	targetActions = 3000.0
	targetRatio   = 0.6
	flowKey       = "order-review"
	financeLimit  = 50000.0
)

type config struct {
	bin        string
	clients    int
	duration   time.Duration
	ordersFile string
	pool       int
	json       bool
	sockets    int
	liveOrders int
	listOrders int
	listOpen   float64
	listReads  int
	only       string
	pg         string
}

// report is the whole run, also the --json document.
type report struct {
	Clients        int              `json:"clients"`
	Duration       string           `json:"duration"`
	OrdersFile     string           `json:"orders_file"`
	OrderTotal     float64          `json:"order_total"`
	Path           []step           `json:"path"`
	FinalStatus    string           `json:"final_status"`
	Orders         phaseResult      `json:"orders"`
	Pool           int              `json:"pool"`
	PoolExhausted  bool             `json:"pool_exhausted"`
	OrdersFinished int              `json:"orders_finished"`
	Actions        phaseResult      `json:"actions"`
	Ceiling        ceilingResult    `json:"ceiling"`
	Ratio          float64          `json:"actions_to_ceiling"`
	TxPerCommit    float64          `json:"actions_transactions_per_commit"` // SQLite group commit during phase B
	TargetActions  float64          `json:"target_actions_per_second"`
	TargetRatio    float64          `json:"target_ratio"`
	Live           *liveResult      `json:"live,omitempty"`
	Proof          proofResult      `json:"flow_proof"`
	Authz          authzResult      `json:"authorization"`
	Lifecycle      *lifecycleResult `json:"lifecycle,omitempty"`
	Lists          *listResult      `json:"lists,omitempty"`
	Only           string           `json:"only,omitempty"`
	Postgres       []pgResult       `json:"postgres,omitempty"`
}

// Targets of the live phase.
const (
	targetLiveP99ms  = 100.0
	targetKiBPerIdle = 30.0
)

func main() {
	var cfg config
	flag.StringVar(&cfg.bin, "bin", "./bin/sluice", "the sluice server binary to benchmark")
	flag.IntVar(&cfg.clients, "clients", 16, "concurrent HTTP clients")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "length of each measured phase (orders, actions, ceiling)")
	flag.StringVar(&cfg.ordersFile, "orders-file", "", "order body to submit (default: the cheapest of schemas/examples/orders/*.json below 50000)")
	flag.IntVar(&cfg.pool, "pool", 0, "orders in review before the actions phase (default: twice the orders phase's count, at least 25 per client)")
	flag.BoolVar(&cfg.json, "json", false, "print the results as JSON on stdout (the table goes to stderr)")
	flag.IntVar(&cfg.sockets, "sockets", 10000, "idle websocket clients in the live phase (0 skips it)")
	flag.IntVar(&cfg.liveOrders, "live-orders", 20, "orders walked through review while the sockets watch")
	flag.IntVar(&cfg.listOrders, "list-orders", envInt("BENCH_LIST_ORDERS", 100000), "orders seeded for the lists phase (0 skips it; env BENCH_LIST_ORDERS)")
	flag.Float64Var(&cfg.listOpen, "list-open", 0.7, "share of the lists phase's orders that are open")
	flag.IntVar(&cfg.listReads, "list-reads", 200, "reads of each list's first page in the lists phase")
	flag.StringVar(&cfg.only, "only", os.Getenv("BENCH_ONLY"), "run only these phases (comma-separated: lifecycle, lists), with the commit ceiling; env BENCH_ONLY")
	flag.StringVar(&cfg.pg, "pg", os.Getenv("SLUICE_BENCH_PG"), "a PostgreSQL server (postgres:// URL, a user that may create databases) to also measure review actions/s on with 1 and 3 instances (SLUICE_BENCH_PG; empty skips)")
	flag.Parse()
	if cfg.clients < 1 || cfg.duration <= 0 || flag.NArg() > 0 || cfg.listOpen < 0 || cfg.listOpen > 1 || cfg.listReads < 1 {
		flag.Usage()
		os.Exit(2)
	}

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	rep, err := run(ctx, cfg, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sluice-bench:", err)
		if ctx.Err() != nil || errors.Is(err, errInterrupted) {
			os.Exit(130)
		}
		os.Exit(1)
	}
	table := os.Stdout
	if cfg.json {
		table = os.Stderr
	}
	printTable(table, rep)
	if cfg.json {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	}
}

func run(ctx context.Context, cfg config, logw io.Writer) (*report, error) {
	logf := func(format string, a ...any) { fmt.Fprintf(logw, "· "+format+"\n", a...) }

	body, file, total, err := orderBody(cfg.ordersFile)
	if err != nil {
		return nil, err
	}
	bin, err := exec.LookPath(cfg.bin)
	if err != nil {
		return nil, fmt.Errorf("server binary: %w (build it with `make build`)", err)
	}
	dir, err := os.MkdirTemp("", "sluice-bench-")
	if err != nil {
		return nil, err
	}
	if os.Getenv("BENCH_KEEP") == "" {
		defer os.RemoveAll(dir)
	} else {
		logf("keeping %s (BENCH_KEEP)", dir)
	}

	rep := &report{Clients: cfg.clients, Duration: cfg.duration.String(), OrdersFile: file, OrderTotal: total,
		TargetActions: targetActions, TargetRatio: targetRatio, Only: cfg.only}
	if cfg.only == "" {
		if err := runServerPhases(ctx, cfg, rep, bin, dir, body, logf); err != nil {
			return nil, err
		}
	}
	if cfg.only == "" || phaseWanted(cfg.only, "lifecycle") {
		lc, err := measureLifecycles(ctx, bin, dir, body, cfg.clients, cfg.duration, logf)
		if err != nil {
			return nil, fmt.Errorf("lifecycle phase: %w", err)
		}
		rep.Lifecycle = &lc
	}
	if cfg.listOrders > 0 && (cfg.only == "" || phaseWanted(cfg.only, "lists")) {
		lr, err := measureLists(ctx, bin, dir, body, cfg.listOrders, cfg.listOpen, cfg.listReads, logf)
		if err != nil {
			return nil, fmt.Errorf("lists phase: %w", err)
		}
		rep.Lists = &lr
	}
	logf("measuring the raw SQLite commit ceiling for %s", cfg.duration)
	rep.Ceiling, err = measureCeiling(ctx, filepath.Join(dir, "ceiling.db"), cfg.duration)
	if err != nil {
		return nil, err
	}
	if rep.Ceiling.PerSecond > 0 {
		rep.Ratio = rep.Actions.PerSecond / rep.Ceiling.PerSecond
	}
	return rep, nil
}

func phaseWanted(only, name string) bool {
	for _, p := range strings.Split(only, ",") {
		if strings.TrimSpace(p) == name {
			return true
		}
	}
	return false
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// runServerPhases are the phases on one server: orders, actions, live; then, the server
// stopped, the fan-out floor, the flow proof and the authorization checks.
func runServerPhases(ctx context.Context, cfg config, rep *report, bin, dir string, body []byte, logf func(string, ...any)) error {
	file, total := rep.OrdersFile, rep.OrderTotal

	logf("starting %s serve --demo on %s/bench.db", bin, dir)
	srv, err := startServer(ctx, bin, dir)
	if err != nil {
		return err
	}
	defer srv.stop()
	a := newAPI(srv.base, cfg.clients)
	defer a.close()

	clerk, err := a.token(ctx, submitter)
	if err != nil {
		return err
	}
	for _, u := range []string{"manager", "warehouse", "service"} {
		if _, err := a.token(ctx, u); err != nil {
			logf("warning: %v", err)
		}
	}

	// Warm-up: one order followed to its end shows the path every order takes.
	o, err := a.submit(ctx, clerk, body)
	if err != nil {
		return fmt.Errorf("submit %s: %w", file, err)
	}
	o, rep.Path, err = a.follow(ctx, o)
	if err != nil {
		return err
	}
	rep.FinalStatus = o.Status
	logf("order %s (total %.0f): %s", filepath.Base(file), total, pathString(rep.Path, o.Status))
	if o.Status != "completed" {
		logf("warning: the warm-up order ended %q, not completed", o.Status)
	}

	// Phase A: orders submitted/s.
	logf("phase A: %d clients submit orders for %s", cfg.clients, cfg.duration)
	var poolMu sync.Mutex
	var pool []order
	rep.Orders, err = timed(ctx, "orders", cfg.clients, cfg.duration, nil, func(ctx context.Context, rec *recorder) bool {
		t0 := time.Now()
		o, err := a.submit(ctx, clerk, body)
		if err != nil {
			rec.fail(err)
			return true
		}
		rec.success(time.Since(t0))
		if o.Status == "in_review" {
			poolMu.Lock()
			pool = append(pool, o)
			poolMu.Unlock()
		}
		return true
	})
	if err != nil {
		return err
	}
	if err := srv.exited(); err != nil {
		return err
	}

	// Enough orders in review that phase B never waits for work.
	want := cfg.pool
	if want <= 0 {
		want = max(2*rep.Orders.Count, 25*cfg.clients)
	}
	if len(pool) < want {
		logf("pre-creating %d more orders for phase B (pool %d)", want-len(pool), want)
		more, err := fillPool(ctx, a, clerk, body, want-len(pool), cfg.clients)
		if err != nil {
			return fmt.Errorf("%w%s", err, srv.logTail())
		}
		pool = append(pool, more...)
	}
	rep.Pool = len(pool)

	// Phase B: review actions/s; each client takes whole orders, so none share a task.
	logf("phase B: %d clients approve tasks for %s (%d orders in review)", cfg.clients, cfg.duration, len(pool))
	var finished int
	c0, t0, statErr := a.writeStats(ctx)
	rep.Actions, rep.PoolExhausted, finished, err = reviewActions(ctx, a, pool, cfg.clients, cfg.duration)
	if err != nil {
		return err
	}
	if c1, t1, err := a.writeStats(ctx); err == nil && statErr == nil && c1 > c0 {
		rep.TxPerCommit = (t1 - t0) / (c1 - c0)
	}
	rep.OrdersFinished = finished
	if err := srv.exited(); err != nil {
		return err
	}

	if cfg.sockets > 0 {
		live := measureLive(ctx, a, srv, cfg.sockets, cfg.liveOrders, body, logf)
		rep.Live = &live
		if err := srv.exited(); err != nil {
			return err
		}
	}

	// The ceiling, with the server stopped so it does not compete for CPU and disk.
	a.close()
	srv.stop()
	if cfg.pg != "" {
		// The same actions on PostgreSQL, one instance then three, each on a database
		// of its own and the same number of orders as the SQLite phase had.
		for _, n := range []int{1, 3} {
			rep.Postgres = append(rep.Postgres, measurePostgres(ctx, cfg, body, rep.Pool, n, logf))
			if ctx.Err() != nil {
				return errInterrupted
			}
		}
	}
	if rep.Live != nil && rep.Live.Connected > 0 {
		logf("measuring the raw loopback fan-out floor")
		f, err := measureFanOutFloor(rep.Live.Connected, max(rep.Live.WriteBytes, 1), 15)
		if err != nil {
			return err
		}
		rep.Live.Floor = &f
	}
	logf("proving the demo order-review flow, as its publish does")
	if rep.Proof, err = measureProof(5); err != nil {
		return err
	}
	logf("timing authorization checks at %d grants and %d memberships, and plain Casbin Enforce beside them", authzGrants, authzMemberships)
	if rep.Authz, err = measureAuthz(ctx, filepath.Join(dir, "authz.db")); err != nil {
		return err
	}
	return nil
}

type phaseDeadline struct{}

// deadlineFrom reports whether the phase's deadline (stored in ctx) has passed.
func deadlineFrom(ctx context.Context) bool {
	d, ok := ctx.Value(phaseDeadline{}).(time.Time)
	return ok && !time.Now().Before(d)
}

// fillPool submits n orders with clients at once and returns those left in review.
func fillPool(ctx context.Context, a *api, clerk string, body []byte, n, clients int) ([]order, error) {
	var mu sync.Mutex
	var pool []order
	var left, failures atomic.Int64
	left.Store(int64(n))
	_, err := timed(ctx, "pre-create", clients, 0, nil, func(ctx context.Context, _ *recorder) bool {
		if left.Add(-1) < 0 {
			return false
		}
		o, err := a.submit(ctx, clerk, body)
		if err != nil {
			if failures.Add(1) > 100 {
				return false
			}
			left.Add(1)
			return true
		}
		if o.Status == "in_review" {
			mu.Lock()
			pool = append(pool, o)
			mu.Unlock()
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if failures.Load() > 100 {
		return nil, fmt.Errorf("pre-creating orders: over 100 failed submissions")
	}
	return pool, nil
}

// reviewActions approves tasks for d with n clients, each taking whole orders of pool so
// none share a task; it reports whether the pool ran out and how many orders finished.
func reviewActions(ctx context.Context, a *api, pool []order, n int, d time.Duration) (phaseResult, bool, int, error) {
	var next, finished atomic.Int64
	var exhausted atomic.Bool
	res, err := timed(ctx, "actions", n, d, &exhausted, func(ctx context.Context, rec *recorder) bool {
		i := int(next.Add(1) - 1)
		if i >= len(pool) {
			exhausted.Store(true)
			return false
		}
		o := pool[i]
		fails := 0
		for o.Status == "in_review" && !exhausted.Load() && ctx.Err() == nil {
			t, ok := nextTask(o)
			if !ok {
				break
			}
			u := a.actor(t)
			t0 := time.Now()
			n, err := a.approve(ctx, u, t)
			if err != nil {
				if ctx.Err() != nil {
					return false
				}
				rec.fail(err)
				if fails++; fails >= 3 {
					break
				}
				if o, err = a.get(ctx, o.ID); err != nil {
					break
				}
				continue
			}
			rec.success(time.Since(t0))
			o = n
			if deadlineFrom(ctx) {
				break // the phase is over: do not start the next step
			}
		}
		if o.Status != "in_review" {
			finished.Add(1)
		}
		return true
	})
	return res, exhausted.Load(), int(finished.Load()), err
}

// timed runs work in n goroutines until d has passed (d == 0: until work returns false
// everywhere), stop is set, or ctx ends; the elapsed time runs until every goroutine is done,
// so throughput counts each request whole.
func timed(ctx context.Context, name string, n int, d time.Duration, stop *atomic.Bool,
	work func(context.Context, *recorder) bool) (phaseResult, error) {
	recs := make([]*recorder, n)
	start := time.Now()
	wctx := ctx
	if d > 0 {
		wctx = context.WithValue(ctx, phaseDeadline{}, start.Add(d))
	}
	var wg sync.WaitGroup
	for i := range recs {
		recs[i] = &recorder{}
		wg.Go(func() {
			for ctx.Err() == nil && !deadlineFrom(wctx) && (stop == nil || !stop.Load()) {
				if !work(wctx, recs[i]) {
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		return phaseResult{}, errInterrupted
	}
	return merge(name, elapsed, recs), nil
}

// orderBody reads the order to submit: the given file, or the cheapest sample order of
// the order-review flow whose total is below the finance limit (the short path).
func orderBody(file string) ([]byte, string, float64, error) {
	files := []string{file}
	if file == "" {
		dir, err := findOrdersDir()
		if err != nil {
			return nil, "", 0, err
		}
		files, _ = filepath.Glob(filepath.Join(dir, "*.json"))
		sort.Strings(files)
	}
	var best []byte
	var bestFile string
	bestTotal := -1.0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, "", 0, err
		}
		var req struct {
			Flow string         `json:"flow"`
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(b, &req); err != nil {
			return nil, "", 0, fmt.Errorf("%s: %w", f, err)
		}
		total := orderTotal(req.Data)
		if file != "" {
			return b, f, total, nil
		}
		if req.Flow != flowKey || total >= financeLimit {
			continue
		}
		if bestTotal < 0 || total < bestTotal {
			best, bestFile, bestTotal = b, f, total
		}
	}
	if best == nil {
		return nil, "", 0, fmt.Errorf("no sample order of flow %s with a total below %.0f in %v", flowKey, financeLimit, files)
	}
	return best, bestFile, bestTotal, nil
}

// orderTotal is data.total if given, else the sum of qty × price over data.items.
func orderTotal(data map[string]any) float64 {
	if t, ok := data["total"].(float64); ok {
		return t
	}
	items, _ := data["items"].([]any)
	sum := 0.0
	for _, it := range items {
		m, _ := it.(map[string]any)
		q, _ := m["qty"].(float64)
		p, _ := m["price"].(float64)
		sum += q * p
	}
	return sum
}

// findOrdersDir looks for schemas/examples/orders in the working directory and its parents.
func findOrdersDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "schemas", "examples", "orders")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("schemas/examples/orders not found from %s (run from the repository or pass --orders-file)", wd)
		}
	}
}

func pathString(path []step, status string) string {
	var b strings.Builder
	b.WriteString("submitted")
	for _, s := range path {
		fmt.Fprintf(&b, " → %s (%s)", s.Node, s.User)
	}
	fmt.Fprintf(&b, " → %s, %d actions", status, len(path))
	return b.String()
}

func printTable(w io.Writer, r *report) {
	fmt.Fprintf(w, "\nSluice bench (SQLite, %d clients, %s each)\n", r.Clients, r.Duration)
	if r.Only != "" {
		printNew(w, r)
		return
	}
	fmt.Fprintf(w, "order %s, total %.0f: %s\n\n", filepath.Base(r.OrdersFile), r.OrderTotal, pathString(r.Path, r.FinalStatus))
	fmt.Fprintf(w, "orders submitted/s   %8.1f   p50 %7.2fms  p99 %7.2fms  errors %d\n",
		r.Orders.PerSecond, r.Orders.P50ms, r.Orders.P99ms, r.Orders.Errors+r.Orders.Conflicts)
	fmt.Fprintf(w, "review actions/s     %8.1f   p50 %7.2fms  p99 %7.2fms  errors %d  conflicts %d  (%.1f transactions per commit)\n",
		r.Actions.PerSecond, r.Actions.P50ms, r.Actions.P99ms, r.Actions.Errors, r.Actions.Conflicts, r.TxPerCommit)
	fmt.Fprintf(w, "raw SQLite commits/s %8.1f   p50 %7.2fms  p99 %7.2fms  (%d writes per tx, same driver + pragmas)\n",
		r.Ceiling.PerSecond, r.Ceiling.P50ms, r.Ceiling.P99ms, r.Ceiling.WritesPerTx)
	fmt.Fprintf(w, "actions / ceiling    %8.2f   target ≥ %.1f (later turns)%s\n", r.Ratio, targetRatio, mark(r.Ratio >= targetRatio))
	fmt.Fprintf(w, "actions/s target     ≥ %.0f (later turns)%s\n", targetActions, mark(r.Actions.PerSecond >= targetActions))
	fmt.Fprintf(w, "flow proof           %8.1f ms  %d states  (the demo %s flow, median of %d, as its publish pays)  target < %.0f ms%s\n",
		r.Proof.Ms, r.Proof.States, r.Proof.Flow, r.Proof.Runs, targetProofMs, mark(r.Proof.Ms > 0 && r.Proof.Ms < targetProofMs))
	if z := r.Authz; z.Checks > 0 {
		fmt.Fprintf(w, "authorization check  p50 %7.2fµs p99 %7.2fµs  at %d grants and %d memberships (%d checks, %.0f%% allowed)  target p99 ≤ %.0f ms%s\n",
			z.P50us, z.P99us, z.Grants, z.Memberships, z.Checks, 100*z.Allowed, targetAuthzP99ms, mark(z.P99us <= 1000*targetAuthzP99ms))
		fmt.Fprintf(w, "  plain Casbin Enforce p50 %7.2fms  p99 %7.2fms  (same policy and requests, %d checks); the version read each write makes p50 %.1fµs p99 %.1fµs; a reload %.0f ms\n",
			z.EnforceP50, z.EnforceP99, z.Enforces, z.VersionP50, z.VersionP99, z.ReloadMs)
	}
	fmt.Fprintf(w, "\n%d orders submitted in %.1fs, %d actions in %.1fs on %d orders in review (%d finished)\n",
		r.Orders.Count, r.Orders.Seconds, r.Actions.Count, r.Actions.Seconds, r.Pool, r.OrdersFinished)
	if l := r.Live; l != nil {
		fmt.Fprintf(w, "\nlive: %d of %d websocket clients on one instance (dialled in %.1fs)\n", l.Connected, l.Sockets, l.DialSeconds)
		fmt.Fprintf(w, "server memory        %8.1f KiB per idle socket (RSS %.0f → %.0f MiB)  target ≤ %.0f KB%s\n",
			l.KiBPerSocket, l.RSSBeforeMiB, l.RSSAfterMiB, targetKiBPerIdle, mark(l.KiBPerSocket > 0 && l.KiBPerSocket*1.024 <= targetKiBPerIdle))
		fmt.Fprintf(w, "commit → every socket p50 %7.2fms  p99 %7.2fms  max %7.2fms  (%d of %d deliveries, %d timed, %d orders)  target p99 ≤ %.0f ms%s\n",
			l.P50ms, l.P99ms, l.MaxMs, l.Deliveries, l.Expected, l.Timed, l.Orders, targetLiveP99ms,
			mark(l.Deliveries > 0 && l.Deliveries == l.Expected && l.Timed > 0 && l.P99ms <= targetLiveP99ms))
		fmt.Fprintf(w, "tx start → socket    p50 %7.2fms  p99 %7.2fms  max %7.2fms  (adds the transaction and its commit)\n",
			l.TxP50ms, l.TxP99ms, l.TxMaxMs)
		if f := l.Floor; f != nil && f.FanOutMs > 0 {
			fmt.Fprintf(w, "raw fan-out floor    p50 %7.2fms  p99 %7.2fms  whole %6.2fms  (%d B to each of %d loopback sockets from %d goroutines, no server: %.1f µs per write; %s)  p99 / floor p99 %.2f\n",
				f.P50ms, f.P99ms, f.FanOutMs, f.Bytes, l.Connected, runtime.GOMAXPROCS(0), f.UsPerWrite, f.scope(l.Connected), l.P99ms/f.P99ms)
		}
		if l.CPUPerDeliveryUs > 0 {
			fmt.Fprintf(w, "server CPU           %8.1f µs per delivery (%.2f of the machine's cores busy in the server while it walked)\n", l.CPUPerDeliveryUs, l.ServerCores)
		}
		if l.Error != "" {
			fmt.Fprintf(w, "live phase error: %s\n", l.Error)
		}
	}
	printNew(w, r)
	printPostgres(w, r)
	if r.PoolExhausted {
		fmt.Fprintf(w, "note: phase B ran out of orders in review after %.1fs; raise --pool\n", r.Actions.Seconds)
	}
	if r.Orders.FirstError != "" {
		fmt.Fprintf(w, "first orders error:  %s\n", r.Orders.FirstError)
	}
	if r.Actions.FirstError != "" {
		fmt.Fprintf(w, "first actions error: %s\n", r.Actions.FirstError)
	}
}

func mark(ok bool) string {
	if ok {
		return "  ✓ met"
	}
	return "  · not yet"
}

// printNew prints the lifecycle and lists phases, each beside the commit ceiling of the
// same run.
func printNew(w io.Writer, r *report) {
	c := r.Ceiling
	if l := r.Lifecycle; l != nil {
		fmt.Fprintf(w, "\ntwo-approval lifecycle (%d clients, %s each; %s)\n", r.Clients, r.Duration, l.Path)
		fmt.Fprintf(w, "Sluice lifecycles/s       %8.1f   p50 %7.2fms  p99 %7.2fms  errors %d  (submit + 2 approvals over HTTP, each a commit)\n",
			l.Sluice.PerSecond, l.Sluice.P50ms, l.Sluice.P99ms, l.Sluice.Errors+l.Sluice.Conflicts)
		fmt.Fprintf(w, "go-workflows lifecycles/s %8.1f   p50 %7.2fms  p99 %7.2fms  errors %d  (v1.2.0, SQLite, in-process worker, 2 signals)\n",
			l.Peer.PerSecond, l.Peer.P50ms, l.Peer.P99ms, l.Peer.Errors)
		fmt.Fprintf(w, "Sluice / go-workflows     %8.2f   (raw SQLite commits/s %.0f: Sluice %.2f commits' worth per lifecycle)\n",
			l.Ratio, c.PerSecond, safeDiv(c.PerSecond, l.Sluice.PerSecond))
		if l.Sluice.FirstError != "" {
			fmt.Fprintf(w, "first Sluice lifecycle error: %s\n", l.Sluice.FirstError)
		}
		if l.Peer.FirstError != "" {
			fmt.Fprintf(w, "first go-workflows error: %s\n", l.Peer.FirstError)
		}
	}
	if l := r.Lists; l != nil {
		fmt.Fprintf(w, "\nlists at %d orders, %d open (seeded by bulk inserts: %d rows in %.1fs); department %s: %d open, user %s: %d open tasks; thin column: %d cards\n",
			l.Orders, l.Open, l.Rows, l.SeedSeconds, l.Department, l.DeptOpen, l.User, l.UserOpen, l.ThinCards)
		for _, p := range l.Pages {
			fmt.Fprintf(w, "%-10s first page  p50 %7.2fms  p99 %7.2fms  max %7.2fms  (%d items, %d reads one after another)  target p99 ≤ %.0f ms%s\n",
				p.Name, p.P50ms, p.P99ms, p.MaxMs, p.Items, p.Reads, targetListP99ms, mark(p.P99ms > 0 && p.P99ms <= targetListP99ms))
		}
	}
	if r.Only != "" { // the full table has the ceiling's line already
		fmt.Fprintf(w, "\nraw SQLite commits/s %8.1f   p50 %7.2fms  p99 %7.2fms  (the ceiling, same run)\n", c.PerSecond, c.P50ms, c.P99ms)
	}
}

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
