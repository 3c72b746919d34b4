package main

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver

	"sluice/backend/cmd/internal/serverproc"
)

// pgResult is review actions/s with some instances of `sluice serve` on one fresh
// PostgreSQL database, and what its active backends waited on meanwhile.
type pgResult struct {
	Instances int         `json:"instances"`
	Pool      int         `json:"pool"`
	Actions   phaseResult `json:"actions"`
	Waits     []waitShare `json:"waits"` // share of active-backend samples per wait event
	Error     string      `json:"error,omitempty"`
}

type waitShare struct {
	Event string  `json:"event"` // wait_event_type/wait_event, "CPU" when none
	Share float64 `json:"share"`
}

// measurePostgres runs the actions phase against n instances sharing one new database
// on the server of base (a postgres:// URL), the clients spread over them request by
// request. The database is dropped afterwards.
func measurePostgres(ctx context.Context, cfg config, body []byte, pool, n int, logf func(string, ...any)) (res pgResult) {
	res.Instances = n
	fail := func(err error) pgResult {
		res.Error = err.Error()
		logf("postgres with %d instances: %v", n, err)
		return res
	}
	admin, err := sql.Open("pgx", cfg.pg)
	if err != nil {
		return fail(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("sluice_bench_%d_%d", os.Getpid(), n)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return fail(err)
	}
	defer admin.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	u, err := url.Parse(cfg.pg)
	if err != nil {
		return fail(err)
	}
	u.Path = "/" + name
	dir, err := os.MkdirTemp("", "sluice-bench-pg-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)
	var bases []string
	for i := range n {
		// one at a time: the first migrates and seeds, the others find it done
		s, err := serverproc.Start(ctx, serverproc.Options{Bin: cfg.bin, DB: u.String(), Demo: true,
			Env:     []string{"SLUICE_ADMIN_PASSWORD=" + adminPassword, "SLUICE_LOG_LEVEL=warn", fmt.Sprintf("SLUICE_AUDIT_INSTANCE=bench-%d", i)},
			LogPath: fmt.Sprintf("%s/server-%d.log", dir, i)})
		if err != nil {
			return fail(err)
		}
		defer s.Stop()
		bases = append(bases, s.Base)
	}
	a := newAPI(bases[0], cfg.clients)
	a.bases = bases
	defer a.close()
	clerk, err := a.token(ctx, submitter)
	if err != nil {
		return fail(err)
	}
	for _, user := range []string{"manager", "warehouse", "service"} {
		if _, err := a.token(ctx, user); err != nil {
			logf("warning: %v", err)
		}
	}
	logf("postgres, %d instance(s): pre-creating %d orders", n, pool)
	orders, err := fillPool(ctx, a, clerk, body, pool, cfg.clients)
	if err != nil {
		return fail(err)
	}
	res.Pool = len(orders)
	logf("postgres, %d instance(s): %d clients approve tasks for %s", n, cfg.clients, cfg.duration)
	stop := make(chan struct{})
	var waits map[string]int
	var wg sync.WaitGroup
	wg.Go(func() { waits = sampleWaits(ctx, admin, name, stop) })
	res.Actions, _, _, err = reviewActions(ctx, a, orders, cfg.clients, cfg.duration)
	close(stop)
	wg.Wait()
	if err != nil {
		return fail(err)
	}
	total := 0
	for _, c := range waits {
		total += c
	}
	for ev, c := range waits {
		res.Waits = append(res.Waits, waitShare{ev, float64(c) / float64(max(total, 1))})
	}
	slices.SortFunc(res.Waits, func(x, y waitShare) int { return cmp.Compare(y.Share, x.Share) })
	return res
}

// sampleWaits counts, every 50ms until stop, what the database's active backends wait
// on (other than this sampler).
func sampleWaits(ctx context.Context, db *sql.DB, name string, stop chan struct{}) map[string]int {
	out := map[string]int{}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return out
		case <-ctx.Done():
			return out
		case <-t.C:
		}
		// A lock wait names the statement waiting (its first words): which row is hot.
		rows, err := db.QueryContext(ctx, `SELECT COALESCE(wait_event_type || '/' || wait_event, 'CPU') || `+
			`CASE WHEN wait_event_type = 'Lock' THEN ' (' || left(regexp_replace(query, '\s+', ' ', 'g'), 48) || '…)' ELSE '' END FROM pg_stat_activity `+
			`WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'`, name)
		if err != nil {
			continue
		}
		for rows.Next() {
			var ev string
			if rows.Scan(&ev) == nil && !strings.HasPrefix(ev, "Client/") {
				out[ev]++
			}
		}
		rows.Close()
	}
}

func printPostgres(w interface{ Write([]byte) (int, error) }, r *report) {
	if len(r.Postgres) == 0 {
		return
	}
	fmt.Fprintf(w, "\nPostgreSQL (%d clients spread over the instances, %s)\n", r.Clients, r.Duration)
	var one float64
	for _, p := range r.Postgres {
		if p.Error != "" {
			fmt.Fprintf(w, "%d instance(s): error: %s\n", p.Instances, p.Error)
			continue
		}
		if p.Instances == 1 {
			one = p.Actions.PerSecond
		}
		fmt.Fprintf(w, "review actions/s, %d instance(s) %8.1f   p50 %7.2fms  p99 %7.2fms  errors %d  conflicts %d",
			p.Instances, p.Actions.PerSecond, p.Actions.P50ms, p.Actions.P99ms, p.Actions.Errors, p.Actions.Conflicts)
		if p.Instances > 1 && one > 0 {
			fmt.Fprintf(w, "   %.2f× one instance  target ≥ 2%s", p.Actions.PerSecond/one, mark(p.Actions.PerSecond/one >= 2))
		}
		if p.Instances == 1 && r.Actions.PerSecond > 0 {
			fmt.Fprintf(w, "   %.2f× SQLite  target ≥ 0.8%s", one/r.Actions.PerSecond, mark(one/r.Actions.PerSecond >= 0.8))
		}
		fmt.Fprintln(w)
		var top []string
		for i, ws := range p.Waits {
			if i == 6 {
				break
			}
			top = append(top, fmt.Sprintf("%s %.0f%%", ws.Event, 100*ws.Share))
		}
		fmt.Fprintf(w, "  active backends:\n    %s\n", strings.Join(top, "\n    "))
		if p.Actions.FirstError != "" {
			fmt.Fprintf(w, "  first error: %s\n", p.Actions.FirstError)
		}
	}
}
