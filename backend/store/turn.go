package store

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"

	"sluice/backend/ent"
)

// Turns that writers of a derived whole take, one at a time (turnKey's second half).
const (
	// TurnPolicy: the Casbin policy is rebuilt whole from memberships and definitions.
	TurnPolicy int32 = 1
)

// turnKey is the first half of a turn's advisory lock key ("sltr" in ASCII, an int4),
// apart from the migration lock's.
const turnKey int32 = 0x736c7472

// TakeTurn makes the transactions that rebuild a derived whole (the policy) run one
// after another on PostgreSQL: it waits for a transaction-scoped advisory lock, held
// until tx ends. Without it two rebuilds could each read the sources before the other's
// change committed (write skew: one disables a person while the other gives them a
// role, and the role's line survives the disabling) once no ledger row serialises every
// writer (issue 16 item 3 removes it). Under READ COMMITTED the reads after the lock see
// everything the previous turn committed. SQLite has one writer: no-op.
func (s *Store) TakeTurn(ctx context.Context, tx *ent.Tx, turn int32) error {
	if s.Dialect != dialect.Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("SELECT pg_advisory_xact_lock(%d, %d)", turnKey, turn)); err != nil {
		return fmt.Errorf("waiting for the %d turn: %w", turn, err)
	}
	return nil
}
