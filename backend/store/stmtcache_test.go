package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"modernc.org/sqlite"
)

// openCaching opens a SQLite database whose one connection keeps size statements.
func openCaching(t *testing.T, size int) *sql.DB {
	t.Helper()
	base, err := sqlite.NewConnector(sqliteDSN(filepath.Join(t.TempDir(), "c.db"), true))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(cachingConnector{base: base, size: size})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 20; i++ {
		if _, err := db.Exec(`INSERT INTO t (id, v) VALUES (?, ?)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// cacheOf reads the statement cache of db's connection.
func cacheOf(t *testing.T, db *sql.DB) (prepares, held int) {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Raw(func(dc any) error {
		cc := dc.(*cachingConn)
		prepares, held = cc.prepares, len(cc.stmts)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return prepares, held
}

func TestStatementsArePreparedOnce(t *testing.T) {
	db := openCaching(t, 16)
	before, _ := cacheOf(t, db)
	for i := 1; i <= 20; i++ {
		var v string
		if err := db.QueryRow(`SELECT v FROM t WHERE id = ?`, i).Scan(&v); err != nil || v != fmt.Sprint("v", i) {
			t.Fatalf("row %d: %q %v", i, v, err)
		}
		if _, err := db.Exec(`UPDATE t SET v = v WHERE id = ?`, i); err != nil {
			t.Fatal(err)
		}
	}
	if after, _ := cacheOf(t, db); after-before != 2 {
		t.Fatalf("40 runs of 2 statements prepared %d statements, want 2", after-before)
	}
	// a bad statement is an error and is not kept
	if _, err := db.Exec(`UPDATE nowhere SET v = 1`); err == nil {
		t.Fatal("no error for a missing table")
	}
}

// A statement run again while the rows of its earlier run are open (a loop over one
// query's rows that runs it again) gets a statement of its own; both read right.
func TestStatementRunWhileItsRowsAreOpen(t *testing.T) {
	db := openCaching(t, 16)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = `SELECT id, v FROM t WHERE id <= ? ORDER BY id`
	rows, err := tx.Query(q, 5)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var id int
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		n++
		if id != n || v != fmt.Sprint("v", n) {
			t.Fatalf("outer row %d: %d %q", n, id, v)
		}
		inner, err := tx.Query(q, id)
		if err != nil {
			t.Fatal(err)
		}
		m := 0
		for inner.Next() {
			m++
		}
		inner.Close()
		if m != id {
			t.Fatalf("inner run for %d read %d rows", id, m)
		}
	}
	if err := rows.Err(); err != nil || n != 5 {
		t.Fatalf("outer read %d rows, %v", n, err)
	}
	rows.Close()
	// closed, the cached statement serves the next run again
	var c int
	if err := tx.QueryRow(`SELECT count(*) FROM t WHERE id <= ?`, 7).Scan(&c); err != nil || c != 7 {
		t.Fatalf("count %d %v", c, err)
	}
}

// Beyond its size the cache finalizes the least recently used statements, and every
// statement still answers right.
func TestStatementCacheEvicts(t *testing.T) {
	db := openCaching(t, 4)
	for round := 0; round < 2; round++ {
		for i := 1; i <= 10; i++ {
			var v string
			q := fmt.Sprintf(`SELECT v FROM t WHERE id = ? AND %d = %d`, i, i) // ten different statements
			if err := db.QueryRow(q, i).Scan(&v); err != nil || v != fmt.Sprint("v", i) {
				t.Fatalf("round %d, statement %d: %q %v", round, i, v, err)
			}
		}
	}
	if _, held := cacheOf(t, db); held > 4 {
		t.Fatalf("the cache holds %d statements, at most 4 wanted", held)
	}
}
