package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/event"
)

// AnchorAction is the action of the entries of the global chain "" that anchor the
// other chains' heads.
const AnchorAction = "audit.anchor"

// anchorBatch caps the heads one anchor entry lists (more make several entries).
const anchorBatch = 1000

// Anchor appends to the global chain "" one entry per batch of chains whose head moved
// since it was last anchored, listing each head (chain, seq, hash). It runs beside the
// writers: it locks chain "" (anchors only queue behind each other) and reads the heads
// as committed. It returns the number of heads anchored.
func (s *Store) Anchor(ctx context.Context) (int, error) {
	total := 0
	for {
		n := 0
		err := s.Tx(ctx, func(tx *ent.Tx) error {
			n = 0
			j, err := Begin(ctx, tx, "")
			if err != nil {
				return err
			}
			if _, err := j.lock(ctx, ""); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, j.sql(`SELECT c.chain, c.seq, c.hash FROM audit_chains c LEFT JOIN audit_anchored a ON a.chain = c.chain `+
				`WHERE c.chain <> '' AND c.seq > 0 AND (a.seq IS NULL OR a.seq <> c.seq) ORDER BY c.chain LIMIT $1`), anchorBatch)
			if err != nil {
				return fmt.Errorf("anchor: heads: %w", err)
			}
			var heads []any
			var chains []string
			var seqs []int64
			for rows.Next() {
				var c, h string
				var seq int64
				if err := rows.Scan(&c, &seq, &h); err != nil {
					rows.Close()
					return fmt.Errorf("anchor: heads: %w", err)
				}
				heads = append(heads, map[string]any{"chain": c, "seq": seq, "hash": h})
				chains, seqs = append(chains, c), append(seqs, seq)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("anchor: heads: %w", err)
			}
			if len(heads) == 0 {
				return nil
			}
			if err := j.audit(ctx, "", Audit{Actor: "system", Action: AnchorAction, Detail: map[string]any{"heads": heads}}); err != nil {
				return err
			}
			for i, c := range chains {
				if _, err := tx.ExecContext(ctx, j.sql(`INSERT INTO audit_anchored (chain, seq) VALUES ($1, $2) `+
					`ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq`), c, seqs[i]); err != nil {
					return fmt.Errorf("anchor: %w", err)
				}
			}
			n = len(heads)
			return j.Close(ctx)
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < anchorBatch {
			return total, nil
		}
	}
}

// AnchorHead is the last entry of the global chain "" (seq 0 when it is empty): what a
// checkpoint records.
func (s *Store) AnchorHead(ctx context.Context) (seq int64, hash string, err error) {
	e, err := s.Read.AuditEntry.Query().Where(auditentry.Chain("")).Order(ent.Desc(auditentry.FieldChainSeq)).
		Select(auditentry.FieldSeq, auditentry.FieldHash).First(ctx)
	if ent.IsNotFound(err) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", err
	}
	return e.Seq, e.Hash, nil
}

type chainPos struct {
	chain string
	seq   int64
}

// claim is a head an anchor lists.
type claim struct {
	hash   string
	anchor *ent.AuditEntry
}

