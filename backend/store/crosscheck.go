package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	entsql "entgo.io/ent/dialect/sql"

	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/event"
)

// CheckDecisions cross-checks the records that say something was decided against the
// audit chain: every decided task must have its decision's entry (same task, action and
// actor), and every order.updated event that reports a decision must point at that
// entry. A chain alone cannot show a cut-off tail once its head was moved back with it
// (and no anchor holds the entries cut); the tasks and events left behind can. A non-empty problem names the first
// record without its entry; decided counts the decided tasks checked.
func (s *Store) CheckDecisions(ctx context.Context) (problem string, decided int, err error) {
	// The order_id index keeps the inner lookup to one order's entries.
	const missing = `SELECT t.id, t.order_id, t.decision, t.decided_by FROM tasks t WHERE t.decision <> '' AND NOT EXISTS (` +
		`SELECT 1 FROM audit_entries a WHERE a.order_id = t.order_id AND a.task_id = t.id AND a.action = t.decision AND a.actor = t.decided_by) ` +
		`ORDER BY t.id LIMIT 1`
	var id, order int
	var decision, by string
	err = s.ReadDB.QueryRowContext(ctx, missing).Scan(&id, &order, &decision, &by)
	switch {
	case err == nil:
		return fmt.Sprintf("task %d of order %d is decided (%s by %s) but its audit entry is not in the chain (entries were removed)",
			id, order, decision, by), 0, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", 0, fmt.Errorf("cross-check tasks: %w", err)
	}
	if err := s.ReadDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM tasks WHERE decision <> ''`).Scan(&decided); err != nil {
		return "", 0, fmt.Errorf("cross-check tasks: %w", err)
	}
	problem, err = s.checkDecisionEvents(ctx)
	return problem, decided, err
}

// checkDecisionEvents pages through the order.updated events that name a decision's
// audit entry (audit_seq) and looks each entry up.
func (s *Store) checkDecisionEvents(ctx context.Context) (string, error) {
	const page = 1000
	var last int64
	for {
		evs, err := s.Read.Event.Query().Where(event.SeqGT(last), event.Type("order.updated")).
			Order(ent.Asc(event.FieldSeq)).Limit(page).All(ctx)
		if err != nil {
			return "", fmt.Errorf("cross-check events: %w", err)
		}
		want := map[chainPos]*ent.Event{}
		var refs []chainPos
		for _, e := range evs {
			last = e.Seq
			n, ok := e.Data["audit_seq"].(float64)
			if !ok {
				continue // not a decision (or written before events named their entry)
			}
			// Events written before chains were split name an entry of the one chain
			// there was, now the global chain "" (its entries kept their numbers).
			c, _ := e.Data["audit_chain"].(string)
			p := chainPos{c, int64(n)}
			if _, dup := want[p]; !dup { // the first event that names it
				refs = append(refs, p)
				want[p] = e
			}
		}
		if len(refs) > 0 {
			entries, err := s.Read.AuditEntry.Query().Where(func(sel *entsql.Selector) {
				ps := make([]*entsql.Predicate, len(refs))
				for i, r := range refs {
					ps[i] = entsql.And(entsql.EQ(sel.C(auditentry.FieldChain), r.chain), entsql.EQ(sel.C(auditentry.FieldChainSeq), r.seq))
				}
				sel.Where(entsql.Or(ps...))
			}).All(ctx)
			if err != nil {
				return "", fmt.Errorf("cross-check events: %w", err)
			}
			found := map[chainPos]*ent.AuditEntry{}
			for _, a := range entries {
				found[chainPos{a.Chain, a.ChainSeq}] = a
			}
			for _, r := range refs {
				if p := decisionEventProblem(want[r], found[r]); p != "" {
					return p, nil
				}
			}
		}
		if len(evs) < page {
			return "", nil
		}
	}
}

// decisionEventProblem compares a decision event with the audit entry it names (nil
// when the chain has no such entry).
func decisionEventProblem(e *ent.Event, a *ent.AuditEntry) string {
	task, _ := e.Data["task_id"].(float64)
	action, _ := e.Data["decision"].(string)
	seq := int64(e.Data["audit_seq"].(float64))
	chain, _ := e.Data["audit_chain"].(string)
	if a == nil {
		return fmt.Sprintf("event %d (%s on %s) reports the decision of task %d in audit entry %d of chain %q, which is not in the chain (entries were removed)",
			e.Seq, e.Type, e.Topic, int(task), seq, chain)
	}
	if a.TaskID == nil || *a.TaskID != int(task) || a.Action != action {
		return fmt.Sprintf("event %d (%s on %s) reports %s of task %d in audit entry %d of chain %q, which records %s of another task (the chain was rewritten)",
			e.Seq, e.Type, e.Topic, action, int(task), seq, chain, a.Action)
	}
	return ""
}

// AuditHashes returns the hashes of the audit entries with the given sequence numbers;
// a number the chain does not hold is absent from the answer.
func (s *Store) AuditHashes(ctx context.Context, seqs []int64) (map[int64]string, error) {
	rows, err := s.Read.AuditEntry.Query().Where(auditentry.SeqIn(seqs...)).
		Select(auditentry.FieldSeq, auditentry.FieldHash).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.Seq] = r.Hash
	}
	return out, nil
}
