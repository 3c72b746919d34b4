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
	"net/http"
	"os"
	"strings"
	"time"

	"sluice/backend/app"
	"sluice/backend/checkpoint"
	"sluice/backend/config"
	"sluice/backend/definitions"
	"sluice/backend/store"
	_ "sluice/plugins/all" // built-in automatic node types
)

const usage = `sluice — order review (訂單審核)

usage:
  sluice serve    [--addr 127.0.0.1:8080] [--db URL] [--demo] [--config FILE] [--log-level L] [--log-format text|json]
  sluice migrate  [--db URL]            # apply pending migrations (under a lock; refuses a newer database)
  sluice seed     [--db URL]            # the demo set (same as serve --demo, then exit)
  sluice validate FILE...               # definitions; exit 1 with pointer-addressed errors
  sluice simulate --flow FILE --orders FILE [--decisions FILE] [--department D] [--reminder FILE] [--at TIME]
                                        # dry-run sample orders; approvers from the demo directory
  sluice audit verify [--db URL] [--checkpoints DIR|FILE]
                                        # exit 1 if the chain is broken, a checkpoint is not in it,
                                        # or a decided task or event has no entry (docs/audit.md)
  sluice backup   --to FILE [--db URL]  # consistent online backup of the SQLite database (safe while serving)
  sluice restore  --from FILE [--db URL]
                                        # a backup into a new, empty SQLite database, then migrate and verify
  sluice export   --to DIR [--db URL]   # the published definitions as DIR/<kind>s/<key>.json
  sluice import   [--db URL] [--as USER] PATH...
                                        # definition files or directories: validate all, then publish what changed
  sluice config print [flags]           # the effective configuration and where each value came from, secrets masked
  sluice healthcheck [--url URL]        # exit 0 when URL (default http://127.0.0.1:8080/readyz) answers 200; for container health checks

Every command that opens the database takes --db and --config FILE (YAML or TOML); settings come
from flags, then SLUICE_* environment variables, then the file, then the defaults. Run
"sluice config print" to see them all; docs/configuration.md lists every key.
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
			return errors.New("usage: sluice audit verify [--db URL] [--checkpoints DIR|FILE]")
		}
		return auditVerify(ctx, rest[1:], stdout)
	case "backup":
		return backup(ctx, rest, stdout)
	case "restore":
		return restore(ctx, rest, stdout)
	case "export":
		return export(ctx, rest, stdout)
	case "import":
		return importDefs(ctx, rest, stdout, stderr)
	case "config":
		if len(rest) == 0 || rest[0] != "print" {
			return errors.New("usage: sluice config print [flags]")
		}
		return configPrint(rest[1:], stdout)
	case "healthcheck":
		return healthcheck(ctx, rest, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return exitError(2)
}

// loadConfig parses a command's flags (the settings named by keys, plus --config) and
// builds the configuration from them, the environment and the file.
func loadConfig(name string, args []string, keys []string, extra func(fs *flag.FlagSet)) (*config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	f := config.Register(fs, keys...)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	cfg, err := config.Load(f, os.Environ())
	if err != nil {
		return nil, nil, err
	}
	return cfg, fs, nil
}

// newLogger builds the structured logger the configuration asks for.
func newLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	opt := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opt))
	}
	return slog.New(slog.NewTextHandler(w, opt))
}

// openMigrated opens the database and applies pending migrations, then runs setup (if
// any) under the same lock: instances starting together on an empty database migrate
// and set up once, the others wait for it and find everything there.
func openMigrated(ctx context.Context, url string, setup func(context.Context, *store.Store) error) (*store.Store, error) {
	s, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if setup == nil {
		err = s.Migrate(ctx)
	} else {
		err = s.MigrateThen(ctx, func(ctx context.Context) error { return setup(ctx, s) })
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// openChecked opens the database for a command that does not migrate it: the schema
// must be exactly this binary's.
func openChecked(ctx context.Context, url string) (*store.Store, error) {
	s, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := s.CheckVersion(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, _, err := loadConfig("migrate", args, []string{"db"}, nil)
	if err != nil {
		return err
	}
	s, err := openMigrated(ctx, cfg.DB, nil)
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
	cfg, _, err := loadConfig("seed", args, []string{"db"}, nil)
	if err != nil {
		return err
	}
	_, done, err := openService(ctx, cfg.DB, cfg.AdminPassword.Value(), io.Discard,
		func(ctx context.Context, svc *app.Service) error { return svc.SeedDemo(ctx) })
	if err != nil {
		return err
	}
	defer done()
	fmt.Fprintln(stdout, "demo seed ready")
	return nil
}

// auditVerify walks the chain, checks it against the checkpoints written outside the
// database (--checkpoints, else audit.checkpoints) and cross-checks decided tasks and
// decision events against it. It reports every check and exits 1 if any failed.
func auditVerify(ctx context.Context, args []string, stdout io.Writer) error {
	var cps string
	cfg, _, err := loadConfig("audit verify", args, []string{"db"}, func(fs *flag.FlagSet) {
		fs.StringVar(&cps, "checkpoints", "", "checkpoint file or directory to check the chain against (default audit.checkpoints; needs audit.checkpoint_key)")
	})
	if err != nil {
		return err
	}
	if cps == "" {
		cps = cfg.Audit.Checkpoints
	}
	if cps != "" && !cfg.Audit.CheckpointKey.IsSet() {
		return errors.New("checking checkpoints needs their key: set SLUICE_AUDIT_CHECKPOINT_KEY or SLUICE_AUDIT_CHECKPOINT_KEY_FILE")
	}
	s, err := openChecked(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer s.Close()
	failed := false
	bad, reason, n, err := s.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	switch {
	case reason != "" && bad != nil:
		fmt.Fprintf(stdout, "audit chain BROKEN at entry %d (%s %s at %s): %s\n", bad.Seq, bad.Actor, bad.Action, bad.At.Format(time.RFC3339), reason)
		failed = true
	case reason != "":
		fmt.Fprintf(stdout, "audit chain BROKEN: %s\n", reason)
		failed = true
	default:
		fmt.Fprintf(stdout, "audit chain intact: %d entries\n", n)
	}
	if cps != "" {
		end, _, err := s.AnchorHead(ctx)
		if err != nil {
			return err
		}
		res, err := checkpoint.Verify(ctx, cps, []byte(cfg.Audit.CheckpointKey.Value()), end, s.AuditHashes)
		if err != nil {
			return fmt.Errorf("checkpoints: %w", err)
		}
		if res.Problem != "" {
			fmt.Fprintf(stdout, "audit checkpoints FAILED: %s\n", res.Problem)
			failed = true
		} else {
			fmt.Fprintf(stdout, "audit checkpoints verified: %d, each signed and in the chain\n", res.Checked)
		}
	}
	problem, decided, err := s.CheckDecisions(ctx)
	if err != nil {
		return err
	}
	if problem != "" {
		fmt.Fprintf(stdout, "audit cross-check FAILED: %s\n", problem)
		failed = true
	} else {
		fmt.Fprintf(stdout, "audit cross-check passed: %d decided tasks and the decision events all have their entries\n", decided)
	}
	if failed {
		return exitError(1)
	}
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
	set.Prove = true // as publishing does
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
	printProofs(stdout, set, files)
	if len(probs) > 0 {
		fmt.Fprintf(stdout, "%d problem(s) in %d file(s)\n", len(probs), len(files))
		return exitError(1)
	}
	fmt.Fprintf(stdout, "%d file(s) valid\n", len(files))
	return nil
}

// openService opens and migrates the database, makes sure user admin exists (a
// generated password is reported to warn) and runs then (if any), all under the
// migration lock.
func openService(ctx context.Context, db, adminPassword string, warn io.Writer, then func(context.Context, *app.Service) error) (*app.Service, func(), error) {
	var svc *app.Service
	s, err := openMigrated(ctx, db, func(ctx context.Context, s *store.Store) error {
		var err error
		if svc, err = app.New(ctx, s, slog.New(slog.DiscardHandler)); err != nil {
			return err
		}
		created, pw, err := svc.EnsureAdmin(ctx, adminPassword)
		if err != nil {
			return err
		}
		if created && pw != "" {
			fmt.Fprintf(warn, "created user admin with the random password %s (set SLUICE_ADMIN_PASSWORD to choose one)\n", pw)
		}
		if then != nil {
			return then(ctx, svc)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return svc, func() { s.Close() }, nil
}

// healthcheck asks a URL (the server's /readyz) and fails unless it answers 200 within
// three seconds. Container images without a shell or curl use it as their health check.
func healthcheck(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	url := fs.String("url", "http://127.0.0.1:8080/readyz", "URL that must answer 200")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "unhealthy:", err)
		return exitError(1)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "unhealthy:", res.Status)
		return exitError(1)
	}
	return nil
}

// printProofs prints the counterexample of each flow the flow checker refused: the
// decisions from the start that reach the bad state, one step a line.
func printProofs(w io.Writer, set *definitions.Set, files []string) {
	for _, f := range files {
		fd := set.Proof(f)
		if fd == nil || len(fd.Counterexample) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s: counterexample (%s), the decisions from the start:\n", f, definitions.ProofCode(fd))
		for i, st := range fd.Counterexample {
			what := st.Action
			if st.Node != "" {
				what += " " + st.Node
			}
			if st.Target != "" {
				what += " → " + st.Target
			}
			if st.Outcome != "" {
				what += " (" + st.Outcome + ")"
			}
			for _, ch := range st.Choices {
				what += fmt.Sprintf(" [%s %s=%s]", ch.Node, ch.Edge, ch.Value)
			}
			reached := strings.Join(st.Nodes, ", ")
			if reached == "" {
				reached = "nothing (the bad state)"
			}
			fmt.Fprintf(w, "  %d. %s: reaches %s\n", i+1, what, reached)
		}
	}
}
