package service

import (
	"context"
	"slices"

	"sluice/backend/ent"
	"sluice/backend/ent/order"
	"sluice/backend/store"
)

// LockForWrite takes the per-order lock (store.LockOrders) of order id and of its
// ancestors, ascending (a parent's id is below its children's), and reads the order
// after it. A transaction that changes an order calls it before touching any other row
// of the order: writers of one order (or one family: a child's end resumes or notes on
// its parent, a parent's end cancels its children) queue, writers of others do not.
// Anything read before it must be read again. A missing order is ent's not-found error.
func (s *Service) LockForWrite(ctx context.Context, tx *ent.Tx, id int) (*ent.Order, error) {
	return lockOrder(ctx, tx, id)
}

// LockAllForWrite is LockForWrite for several orders at once (their lineages in one
// ascending statement), for a transaction that writes on each (a batch).
func (s *Service) LockAllForWrite(ctx context.Context, tx *ent.Tx, ids ...int) error {
	return lockOrders(ctx, tx, ids...)
}

func lockOrder(ctx context.Context, tx *ent.Tx, id int) (*ent.Order, error) {
	if err := lockOrders(ctx, tx, id); err != nil {
		return nil, err
	}
	return tx.Order.Get(ctx, id)
}

func lockOrders(ctx context.Context, tx *ent.Tx, ids ...int) error {
	all := slices.Clone(ids)
	// the lineage never changes once an order exists: read without a lock
	for next := ids; len(next) > 0; {
		ps, err := tx.Order.Query().Where(order.IDIn(next...), order.ParentIDNotNil()).Select(order.FieldParentID).All(ctx)
		if err != nil {
			return err
		}
		next = nil
		for _, p := range ps {
			if !slices.Contains(all, *p.ParentID) {
				all = append(all, *p.ParentID)
				next = append(next, *p.ParentID)
			}
		}
	}
	return store.LockOrders(ctx, tx, all...)
}
