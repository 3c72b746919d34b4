// Command gen writes the next versioned migration for each dialect: it applies the
// existing migrations to an empty database, asks ent what the schema still lacks, and
// writes that as a new goose file. Run from the repo root:
//
//	go run ./backend/store/migrations/gen -name add_something -pg postgres://postgres@127.0.0.1:5432/test?sslmode=disable
package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/pressly/goose/v3"

	"sluice/backend/store"
)

func main() {
	name := flag.String("name", "change", "migration name")
	pg := flag.String("pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL server to diff against (a scratch schema is used)")
	flag.Parse()
	ctx := context.Background()

	dir, err := os.MkdirTemp("", "sluice-gen")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	lite, err := store.Open(ctx, "sqlite://"+filepath.Join(dir, "gen.db"))
	if err != nil {
		log.Fatal(err)
	}
	write(ctx, lite, "backend/store/migrations/sqlite", *name)

	admin, err := sql.Open("pgx", *pg)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := admin.Exec(`DROP SCHEMA IF EXISTS sluice_gen CASCADE; CREATE SCHEMA sluice_gen`); err != nil {
		log.Fatal(err)
	}
	defer admin.Exec(`DROP SCHEMA IF EXISTS sluice_gen CASCADE`)
	sep := "?"
	if strings.Contains(*pg, "?") {
		sep = "&"
	}
	pgs, err := store.Open(ctx, *pg+sep+"search_path=sluice_gen")
	if err != nil {
		log.Fatal(err)
	}
	write(ctx, pgs, "backend/store/migrations/postgres", *name)
}

func write(ctx context.Context, s *store.Store, dir, name string) {
	fresh := false
	if err := s.Migrate(ctx); errors.Is(err, goose.ErrNoMigrations) {
		fresh = true
	} else if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.Client.Schema.WriteTo(ctx, &buf); err != nil {
		log.Fatal(err)
	}
	stmts := strings.TrimSpace(strings.ReplaceAll(buf.String(), "BEGIN;\n", ""))
	stmts = strings.TrimSpace(strings.TrimSuffix(stmts, "COMMIT;"))
	if stmts == "" {
		fmt.Println(dir, ": up to date")
		return
	}
	var latest int64
	if !fresh {
		var err error
		if _, latest, err = s.MigrationStatus(ctx); err != nil {
			log.Fatal(err)
		}
	}
	extra := ""
	if fresh {
		extra = "\n-- the single ledger row that serialises audit and event appends\nINSERT INTO ledgers (id, audit_seq, audit_hash, event_seq, order_seq) VALUES (1, 0, '', 0, 0);\n"
	}
	file := filepath.Join(dir, fmt.Sprintf("%05d_%s.sql", latest+1, name))
	body := "-- +goose Up\n" + stmts + "\n" + extra
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", file)
}
