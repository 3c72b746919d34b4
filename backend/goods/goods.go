// Package goods is the vocabulary of stock that needs no database: levels, movements,
// low-stock crossings, holds, and how an order form names quantities. The inventory
// package (which writes the ledger through the ORM) and the plugins (which must not
// see the ORM) share these types, so a movement a plugin reports is the very value the
// ledger wrote.
package goods

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"

	"sluice/backend/durations"
)

// DefaultWarehouse is the warehouse used when none is named.
const DefaultWarehouse = "main"

// Movement kinds, as written to the ledger.
const (
	KindReserve = "reserve"
	KindRelease = "release"
	KindShip    = "ship"
	KindReturn  = "return"
	KindAdjust  = "adjust"
)

// ErrShortage is returned when the stock cannot cover a reservation (or a negative
// adjustment would take on-hand below what is reserved).
var ErrShortage = errors.New("inventory: not enough stock")

// Level is a product's stock in a warehouse.
type Level struct {
	SKU       string `json:"sku"`
	Warehouse string `json:"warehouse"`
	OnHand    int    `json:"on_hand"`
	Reserved  int    `json:"reserved"`
}

// Available is what can still be reserved.
func (l Level) Available() int { return l.OnHand - l.Reserved }

// Low reports that a movement took the available quantity below the product's
// low-stock threshold (it was at or above it before).
type Low struct {
	SKU       string `json:"sku"`
	Warehouse string `json:"warehouse"`
	Available int    `json:"available"`
	Threshold int    `json:"threshold"`
}

// Move is one movement made, as written to the ledger.
type Move struct {
	SKU           string `json:"sku"`
	Warehouse     string `json:"warehouse"`
	Kind          string `json:"kind"`
	DeltaOnHand   int    `json:"delta_on_hand"`
	DeltaReserved int    `json:"delta_reserved"`
	OrderID       int    `json:"order_id,omitempty"`
	// Low is set when this movement crossed the product's low-stock threshold.
	Low *Low `json:"low,omitempty"`
}

// Hold is a held reservation of an order.
type Hold struct {
	SKU       string `json:"sku"`
	Warehouse string `json:"warehouse"`
	Qty       int    `json:"qty"`
}

// HoldDuration reads a hold_for setting, how long reservations are held while an order is
// in review: 30m, 72h, 3d or 1d12h like every duration in a definition (or ISO 8601,
// PT72H). Go's h/m/s forms (90s, 1h30m15s), which hold_for took before, still read.
func HoldDuration(s string) (time.Duration, error) {
	d, err := durations.Span(s)
	if err == nil {
		return d, nil
	}
	if legacy, lerr := time.ParseDuration(s); lerr == nil && legacy > 0 && !strings.HasPrefix(s, "+") {
		return legacy, nil
	}
	return 0, err
}

// Ordered is the quantity ordered per SKU in an order form's items (fractions round
// up, as reservations do).
func Ordered(data map[string]any) map[string]int {
	out := map[string]int{}
	items, _ := data["items"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		sku, _ := m["sku"].(string)
		if q := int(math.Ceil(Number(m["qty"]))); sku != "" && q > 0 {
			out[sku] += q
		}
	}
	return out
}

// Number reads a JSON number as decoded by encoding/json (float64) or json.Number.
func Number(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int:
		return float64(n)
	case int64:
		return float64(n)
	case json.Number:
		f, _ := n.Float64()
		return f
	}
	return 0
}
