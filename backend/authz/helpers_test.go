package authz

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "modernc.org/sqlite"

	"sluice/backend/ent"
	_ "sluice/backend/ent/runtime"
)

// openClient opens a migrated SQLite database in a temporary directory.
// TODO(lead): move onto the shared storage suite that also runs PostgreSQL.
func openClient(t testing.TB) *ent.Client {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "x.db") +
		"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	client := ent.NewClient(ent.Driver(entsql.OpenDB(dialect.SQLite, db)))
	t.Cleanup(func() { _ = client.Close() })
	if err := client.Schema.Create(context.Background()); err != nil {
		t.Fatal(err)
	}
	return client
}

// replace runs Replace in its own committed transaction and reloads.
func replace(t testing.TB, a *Authz, client *ent.Client, rows [][]string) {
	t.Helper()
	ctx := context.Background()
	tx, err := client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Replace(ctx, tx, rows); err != nil {
		_ = tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(ctx); err != nil {
		t.Fatal(err)
	}
}

// stored returns the table's lines as rows, in id order.
func stored(t testing.TB, client *ent.Client) [][]string {
	t.Helper()
	lines, _, err := NewAdapter(client).load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]string, len(lines))
	for i, l := range lines {
		out[i] = l.values()
	}
	return out
}
