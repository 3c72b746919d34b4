// Package fulfilment is the fulfilment feature: stock (products, warehouses, the
// ledger, adjustments, low-stock alerts, holds that expire), shipping (shipments, the
// carriers) and the printed documents. It attaches to the workflow core
// (backend/service), whose FulfilmentHooks it fills; it imports no other feature.
package fulfilment

import (
	"context"
	"time"

	"sluice/backend/ent"
	"sluice/backend/goods"
	"sluice/backend/service"
	"sluice/backend/store"
)

// TopicWarehouse is where stock alerts go.
const TopicWarehouse = "department:warehouse"

// Fulfilment is the fulfilment feature's use cases over the core.
type Fulfilment struct {
	*service.Service
}

// New attaches the fulfilment feature to the core and makes it the core's fulfilment hooks.
func New(core *service.Service) *Fulfilment {
	f := &Fulfilment{Service: core}
	core.Fulfilment = hooks{f}
	return f
}

// hooks is the feature's side of service.FulfilmentHooks, kept off Fulfilment's own
// methods so the composed service shows only use cases.
type hooks struct{ f *Fulfilment }

func (h hooks) StockLow(ctx context.Context, c *ent.Client, j *store.Journal, l *goods.Low, o *ent.Order) error {
	return h.f.stockLow(ctx, c, j, l, o)
}

func (h hooks) HoldFor(ctx context.Context, tx *ent.Tx, o *ent.Order, node string, d time.Duration, now time.Time) error {
	return armHold(ctx, tx, o, node, d, now)
}

func (h hooks) HoldExpired(ctx context.Context, tx *ent.Tx, j *store.Journal, tm *ent.Timer) (string, error) {
	return h.f.holdExpired(ctx, tx, j, tm)
}

func (h hooks) AddShipping(ctx context.Context, c *ent.Client, o *ent.Order, v *service.OrderView) error {
	return addShipping(ctx, c, o, v)
}
