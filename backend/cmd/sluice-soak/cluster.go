package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	_ "github.com/jackc/pgx/v5/stdlib"

	"sluice/backend/cmd/internal/serverproc"
)

const adminPassword = "soak-admin-pw-123"

// instance is one `sluice serve` of the scenario; a killed instance restarts on the
// same address, so the clients' list of addresses never changes.
type instance struct {
	name string
	addr string
	base string
	opts serverproc.Options

	mu   sync.Mutex
	srv  *serverproc.Server
	up   atomic.Bool
	kill int
}

// cluster is the scenario's instances over one database.
type cluster struct {
	db      string // --db URL the instances use
	appName string // PostgreSQL application_name of the instances' connections
	inst    []*instance
	rr      atomic.Uint64
}

// prepareDB returns the database URL of a scenario (a fresh SQLite file in dir, or a
// fresh schema on the PostgreSQL server) and a cleanup.
func prepareDB(ctx context.Context, cfg config, sc scenario, dir string) (url, appName string, cleanup func(), err error) {
	if sc.DB == "sqlite" {
		return "sqlite://" + filepath.Join(dir, "soak.db"), "", func() {}, nil
	}
	admin, err := sql.Open("pgx", cfg.pgURL)
	if err != nil {
		return "", "", nil, err
	}
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		return "", "", nil, fmt.Errorf("PostgreSQL at %s: %w", cfg.pgURL, err)
	}
	var b [5]byte
	_, _ = rand.Read(b[:])
	schema := "soak_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", "", nil, err
	}
	sep := "?"
	if strings.Contains(cfg.pgURL, "?") {
		sep = "&"
	}
	appName = "sluice-" + schema
	url = cfg.pgURL + sep + "search_path=" + schema
	cleanup = func() {
		if !cfg.keep {
			_, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		}
		admin.Close()
	}
	return url, appName, cleanup, nil
}

func newCluster(cfg config, sc scenario, dbURL, appName, dir string) (*cluster, error) {
	c := &cluster{db: dbURL, appName: appName}
	instURL := dbURL
	if appName != "" {
		instURL += "&application_name=" + appName
	}
	for i := range sc.Instances {
		addr, err := serverproc.FreeAddr()
		if err != nil {
			return nil, err
		}
		name := string(rune('A' + i))
		c.inst = append(c.inst, &instance{name: name, addr: addr, base: "http://" + addr, opts: serverproc.Options{
			Bin: cfg.bin, DB: instURL, Demo: true, LogPath: filepath.Join(dir, "server-"+name+".log"),
			Env: []string{"SLUICE_ADMIN_PASSWORD=" + adminPassword, "SLUICE_LOG_LEVEL=warn",
				// timers and the outbox pass often, so work claimed by a killed instance moves on
				"SLUICE_REMIND_EVERY=500ms", "SLUICE_REMIND_LEASE=5s"},
		}})
	}
	return c, nil
}

// start brings every instance up: the first alone (it migrates and seeds), then the
// others — or all at once with --start-together.
func (c *cluster) start(ctx context.Context, together bool) error {
	if together {
		errs := make([]error, len(c.inst))
		var wg sync.WaitGroup
		for i, in := range c.inst {
			wg.Go(func() { errs[i] = in.start(ctx) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		return nil
	}
	for _, in := range c.inst {
		if err := in.start(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (in *instance) start(ctx context.Context) error {
	s, err := serverproc.StartAt(ctx, in.opts, in.addr)
	if err != nil {
		return fmt.Errorf("instance %s: %w", in.name, err)
	}
	in.mu.Lock()
	in.srv = s
	in.mu.Unlock()
	in.up.Store(true)
	return nil
}

// sigkill kills the instance with no goodbye.
func (in *instance) sigkill() {
	in.mu.Lock()
	s := in.srv
	in.srv = nil
	in.mu.Unlock()
	in.up.Store(false)
	if s != nil {
		s.Kill()
		in.kill++
	}
}

func (c *cluster) stop() {
	var wg sync.WaitGroup
	for _, in := range c.inst {
		wg.Go(func() {
			in.mu.Lock()
			s := in.srv
			in.srv = nil
			in.mu.Unlock()
			in.up.Store(false)
			s.Stop()
		})
	}
	wg.Wait()
}

// next is the base URL of the next instance in turn that is believed up (any, if none
// is: the request then fails and is retried).
func (c *cluster) next() *instance {
	n := uint64(len(c.inst))
	start := c.rr.Add(1)
	for k := range n {
		in := c.inst[(start+k)%n]
		if in.up.Load() {
			return in
		}
	}
	return c.inst[start%n]
}

// dropConnections terminates every PostgreSQL backend of the instances (not the
// soak's own), as a failover or a network cut would.
func (c *cluster) dropConnections(ctx context.Context, admin *sql.DB) (int, error) {
	var n int
	err := admin.QueryRowContext(ctx,
		`SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()) t`,
		c.appName).Scan(&n)
	return n, err
}

// waitAllUp restarts any instance that is down and waits until all answer /readyz.
func (c *cluster) waitAllUp(ctx context.Context) error {
	for _, in := range c.inst {
		if !in.up.Load() {
			if err := in.start(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *cluster) kills() int {
	n := 0
	for _, in := range c.inst {
		n += in.kill
	}
	return n
}