// VerifyAudit walks every chain. A non-empty reason means the trail is broken; bad is
// the first entry that does not verify (nil when entries were cut off a chain's end).
// Each chain must be numbered 1, 2, … with each entry holding its predecessor's hash
// and its own, end at the head its audit_chains row records, and hold every head an
// anchor of the global chain lists, with that hash.
func (s *Store) VerifyAudit(ctx context.Context) (bad *ent.AuditEntry, reason string, n int, err error) {
	claims, err := s.anchorClaims(ctx)
	if err != nil {
		return nil, "", 0, err
	}
	heads, err := s.chainHeads(ctx)
	if err != nil {
		return nil, "", 0, err
	}
	var (
		chain, prev string
		last        int64
		started     bool
	)
	end := func() string {
		h := heads[chain]
		delete(heads, chain)
		if h.seq != last || h.hash != prev {
			return fmt.Sprintf("chain %q ends at %d but its head says %d (entries were removed)", chain, last, h.seq)
		}
		return ""
	}
	const page = 1000
	for {
		q := s.Read.AuditEntry.Query()
		if started {
			q = q.Where(func(sel *entsql.Selector) {
				sel.Where(entsql.Or(entsql.GT(sel.C(auditentry.FieldChain), chain),
					entsql.And(entsql.EQ(sel.C(auditentry.FieldChain), chain), entsql.GT(sel.C(auditentry.FieldChainSeq), last))))
			})
		}
		rows, err := q.Order(ent.Asc(auditentry.FieldChain), ent.Asc(auditentry.FieldChainSeq)).Limit(page).All(ctx)
		if err != nil {
			return nil, "", n, err
		}
		for _, e := range rows {
			if !started || e.Chain != chain {
				if started {
					if r := end(); r != "" {
						return nil, r, n, nil
					}
				}
				chain, prev, last, started = e.Chain, "", 0, true
			}
			if e.ChainSeq != last+1 {
				return e, fmt.Sprintf("sequence gap in chain %q: expected %d, found %d", chain, last+1, e.ChainSeq), n, nil
			}
			if e.PrevHash != prev {
				return e, fmt.Sprintf("prev_hash does not match the previous entry's hash (chain %q, entry %d)", chain, e.ChainSeq), n, nil
			}
			h, err := AuditHash(e)
			if err != nil {
				return nil, "", n, err
			}
			if h != e.Hash {
				return e, fmt.Sprintf("hash does not match the entry's contents (chain %q, entry %d)", chain, e.ChainSeq), n, nil
			}
			if c, ok := claims[chainPos{chain, e.ChainSeq}]; ok {
				if c.hash != e.Hash {
					return e, fmt.Sprintf("anchor %d lists entry %d of chain %q with another hash (the chain was rewritten)", c.anchor.Seq, e.ChainSeq, chain), n, nil
				}
				delete(claims, chainPos{chain, e.ChainSeq})
			}
			prev, last = e.Hash, e.ChainSeq
			n++
		}
		if len(rows) < page {
			break
		}
	}
	if started {
		if r := end(); r != "" {
			return nil, r, n, nil
		}
	}
	for c, h := range heads {
		if h.seq > 0 {
			return nil, fmt.Sprintf("chain %q has no entries but its head says %d (entries were removed)", c, h.seq), n, nil
		}
	}
	var first *chainPos
	for p, c := range claims {
		if first == nil || c.anchor.Seq < claims[*first].anchor.Seq {
			first = &p
		}
	}
	if first != nil {
		c := claims[*first]
		return nil, fmt.Sprintf("anchor %d lists entry %d of chain %q, which is not in the chain (entries were removed)", c.anchor.Seq, first.seq, first.chain), n, nil
	}
	return nil, "", n, nil
}

// anchorClaims reads the heads every anchor lists.
func (s *Store) anchorClaims(ctx context.Context) (map[chainPos]claim, error) {
	out := map[chainPos]claim{}
	var last int64
	const page = 200
	for {
		rows, err := s.Read.AuditEntry.Query().Where(auditentry.Chain(""), auditentry.Action(AnchorAction), auditentry.ChainSeqGT(last)).
			Order(ent.Asc(auditentry.FieldChainSeq)).Limit(page).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range rows {
			last = a.ChainSeq
			heads, _ := a.Detail["heads"].([]any)
			for _, h := range heads {
				m, _ := h.(map[string]any)
				c, _ := m["chain"].(string)
				seq, _ := m["seq"].(float64)
				hash, _ := m["hash"].(string)
				out[chainPos{c, int64(seq)}] = claim{hash, a} // a later anchor of the same head says the same
			}
		}
		if len(rows) < page {
			return out, nil
		}
	}
}

type headRow struct {
	seq  int64
	hash string
}

func (s *Store) chainHeads(ctx context.Context) (map[string]headRow, error) {
	rows, err := s.ReadDB.QueryContext(ctx, "SELECT chain, seq, hash FROM audit_chains")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]headRow{}
	for rows.Next() {
		var c string
		var h headRow
		if err := rows.Scan(&c, &h.seq, &h.hash); err != nil {
			return nil, err
		}
		out[c] = h
	}
	return out, rows.Err()
}

