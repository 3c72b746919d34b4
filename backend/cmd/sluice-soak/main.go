// Command sluice-soak is the standing reliability suite: it runs the sluice binary on
// SQLite or PostgreSQL (one instance, or several on one PostgreSQL), drives a mixed
// load of the demo order-review lifecycle through its HTTP API and websockets while it
// SIGKILLs instances, drops their PostgreSQL connections (pg_terminate_backend) and
// makes every websocket reconnect at once, for a set time; then it checks that nothing
// acknowledged was lost, nothing happened twice, no order is stranded, no stock went
// negative, no request answered a 5xx other than 503, and `sluice audit verify` passes.
//
//	go run ./backend/cmd/sluice-soak --bin ./bin/sluice [--scenarios sqlite:1,postgres:1,postgres:3]
//	    [--duration 10m] [--seed N] [--writers 8] [--sockets 12] [--kill-every 20s]
//	    [--pg-drop-every 15s] [--storm-every 10s]
//
// Every flag also reads an environment variable (SOAK_DURATION, SOAK_SEED, …; see
// docs/soak.md). The seed is printed; SOAK_SEED=<seed> replays the same schedule of
// faults and the same choices of every load worker (timing still varies).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	bin         string
	scenarios   []scenario
	duration    time.Duration
	seed        uint64
	writers     int
	sockets     int
	killEvery   time.Duration
	pgDropEvery time.Duration
	stormEvery  time.Duration
	together    bool
	pgURL       string
	keep        bool
}

// scenario is one database with a number of instances.
type scenario struct {
	DB        string // sqlite | postgres
	Instances int
}

func (s scenario) String() string { return fmt.Sprintf("%s:%d", s.DB, s.Instances) }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	var cfg config
	var scen, dur, seed, kill, drop, storm string
	flag.StringVar(&cfg.bin, "bin", envOr("SOAK_BIN", "./bin/sluice"), "the sluice binary (SOAK_BIN)")
	flag.StringVar(&scen, "scenarios", envOr("SOAK_SCENARIOS", "sqlite:1,postgres:1,postgres:3"), "database:instances, comma-separated (SOAK_SCENARIOS)")
	flag.StringVar(&dur, "duration", envOr("SOAK_DURATION", "10m"), "load time of each scenario (SOAK_DURATION)")
	flag.StringVar(&seed, "seed", envOr("SOAK_SEED", ""), "seed of the fault schedule and the load (SOAK_SEED; default: the clock)")
	flag.IntVar(&cfg.writers, "writers", envInt("SOAK_WRITERS", 24), "concurrent load workers, each submitting and walking its own orders (SOAK_WRITERS)")
	flag.IntVar(&cfg.sockets, "sockets", envInt("SOAK_SOCKETS", 12), "websocket clients resuming from their last seq (SOAK_SOCKETS)")
	flag.StringVar(&kill, "kill-every", envOr("SOAK_KILL_EVERY", "20s"), "mean time between SIGKILLs of an instance; 0 = none (SOAK_KILL_EVERY)")
	flag.StringVar(&drop, "pg-drop-every", envOr("SOAK_PG_DROP_EVERY", "15s"), "mean time between pg_terminate_backend of every instance connection; 0 = none (SOAK_PG_DROP_EVERY)")
	flag.StringVar(&storm, "storm-every", envOr("SOAK_STORM_EVERY", "10s"), "mean time between websocket reconnect storms; 0 = none (SOAK_STORM_EVERY)")
	flag.BoolVar(&cfg.together, "start-together", os.Getenv("SOAK_START_TOGETHER") != "0", "start every instance at once on the empty database, each seeding the demo under the migration lock; SOAK_START_TOGETHER=0: the first seeds, then the others start")
	flag.StringVar(&cfg.pgURL, "pg", envOr("SLUICE_TEST_PG", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL server; each scenario gets a fresh schema (SLUICE_TEST_PG)")
	flag.BoolVar(&cfg.keep, "keep", os.Getenv("SOAK_KEEP") == "1", "keep the databases and server logs of the run (SOAK_KEEP=1)")
	flag.Parse()
	var err error
	if cfg.scenarios, err = parseScenarios(scen); err == nil {
		cfg.duration, err = time.ParseDuration(dur)
	}
	for _, p := range []struct {
		s string
		d *time.Duration
	}{{kill, &cfg.killEvery}, {drop, &cfg.pgDropEvery}, {storm, &cfg.stormEvery}} {
		if err == nil {
			*p.d, err = time.ParseDuration(p.s)
		}
	}
	if err == nil {
		if seed == "" {
			cfg.seed = uint64(time.Now().UnixNano())
		} else {
			cfg.seed, err = strconv.ParseUint(seed, 10, 64)
		}
	}
	if err != nil || flag.NArg() > 0 || cfg.writers < 1 || cfg.duration <= 0 {
		fmt.Fprintln(os.Stderr, "sluice-soak:", err)
		flag.Usage()
		os.Exit(2)
	}

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	fmt.Printf("sluice-soak seed %d (SOAK_SEED=%d replays it); %s each of %v; %d writers, %d sockets; kills every ~%s, PostgreSQL drops every ~%s, storms every ~%s; instances start %s\n",
		cfg.seed, cfg.seed, cfg.duration, cfg.scenarios, cfg.writers, cfg.sockets, every(cfg.killEvery), every(cfg.pgDropEvery), every(cfg.stormEvery),
		map[bool]string{true: "together", false: "one after the other"}[cfg.together])
	failed := false
	for i, sc := range cfg.scenarios {
		rep := runScenario(ctx, cfg, i, sc)
		rep.print(os.Stdout)
		if !rep.ok() {
			failed = true
		}
		if ctx.Err() != nil {
			break
		}
	}
	if failed || ctx.Err() != nil {
		fmt.Printf("\nFAIL (SOAK_SEED=%d replays the schedule)\n", cfg.seed)
		os.Exit(1)
	}
	fmt.Println("\nPASS")
}

func envInt(name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sluice-soak: %s=%q is not a number\n", name, v)
			os.Exit(2)
		}
		return n
	}
	return def
}

func parseScenarios(s string) ([]scenario, error) {
	var out []scenario
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		db, n, _ := strings.Cut(part, ":")
		sc := scenario{DB: db, Instances: 1}
		if n != "" {
			k, err := strconv.Atoi(n)
			if err != nil || k < 1 {
				return nil, fmt.Errorf("scenario %q: instances must be a positive number", part)
			}
			sc.Instances = k
		}
		if db != "sqlite" && db != "postgres" {
			return nil, fmt.Errorf("scenario %q: database must be sqlite or postgres", part)
		}
		if db == "sqlite" && sc.Instances > 1 {
			return nil, fmt.Errorf("scenario %q: SQLite is one process per file", part)
		}
		out = append(out, sc)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenarios")
	}
	return out, nil
}

func every(d time.Duration) string {
	if d <= 0 {
		return "(off)"
	}
	return d.String()
}
