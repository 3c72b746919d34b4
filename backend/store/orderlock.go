package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5/pgconn"

	"sluice/backend/ent"
)

// LockOrders takes the per-order locks of a transaction that changes these orders.
//
// Every transaction that changes an order (its row, tasks, node instances, timers,
// holds, shipments, exceptions, its audit chain) takes the order's lock first, before
// touching any other row of the order: on PostgreSQL SELECT … FOR UPDATE on the order
// rows, in ascending id (a family's transactions all lock its root order first, see
// service.LockForWrite), so two transactions wanting the same orders queue instead of
// deadlocking; on SQLite the single writer connection already serialises every writer,
// so nothing is sent. Reads the transaction made before the lock may be stale: read the
// order's rows again after it (READ COMMITTED then sees what the previous holder
// committed). A row this transaction inserted is locked by being its own; naming it
// here records that. Ids already locked are skipped.
func LockOrders(ctx context.Context, tx *ent.Tx, ids ...int) error {
	st := stateOf(tx)
	if st == nil {
		return fmt.Errorf("store: lock orders: the transaction was not opened by Store.Tx")
	}
	var todo []int
	st.mu.Lock()
	for _, id := range ids {
		if id != 0 && !st.locked[id] && !slices.Contains(todo, id) {
			todo = append(todo, id)
		}
	}
	st.mu.Unlock()
	if len(todo) == 0 {
		return nil
	}
	slices.Sort(todo)
	if st.store.Dialect == dialect.Postgres {
		// LockRows runs above the sort: the rows are locked in id order.
		rows, err := tx.QueryContext(ctx, "SELECT id FROM orders WHERE id = ANY($1) ORDER BY id FOR UPDATE", todo)
		if err != nil {
			return fmt.Errorf("store: lock orders: %w", err)
		}
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("store: lock orders: %w", err)
		}
	}
	st.mu.Lock()
	if st.locked == nil {
		st.locked = map[int]bool{}
	}
	for _, id := range todo {
		st.locked[id] = true
	}
	st.mu.Unlock()
	return nil
}

// OrderLocked reports whether tx took order id's lock (LockOrders).
func OrderLocked(tx *ent.Tx, id int) bool {
	st := stateOf(tx)
	if st == nil {
		return false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.locked[id]
}

// retryable reports a PostgreSQL serialization failure (40001) or a detected deadlock
// (40P01): the server rolled the transaction back and running it again may succeed.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}