// finality tracks which event numbers are final: no transaction that could still
// commit holds a number at or below safe. On PostgreSQL numbers are taken before commit
// and transactions commit in any order, so a bound is proved in two steps: note the
// last number handed out (L), then take a fresh transaction id (N) — every transaction
// that took a number up to L had its id before that (the journal makes sure), so its id
// is below N. Once the oldest transaction still running is N or newer, all of those have
// ended and every event up to L that will ever exist is committed and visible. On
// SQLite the single writer numbers in commit order: the last number is final at once.
type finality struct {
	mu           sync.Mutex
	safe         int64
	pendL, pendN int64 // a bound being proved (pendN 0: none)
}

// advance moves safe forward as far as can be proved now; it reports whether a bound
// is still being proved (read again soon).
func (s *Store) advance(ctx context.Context) (pending bool, err error) {
	f := &s.fin
	if f.pendN != 0 {
		done, err := s.passed(ctx, f.pendN)
		if err != nil || !done {
			return true, err
		}
		f.safe, f.pendN = max(f.safe, f.pendL), 0
	}
	_, last, err := s.Heads(ctx)
	if err != nil || last <= f.safe {
		return false, err
	}
	if s.Dialect != dialect.Postgres {
		f.safe = last
		return false, nil
	}
	var n int64
	if err := s.DB.QueryRowContext(ctx, "SELECT pg_current_xact_id()::text::bigint").Scan(&n); err != nil {
		return false, fmt.Errorf("store: event bound: %w", err)
	}
	f.pendL, f.pendN = last, n
	done, err := s.passed(ctx, n)
	if err != nil || !done {
		return true, err
	}
	f.safe, f.pendN = max(f.safe, last), 0
	return false, nil
}

// passed reports whether every transaction of this database with an id below n has
// ended. The snapshot's oldest running transaction answers for the whole server; when
// it does not (another database's long transaction), the backends of this one are
// asked (their 32-bit ids compared modulo 2^32, as PostgreSQL does; every instance
// connects as the same role, or one with pg_read_all_stats, so each sees the others'
// ids).
func (s *Store) passed(ctx context.Context, n int64) (bool, error) {
	var done bool
	err := s.ReadDB.QueryRowContext(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint > $1 OR NOT EXISTS (`+
		`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL `+
		`AND ((($1::bigint & 4294967295) - backend_xid::text::bigint + 4294967296) % 4294967296) BETWEEN 1 AND 2147483647)`, n).Scan(&done)
	if err != nil {
		return false, fmt.Errorf("store: event bound: %w", err)
	}
	return done, nil
}

// FinalEvents returns up to limit events after seq after, in seq order, none past the
// last number proved final (see finality): a reader never skips an event that commits
// late, and never sees one out of order. held reports that newer numbers are still
// being proved (read again soon).
func (s *Store) FinalEvents(ctx context.Context, after int64, limit int) (events []*ent.Event, held bool, err error) {
	s.fin.mu.Lock()
	held, err = s.advance(ctx)
	safe := s.fin.safe
	s.fin.mu.Unlock()
	if err != nil || after >= safe {
		return nil, held, err
	}
	rows, err := s.Read.Event.Query().Where(event.SeqGT(after), event.SeqLTE(safe)).Order(ent.Asc(event.FieldSeq)).Limit(limit).All(ctx)
	return rows, held, err
}

// FinalPosition is the newest event seq up to which every event is final: where a
// reader starting now begins. It waits (briefly, as a rule) for the transactions
// running now to end.
func (s *Store) FinalPosition(ctx context.Context) (int64, error) {
	for {
		s.fin.mu.Lock()
		held, err := s.advance(ctx)
		safe := s.fin.safe
		s.fin.mu.Unlock()
		if err != nil || !held {
			return safe, err
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Heads are the last numbers handed out: the newest audit entry's and event's seq (on
// PostgreSQL, numbers of transactions that rolled back count too).
func (s *Store) Heads(ctx context.Context) (audit, event int64, err error) {
	q := "SELECT audit_seq, event_seq FROM ledgers WHERE id = 1"
	if s.Dialect == dialect.Postgres {
		q = `SELECT (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM sluice_audit_seq), ` +
			`(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM sluice_event_seq)`
	}
	if err := s.ReadDB.QueryRowContext(ctx, q).Scan(&audit, &event); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, 0, nil
		}
		return 0, 0, fmt.Errorf("store: heads: %w", err)
	}
	return audit, event, nil
}
