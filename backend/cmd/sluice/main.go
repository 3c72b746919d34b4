// Command sluice is the one binary: it serves the product, migrates the database,
// validates definitions and checks the audit chain. Run `sluice help` for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only when SLUICE_PPROF_ADDR is set
	"os"
	"os/signal"
	"syscall"
	"time"

	"sluice/backend/api"
	"sluice/backend/definitions"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/frontend"
	_ "sluice/plugins/all" // built-in automatic node types
)

const usage = `sluice — order review (訂單審核)

usage:
  sluice serve    [--addr 127.0.0.1:8080] [--db URL] [--demo]
  sluice migrate  [--db URL]
  sluice seed     [--db URL]            # the demo set (same as serve --demo, then exit)
  sluice validate FILE...               # definitions; exit 1 with pointer-addressed errors
  sluice simulate --flow FILE --orders FILE [--decisions FILE] [--department D]
                                        # dry-run sample orders; approvers from the demo directory
  sluice audit verify [--db URL]        # exit 1 and the first bad entry if the chain is broken

environment: SLUICE_ADDR, SLUICE_DB, SLUICE_ADMIN_PASSWORD, SLUICE_LOG_LEVEL (debug|info|warn|error),
             SLUICE_PPROF_ADDR (serve Go profiles on this separate address, e.g. 127.0.0.1:6060)
--db takes sqlite:///path/to/file.db (default sqlite://./data/sluice.db) or postgres://user@host:port/db?sslmode=disable
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		var ex exitError
		if errors.As(err, &ex) {
			os.Exit(int(ex))
		}
		fmt.Fprintln(os.Stderr, "sluice:", err)
		os.Exit(1)
	}
}

// exitError ends the program with a status after the command has printed its own report.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit %d", int(e)) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError(2)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stderr)
	case "migrate":
		return migrate(ctx, rest, stdout)
	case "seed":
		return seed(ctx, rest, stdout)
	case "validate":
		return validate(rest, stdout)
	case "simulate":
		return simulate(rest, stdout)
	case "audit":
		if len(rest) == 0 || rest[0] != "verify" {
			return errors.New("usage: sluice audit verify [--db URL]")
		}
		return auditVerify(ctx, rest[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return exitError(2)
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", env("SLUICE_DB", store.DefaultURL), "database URL (env SLUICE_DB)")
}

func logger(w io.Writer) *slog.Logger {
	lvl := slog.LevelInfo
	_ = lvl.UnmarshalText([]byte(env("SLUICE_LOG_LEVEL", "info")))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
}

// openMigrated opens the database and applies pending migrations.
func openMigrated(ctx context.Context, url string) (*store.Store, error) {
	s, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", env("SLUICE_ADDR", "127.0.0.1:8080"), "listen address (env SLUICE_ADDR)")
	db := dbFlag(fs)
	demo := fs.Bool("demo", false, "seed the demo definitions, users and products (idempotent)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := logger(stderr)
	s, err := openMigrated(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	svc, err := service.New(ctx, s, log)
	if err != nil {
		return err
	}
	created, pw, err := svc.EnsureAdmin(ctx, os.Getenv("SLUICE_ADMIN_PASSWORD"))
	if err != nil {
		return err
	}
	if created && pw != "" {
		log.Warn("created user admin with a random password; set SLUICE_ADMIN_PASSWORD to choose one", "password", pw)
	}
	if *demo {
		if err := svc.SeedDemo(ctx); err != nil {
			return fmt.Errorf("demo seed: %w", err)
		}
		log.Info("demo seed ready", "users", "clerk manager manager2 finance finance2 warehouse service", "password", service.DemoPassword)
	}
	router, err := api.New(svc, api.Options{App: frontend.App()})
	if err != nil {
		return err
	}
	if pp := os.Getenv("SLUICE_PPROF_ADDR"); pp != "" {
		// Profiling on its own listener (never the public one), for diagnosing load.
		go func() { log.Warn("pprof", "err", http.ListenAndServe(pp, nil)) }()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: router, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("sluice is serving", "url", "http://"+ln.Addr().String(), "db", store.Redact(*db))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shut, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	db := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := openMigrated(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	cur, _, err := s.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database at schema version %d\n", cur)
	return nil
}

func seed(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	db := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := openMigrated(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	svc, err := service.New(ctx, s, logger(io.Discard))
	if err != nil {
		return err
	}
	if _, _, err := svc.EnsureAdmin(ctx, os.Getenv("SLUICE_ADMIN_PASSWORD")); err != nil {
		return err
	}
	if err := svc.SeedDemo(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "demo seed ready")
	return nil
}

func auditVerify(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	db := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	bad, reason, n, err := s.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if reason != "" {
		if bad != nil {
			fmt.Fprintf(stdout, "audit chain BROKEN at entry %d (%s %s at %s): %s\n", bad.Seq, bad.Actor, bad.Action, bad.At.Format(time.RFC3339), reason)
		} else {
			fmt.Fprintf(stdout, "audit chain BROKEN: %s\n", reason)
		}
		return exitError(1)
	}
	fmt.Fprintf(stdout, "audit chain intact: %d entries\n", n)
	return nil
}

// validate checks definition files together (a flow may name a form among them); what
// they refer to outside the files is looked up in the built-in examples.
func validate(files []string, stdout io.Writer) error {
	if len(files) == 0 {
		return errors.New("usage: sluice validate FILE...")
	}
	examples, _ := definitions.Examples()
	set := definitions.NewSet()
	set.Fallback = examples
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		set.Add(f, body)
	}
	probs := set.Check()
	for _, p := range probs {
		fmt.Fprintln(stdout, p.String())
	}
	if len(probs) > 0 {
		fmt.Fprintf(stdout, "%d problem(s) in %d file(s)\n", len(probs), len(files))
		return exitError(1)
	}
	fmt.Fprintf(stdout, "%d file(s) valid\n", len(files))
	return nil
}
