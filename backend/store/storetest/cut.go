package storetest

import (
	"context"
	"strconv"
	"testing"

	"entgo.io/ent/dialect"

	"sluice/backend/ent"
	"sluice/backend/store"
)

// CutAudit is the attack on the audit trail by someone who can write the database: the
// entries numbered after keep are deleted, every chain's head is moved back to its last
// entry kept, what was anchored is made to agree, and the numbering is set back so new
// entries reuse the numbers cut. What anchored the cut entries is cut with them (it
// came later), so the chains verify on their own; checkpoints and the cross-check are
// what still tell.
func CutAudit(t testing.TB, s *store.Store, keep int64) {
	t.Helper()
	ctx := context.Background()
	renumber := "UPDATE ledgers SET audit_seq = ?1 WHERE id = 1"
	if s.Dialect == dialect.Postgres {
		renumber = "SELECT setval('sluice_audit_seq', $1)"
	}
	err := s.Tx(ctx, func(tx *ent.Tx) error {
		for _, q := range []string{
			"DELETE FROM audit_entries WHERE seq > " + strconv.FormatInt(keep, 10),
			"UPDATE audit_chains SET seq = COALESCE((SELECT MAX(a.chain_seq) FROM audit_entries a WHERE a.chain = audit_chains.chain), 0)",
			"UPDATE audit_chains SET hash = COALESCE((SELECT a.hash FROM audit_entries a WHERE a.chain = audit_chains.chain AND a.chain_seq = audit_chains.seq), '')",
			"DELETE FROM audit_chains WHERE seq = 0",
			"DELETE FROM audit_anchored",
			"INSERT INTO audit_anchored (chain, seq) SELECT chain, seq FROM audit_chains WHERE chain <> ''",
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, renumber, keep)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
