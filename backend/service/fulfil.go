package service

import (
	"context"
	"errors"
	"time"

	"sluice/backend/ent"
	"sluice/backend/goods"
	"sluice/backend/store"
)

// TimerHoldExpiry fires when a plugin's HoldFor effect has passed (task_id 0, the node
// is the task node whose plugin reserved). The core fires it (timers.go); the
// fulfilment feature arms it and says what firing does.
const TimerHoldExpiry = "hold_expiry"

// FulfilmentHooks is what the core asks of the fulfilment feature (backend/fulfilment,
// which backend/app attaches): the stock effects of a plugin's run, in the transaction
// of the state change, and what an order's view shows of its shipping.
type FulfilmentHooks interface {
	// StockLow announces a low-stock crossing (o is the order whose movement crossed).
	StockLow(ctx context.Context, c *ent.Client, j *store.Journal, l *goods.Low, o *ent.Order) error
	// HoldFor applies a HoldFor effect (d > 0) of the plugin at node of o.
	HoldFor(ctx context.Context, tx *ent.Tx, o *ent.Order, node string, d time.Duration, now time.Time) error
	// HoldExpired fires a hold_expiry timer and answers the timer's outcome.
	HoldExpired(ctx context.Context, tx *ent.Tx, j *store.Journal, tm *ent.Timer) (string, error)
	// AddShipping adds to a single-order view what shipped of each line and the shipments.
	AddShipping(ctx context.Context, c *ent.Client, o *ent.Order, v *OrderView) error
}

// ShipmentLine is a quantity of one SKU in a shipment.
type ShipmentLine struct {
	SKU string `json:"sku" max:"64"`
	Qty int    `json:"qty"`
}

// ShipmentView is a shipment as the API shows it.
type ShipmentView struct {
	ID          int               `json:"id"`
	Number      string            `json:"number"`
	Carrier     string            `json:"carrier"`
	CarrierName map[string]string `json:"carrier_name,omitempty"`
	Tracking    string            `json:"tracking"`
	TrackingURL string            `json:"tracking_url"`
	Warehouse   string            `json:"warehouse"`
	Lines       []ShipmentLine    `json:"lines"`
	ShippedBy   string            `json:"shipped_by"`
	CreatedAt   time.Time         `json:"created_at"`
}

// LineView is one ordered line with what has shipped of it.
type LineView struct {
	SKU       string `json:"sku"`
	Name      string `json:"name,omitempty"`
	Ordered   int    `json:"ordered"`
	Shipped   int    `json:"shipped"`
	Remaining int    `json:"remaining"`
}

// errNoFulfilment: a core without the feature cannot apply a stock effect; that is a
// wiring fault, never a reason to drop the effect.
var errNoFulfilment = errors.New("service: no fulfilment feature attached (backend/app attaches it)")

// The core's calls of its fulfilment hooks (hooks.go, timers.go, queries.go).

func (s *Service) stockLow(ctx context.Context, c *ent.Client, j *store.Journal, l *goods.Low, o *ent.Order) error {
	if s.Fulfilment == nil {
		return errNoFulfilment
	}
	return s.Fulfilment.StockLow(ctx, c, j, l, o)
}

func (w *writer) armHold(node string, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if w.s.Fulfilment == nil {
		return errNoFulfilment
	}
	return w.s.Fulfilment.HoldFor(w.ctx, w.tx, w.o, node, d, w.now)
}

func (s *Service) holdExpired(ctx context.Context, tx *ent.Tx, j *store.Journal, tm *ent.Timer) (string, error) {
	if s.Fulfilment == nil {
		return "", errNoFulfilment
	}
	return s.Fulfilment.HoldExpired(ctx, tx, j, tm)
}

// addShipping adds to a single-order view its shipping (the feature's) and the orders
// linked to it (cases.go).
func (s *Service) addShipping(ctx context.Context, c *ent.Client, o *ent.Order, v *OrderView) error {
	if s.Fulfilment == nil {
		return errNoFulfilment
	}
	if err := s.Fulfilment.AddShipping(ctx, c, o, v); err != nil {
		return err
	}
	return addCases(ctx, c, o, v)
}
