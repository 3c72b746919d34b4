package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"sluice/backend/app"
	"sluice/backend/definitions"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/definition"
	"sluice/backend/ent/user"
	"sluice/backend/service"
	"sluice/backend/store"
)

func backup(ctx context.Context, args []string, stdout io.Writer) error {
	var to string
	cfg, _, err := loadConfig("backup", args, []string{"db"}, func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "the backup file to write (must not exist)")
	})
	if err != nil {
		return err
	}
	if to == "" {
		return errors.New("usage: sluice backup --to FILE [--db URL]")
	}
	s, err := openChecked(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer s.Close()
	info, err := s.Backup(ctx, to)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s: %d bytes, schema version %d, %d orders, audit entries up to %d\n",
		info.Path, info.Bytes, info.SchemaVersion, info.Orders, info.AuditSeq)
	return nil
}

func restore(ctx context.Context, args []string, stdout io.Writer) error {
	var from string
	cfg, _, err := loadConfig("restore", args, []string{"db"}, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "the backup file to restore")
	})
	if err != nil {
		return err
	}
	if from == "" {
		return errors.New("usage: sluice restore --from FILE [--db URL]")
	}
	info, err := store.Restore(ctx, from, cfg.DB)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s into %s: schema version %d, %d orders, audit chain intact (%d entries)\n",
		from, store.Redact(cfg.DB), info.SchemaVersion, info.Orders, info.AuditSeq)
	return nil
}

func configPrint(args []string, stdout io.Writer) error {
	cfg, _, err := loadConfig("config print", args, nil, nil)
	if err != nil {
		return err
	}
	return cfg.Print(stdout)
}

// export writes the newest published version of every definition to
// DIR/<kind>s/<key>.json, the layout of schemas/examples and of `sluice import`.
func export(ctx context.Context, args []string, stdout io.Writer) error {
	var to string
	cfg, _, err := loadConfig("export", args, []string{"db"}, func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "directory to write the definitions into")
	})
	if err != nil {
		return err
	}
	if to == "" {
		return errors.New("usage: sluice export --to DIR [--db URL]")
	}
	s, err := openChecked(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer s.Close()
	rows, err := s.Read.Definition.Query().Where(definition.Status("published")).
		Order(ent.Asc(definition.FieldKind), ent.Asc(definition.FieldKey), ent.Asc(definition.FieldVersion)).All(ctx)
	if err != nil {
		return err
	}
	newest := map[string]*ent.Definition{}
	var order []string
	for _, d := range rows {
		k := d.Kind + "/" + d.Key
		if _, seen := newest[k]; !seen {
			order = append(order, k)
		}
		newest[k] = d
	}
	for _, k := range order {
		d := newest[k]
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, d.Body, "", "  "); err != nil {
			return fmt.Errorf("%s %s v%d: %w", d.Kind, d.Key, d.Version, err)
		}
		pretty.WriteByte('\n')
		p := filepath.Join(to, d.Kind+"s", d.Key+".json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, pretty.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %s v%d -> %s\n", d.Kind, d.Key, d.Version, p)
	}
	fmt.Fprintf(stdout, "%d definition(s) exported\n", len(order))
	return nil
}

// importDefs validates definition files together (against each other and what is
// published), and only when all are valid saves and publishes those that differ from
// their newest published version, as a user who may manage definitions.
func importDefs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var as string
	cfg, fs, err := loadConfig("import", args, []string{"db"}, func(fs *flag.FlagSet) {
		fs.StringVar(&as, "as", "admin", "user the import is done (and audited) as; needs definitions.manage")
	})
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("usage: sluice import [--db URL] [--as USER] FILE|DIR...")
	}
	files, err := jsonFiles(fs.Args())
	if err != nil {
		return err
	}
	svc, done, err := openService(ctx, cfg.DB, cfg.AdminPassword.Value(), stderr, nil)
	if err != nil {
		return err
	}
	defer done()
	s := svc.Store
	u, err := s.Read.User.Query().Where(user.Username(as)).Only(ctx)
	if err != nil {
		return fmt.Errorf("--as %s: no such user", as)
	}
	actor := service.Actor{ID: u.ID, Username: u.Username, IsAdmin: u.IsAdmin, RequestID: "import"}

	set := definitions.NewSet()
	set.Fallback = &publishedLookup{ctx: ctx, svc: svc}
	set.Prove = true // refuse before publishing anything, as Publish would
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		set.Add(f, body)
	}
	if probs := set.Check(); len(probs) > 0 {
		for _, p := range probs {
			fmt.Fprintln(stdout, p.String())
		}
		printProofs(stdout, set, files)
		fmt.Fprintf(stdout, "%d problem(s) in %d file(s); nothing was imported\n", len(probs), len(files))
		return exitError(1)
	}
	var pending []*definitions.Doc
	for _, d := range set.Docs() {
		last, err := s.Read.Definition.Query().Where(definition.Kind(d.Kind), definition.Key(d.Key), definition.Status("published")).
			Order(ent.Desc(definition.FieldVersion)).First(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return err
		}
		if last != nil && sameJSON(last.Body, d.Body) {
			fmt.Fprintf(stdout, "%s %s unchanged (v%d)\n", d.Kind, d.Key, last.Version)
			continue
		}
		pending = append(pending, d)
	}
	// Dependency order is roles, forms, flows, reminders; a flow that starts another
	// flow may need a second round.
	published := 0
	for len(pending) > 0 {
		var again []*definitions.Doc
		var lastErr error
		for _, d := range pending {
			v, err := svc.Import(ctx, actor, d.Kind, d.Key, d.Body)
			if err != nil {
				again, lastErr = append(again, d), fmt.Errorf("%s: %w", d.File, err)
				continue
			}
			published++
			fmt.Fprintf(stdout, "%s %s published as v%d\n", d.Kind, d.Key, v)
		}
		if len(again) == len(pending) {
			return fmt.Errorf("import stopped after %d publish(es): %w", published, lastErr)
		}
		pending = again
	}
	fmt.Fprintf(stdout, "%d definition(s) published, %d unchanged\n", published, len(set.Docs())-published)
	return nil
}

// jsonFiles expands directories into the .json files below them.
func jsonFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(f string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() && strings.HasSuffix(f, ".json") {
				out = append(out, f)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

// publishedLookup resolves references of imported files to what is published.
type publishedLookup struct {
	ctx context.Context
	svc *app.Service
}

func (l *publishedLookup) Form(key string) (*definitions.Form, bool) {
	f, err := l.svc.Catalog.Form(l.ctx, key)
	return f, err == nil && f != nil
}

func (l *publishedLookup) Flow(key string) (*engine.Flow, bool) {
	f, err := l.svc.Catalog.Flow(l.ctx, key, 0)
	return f, err == nil && f != nil
}

func (l *publishedLookup) Role(key string) (*definitions.Role, bool) {
	d, err := l.svc.Store.Read.Definition.Query().Where(definition.Kind("role"), definition.Key(key), definition.Status("published")).
		Order(ent.Desc(definition.FieldVersion)).First(l.ctx)
	if err != nil {
		return nil, false
	}
	r, probs := definitions.ParseRole(d.Body)
	return r, len(probs) == 0
}
