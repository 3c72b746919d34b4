package plugins

import (
	"time"

	"sluice/backend/goods"
)

// Effects are what a plugin's run asks the service to do besides choosing an edge, in
// the same transaction, once the visit is recorded. They are typed, so the service
// applies them without knowing which plugin asked; the plugin's Detail still carries
// whatever the audit trail should show.
type Effects struct {
	// StockLow lists movements that took a product's available stock below its
	// low-stock threshold: each is announced (a stock.low event on the warehouse board,
	// a notification to every stock manager).
	StockLow []goods.Low
	// HoldFor, when positive, ends the order's stock holds after this long with the
	// order still in review: an earlier such timer of the order is cancelled and, when
	// the order holds stock, a new one is armed; when it fires, the holds are released
	// and the order stops with a stock exception at this node.
	HoldFor time.Duration
	// Holds is what the node holds for the order, or in a dry run would hold, line by
	// line: a report (simulation shows it), not something to apply.
	Holds []Holding
}

// Holding is one order line as a stock-holding node left it.
type Holding struct {
	SKU       string `json:"sku"`
	Warehouse string `json:"warehouse"`
	// Qty is what is (or would be) held for the line.
	Qty int `json:"qty"`
	// Shortage is the units it lacks; Reason says why (insufficient_stock,
	// over_max_qty, sku_short).
	Shortage int    `json:"shortage"`
	Reason   string `json:"reason,omitempty"`
}
