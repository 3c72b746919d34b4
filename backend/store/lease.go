package store

import (
	"context"
	"database/sql"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"sluice/backend/ent"
)

// Leased describes a table whose due rows are handed out to claimers by lease: the
// durable timers (backend/remind) and the outbox (backend/outbox) are two. Several
// instances run the same loop against one database; a lease spreads the due rows over
// them so that each row is worked on by one claimer at a time, and a claimer that dies
// loses its rows when its lease runs out (any instance then claims them again).
//
// A row is claimable while Status = Pending, Due <= now and it has no live lease
// (Until is NULL or before now). Claim takes up to N of them, oldest due first, and
// marks them Holder = the claimer, Until = now + lease duration:
//
//   - PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, then one UPDATE, in one transaction,
//     so claimers running side by side take disjoint rows without waiting on each other.
//   - SQLite: the same SELECT without the lock clause (SQLite has none) in a BEGIN
//     IMMEDIATE transaction: the database's one writer lock serialises claimers, so a
//     row claimed by one is no longer claimable to the next.
//
// The Lease that Claim returns is the claim's fencing token: (Holder, Until). Finishing
// or giving back a row must be conditional on Held, so a claimer whose lease ran out
// and whose row someone else claimed meanwhile changes nothing. The pair identifies one
// claim of a row: Holder names one process (host-pid-random) and a row is claimable
// again only once Until < now, so a later claim of it sets a later Until. Until is kept
// to microseconds, PostgreSQL's precision, so the token is exactly what the row shows.
//
// ent cannot express SKIP LOCKED on SQLite, nor one claim over two entity types, so the
// claim is SQL built with ent's dialect-aware builder from the column names here; the
// callers finish rows with their own typed ent updates, filtered by Held.
type Leased struct {
	Table   string // e.g. timer.Table
	ID      string // the integer primary key
	Due     string // the time a row falls due
	Status  string // the status column
	Pending string // the Status value of a row waiting to be worked on
	Holder  string // who holds the lease ("" when none)
	Until   string // when the lease runs out (NULL when none)
}

// Lease is one claim: the rows it took, oldest due first, and its fencing token.
type Lease struct {
	IDs    []int
	Holder string
	Until  time.Time
}

// Claim leases up to limit rows of t that are claimable at now to holder for d. Every
// row goes to at most one claimer per lease; rows a dead claimer held come back once
// their lease has passed.
func (s *Store) Claim(ctx context.Context, t Leased, holder string, now time.Time, d time.Duration, limit int) (Lease, error) {
	now = now.UTC()
	l := Lease{Holder: holder, Until: now.Add(d).Truncate(time.Microsecond)}
	// Most passes find nothing: ask the read pool first, without taking the writer.
	ids, err := s.claimable(ctx, s.ReadDB.QueryContext, t, now, limit, false)
	if err != nil || len(ids) == 0 {
		return l, err
	}
	err = s.Tx(ctx, func(tx *ent.Tx) error {
		ids, err := s.claimable(ctx, tx.QueryContext, t, now, limit, s.Dialect == dialect.Postgres)
		l.IDs = ids
		if err != nil || len(ids) == 0 {
			return err
		}
		q, args := entsql.Dialect(s.Dialect).Update(t.Table).
			Set(t.Holder, holder).Set(t.Until, l.Until).
			Where(entsql.InInts(t.ID, ids...)).Query()
		_, err = tx.ExecContext(ctx, q, args...)
		return err
	})
	if err != nil {
		l.IDs = nil
	}
	return l, err
}

type queryFunc func(ctx context.Context, query string, args ...any) (*sql.Rows, error)

// claimable lists the ids of up to limit rows claimable at now, oldest due first; lock
// takes row locks on them, skipping rows another transaction has locked (PostgreSQL).
func (s *Store) claimable(ctx context.Context, query queryFunc, t Leased, now time.Time, limit int, lock bool) ([]int, error) {
	sel := entsql.Dialect(s.Dialect).Select(t.ID).From(entsql.Table(t.Table)).
		Where(entsql.And(
			entsql.EQ(t.Status, t.Pending),
			entsql.LTE(t.Due, now),
			entsql.Or(entsql.IsNull(t.Until), entsql.LT(t.Until, now)),
		)).
		OrderBy(t.Due, t.ID).Limit(limit)
	if lock {
		sel.ForUpdate(entsql.WithLockAction(entsql.SkipLocked))
	}
	q, args := sel.Query()
	rows, err := query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Held is the condition on row id that its lease is still l's: the row is pending and
// neither finished, released nor claimed again by anyone since. Put it in the update
// that finishes or releases the row (predicate.X(t.Held(l, id))); an update that
// matches no row means the claim was lost and someone else now answers for the row.
func (t Leased) Held(l Lease, id int) func(*entsql.Selector) {
	return func(s *entsql.Selector) {
		s.Where(entsql.And(
			entsql.EQ(s.C(t.ID), id),
			entsql.EQ(s.C(t.Status), t.Pending),
			entsql.EQ(s.C(t.Holder), l.Holder),
			entsql.EQ(s.C(t.Until), l.Until),
		))
	}
}
