package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"sluice/backend/store"
)

// fault is one scheduled disturbance.
type fault struct {
	At   time.Duration
	Kind string        // kill | drop | storm
	Inst int           // kill: which instance
	Down time.Duration // kill: how long it stays down before the restart
}

// schedule draws the scenario's faults from the seed alone, so SOAK_SEED replays them.
func schedule(cfg config, sc scenario, idx int) []fault {
	rng := rand.New(rand.NewPCG(cfg.seed, uint64(idx)<<32))
	var out []fault
	add := func(kind string, every time.Duration, f func(*fault)) {
		if every <= 0 {
			return
		}
		for t := time.Duration(0); ; {
			// uniform in [every/2, 3·every/2): irregular, with a predictable count
			t += every/2 + time.Duration(rng.Int64N(int64(every)))
			if t >= cfg.duration {
				return
			}
			ft := fault{At: t, Kind: kind}
			if f != nil {
				f(&ft)
			}
			out = append(out, ft)
		}
	}
	add("kill", cfg.killEvery, func(f *fault) {
		f.Inst = rng.IntN(sc.Instances)
		f.Down = time.Duration(rng.Int64N(int64(2 * time.Second)))
	})
	if sc.DB == "postgres" {
		add("drop", cfg.pgDropEvery, nil)
	}
	add("storm", cfg.stormEvery, nil)
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}

// runScenario runs one database configuration and checks it.
func runScenario(ctx context.Context, cfg config, idx int, sc scenario) *report {
	rep := &report{Scenario: sc, Seed: cfg.seed}
	t0 := time.Now()
	defer func() { rep.Wall = time.Since(t0) }()
	fmt.Printf("\n== %s: %s of load ==\n", sc, cfg.duration)
	dir, err := os.MkdirTemp("", "sluice-soak-")
	if err != nil {
		rep.fatal(err)
		return rep
	}
	rep.Dir = dir
	if !cfg.keep {
		defer func() {
			if rep.ok() {
				os.RemoveAll(dir)
			}
		}()
	}
	dbURL, appName, cleanup, err := prepareDB(ctx, cfg, sc, dir)
	if err != nil {
		rep.fatal(err)
		return rep
	}
	defer cleanup()
	c, err := newCluster(cfg, sc, dbURL, appName, dir)
	if err != nil {
		rep.fatal(err)
		return rep
	}
	if err := c.start(ctx, cfg.together); err != nil {
		rep.fatal(err)
		c.stop()
		return rep
	}
	defer c.stop()
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		rep.fatal(err)
		return rep
	}
	defer st.Close()
	var admin *sql.DB
	if sc.DB == "postgres" {
		if admin, err = sql.Open("pgx", cfg.pgURL); err != nil {
			rep.fatal(err)
			return rep
		}
		defer admin.Close()
	}

	rec := newRecorder()
	cl := newClient(c, rec, cfg.writers+cfg.sockets)
	// a request in flight when the load stops is retried until it gets its answer (at
	// most two minutes more), so an unknown outcome of the last fault is settled too
	cl.retry = time.Now().Add(cfg.duration + 2*time.Minute)
	l, err := newLoader(ctx, cl, cfg.seed, idx)
	if err != nil {
		rep.fatal(err)
		return rep
	}
	ll := newLiveLoad(cl, cfg.sockets)
	loadCtx, stopLoad := context.WithTimeout(ctx, cfg.duration)
	defer stopLoad()
	liveCtx, stopLive := context.WithCancel(ctx)
	defer stopLive()

	var sockets sync.WaitGroup
	for i, s := range ll.sockets {
		rng := rand.New(rand.NewPCG(cfg.seed, uint64(idx)<<32|uint64(1000+i)))
		sockets.Go(func() { ll.run(liveCtx, rng, s) })
	}
	var workers sync.WaitGroup
	for w := range cfg.writers {
		workers.Go(func() { l.worker(loadCtx, w) })
	}
	stock := &stockWatch{}
	var bg sync.WaitGroup
	bg.Go(func() { stock.watch(loadCtx, st) })
	faults := schedule(cfg, sc, idx)
	fmt.Printf("· faults: %s\n", describe(faults, c))
	bg.Go(func() { rep.Faults = runFaults(loadCtx, c, ll, admin, faults, rep) })

	workers.Wait()
	bg.Wait()
	if ctx.Err() != nil {
		rep.fatal(fmt.Errorf("interrupted"))
		return rep
	}
	fmt.Printf("· load stopped after %s; bringing every instance up and letting the sockets catch up\n", time.Since(t0).Round(time.Second))
	if err := c.waitAllUp(ctx); err != nil {
		rep.fatal(fmt.Errorf("restart after the load: %w", err))
		return rep
	}
	rep.checkSockets(ctx, st, ll)
	stopLive()
	sockets.Wait()

	rep.Requests = rec
	rep.Acks = l.acks
	rep.StockDips = stock.dips
	rep.checkDatabase(ctx, st, l.acks)
	c.stop()
	rep.auditVerify(ctx, cfg.bin, dbURL)
	return rep
}

// runFaults carries out the schedule until ctx ends.
func runFaults(ctx context.Context, c *cluster, ll *liveLoad, admin *sql.DB, fs []fault, rep *report) faultCounts {
	var n faultCounts
	start := time.Now()
	var restarts sync.WaitGroup
	defer restarts.Wait()
	for _, f := range fs {
		sleep(ctx, time.Until(start.Add(f.At)))
		if ctx.Err() != nil {
			return n
		}
		switch f.Kind {
		case "kill":
			in := c.inst[f.Inst]
			if !in.up.Load() {
				continue // still restarting from the last kill
			}
			in.sigkill()
			n.Kills++
			restarts.Go(func() {
				time.Sleep(f.Down)
				if err := in.start(context.Background()); err != nil {
					rep.fatal(fmt.Errorf("restart after a SIGKILL: %w", err))
				}
			})
		case "drop":
			k, err := c.dropConnections(ctx, admin)
			if err != nil && ctx.Err() == nil {
				rep.fatal(fmt.Errorf("pg_terminate_backend: %w", err))
			}
			n.Drops++
			n.Backends += k
		case "storm":
			ll.storm()
			n.Storms++
		}
	}
	return n
}

type faultCounts struct {
	Kills, Drops, Backends, Storms int
}

// describe lists the schedule, so two runs with one seed can be compared.
func describe(fs []fault, c *cluster) string {
	if len(fs) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		at := f.At.Round(100 * time.Millisecond)
		switch f.Kind {
		case "kill":
			fmt.Fprintf(&b, "%s kill %s (down %s)", at, c.inst[f.Inst].name, f.Down.Round(100*time.Millisecond))
		default:
			fmt.Fprintf(&b, "%s %s", at, f.Kind)
		}
	}
	return b.String()
}
