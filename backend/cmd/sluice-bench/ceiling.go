package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	_ "modernc.org/sqlite"
)

// writesPerTx is the size of one ceiling transaction: a few small writes, like one
// review action's rows (task, order, history, event), without any of the work around them.
const writesPerTx = 4

type ceilingResult struct {
	Commits     int     `json:"commits"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"per_second"`
	WritesPerTx int     `json:"writes_per_tx"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
}

// ceilingDSN is exactly the server's writer DSN (backend/store: same driver and pragmas).
func ceilingDSN(path string) string {
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
		"&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_txlock=immediate"
}

// measureCeiling commits transactions of writesPerTx small writes, one after another on
// one connection (as the server's single writer does), for d.
func measureCeiling(ctx context.Context, path string, d time.Duration) (ceilingResult, error) {
	db, err := sql.Open("sqlite", ceilingDSN(path))
	if err != nil {
		return ceilingResult{}, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	for _, q := range []string{
		`CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, updated_at TEXT NOT NULL)`,
		`CREATE TABLE rows (id INTEGER PRIMARY KEY AUTOINCREMENT, counter_id INTEGER NOT NULL REFERENCES counters(id),
			kind TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)`,
		`CREATE INDEX rows_counter ON rows(counter_id)`,
		`INSERT INTO counters (id, n, updated_at) VALUES (1, 0, ''), (2, 0, ''), (3, 0, ''), (4, 0, '')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return ceilingResult{}, fmt.Errorf("ceiling setup: %w", err)
		}
	}
	// prepared once, as the server's connections keep their statements (backend/store)
	update, err := db.PrepareContext(ctx, `UPDATE counters SET n = n + 1, updated_at = ? WHERE id = ?`)
	if err != nil {
		return ceilingResult{}, err
	}
	insert, err := db.PrepareContext(ctx, `INSERT INTO rows (counter_id, kind, body, created_at) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return ceilingResult{}, err
	}
	var rec recorder
	body := `{"action":"approve","node":"sales_review","user":"manager"}`
	start := time.Now()
	deadline := start.Add(d)
	for i := 0; time.Now().Before(deadline); i++ {
		if ctx.Err() != nil {
			return ceilingResult{}, errInterrupted
		}
		t0 := time.Now()
		now := t0.UTC().Format(time.RFC3339Nano)
		cid := i%4 + 1
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return ceilingResult{}, fmt.Errorf("ceiling begin: %w", err)
		}
		_, err = tx.StmtContext(ctx, update).ExecContext(ctx, now, cid)
		ins := tx.StmtContext(ctx, insert)
		for w := 1; w < writesPerTx && err == nil; w++ {
			_, err = ins.ExecContext(ctx, cid, "w"+fmt.Sprint(w), body, now)
		}
		if err != nil {
			tx.Rollback()
			return ceilingResult{}, fmt.Errorf("ceiling write: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return ceilingResult{}, fmt.Errorf("ceiling commit: %w", err)
		}
		rec.success(time.Since(t0))
	}
	p := merge("ceiling", time.Since(start), []*recorder{&rec})
	return ceilingResult{Commits: p.Count, Seconds: p.Seconds, PerSecond: p.PerSecond,
		WritesPerTx: writesPerTx, P50ms: p.P50ms, P99ms: p.P99ms}, nil
}
