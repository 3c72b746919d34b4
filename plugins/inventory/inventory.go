// Package inventory provides the inventory.check and inventory.ship tasks.
//
// inventory.check reserves each line of the order in the order's own transaction
// (warehouse from its settings, default "main"). What happens on a shortage is the
// node's policy: block (outcome shortage, nothing reserved — the flow's stock-exception
// path), partial (reserve what there is, outcome partial) or backorder (reserve what
// there is, outcome backorder). Its earlier settings still apply as hard rules: a line
// above max_qty_per_line, or with an SKU in short_skus, is short whatever the stock.
// With hold_for, the holds end when that time has passed with the order still in
// review (the service's hold_expiry timer). Run again for the same order (it came back through the node), it first releases
// what the order held and reserves afresh. Without a database (simulating a flow file)
// it decides from those settings alone; in a dry run it checks stock without reserving.
//
// inventory.ship turns the order's held reservations into stock leaving the warehouse,
// except for what shipments at the flow's shipping step already shipped.
// When the order is rejected, withdrawn or cancelled, the service calls OrderEnded and
// the held reservations are released.
package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	inv "sluice/backend/inventory"
	"sluice/plugins"
)

// Name is the check's registered name.
const Name = "inventory.check"

// ShipName is the shipping task's registered name.
const ShipName = "inventory.ship"

// Outcomes of inventory.check besides "ok".
const (
	OutcomeShortage  = "shortage"
	OutcomePartial   = "partial"
	OutcomeBackorder = "backorder"
)

// Shortage policies.
const (
	PolicyBlock     = "block"
	PolicyPartial   = "partial"
	PolicyBackorder = "backorder"
)

// Settings of an inventory.check node.
type Settings struct {
	// MaxQtyPerLine: a line ordering more than this is short. 0 means no cap.
	MaxQtyPerLine int `json:"max_qty_per_line,omitempty"`
	// ShortSKUs are SKUs treated as out of stock.
	ShortSKUs []string `json:"short_skus,omitempty"`
	// Warehouse reserves from this warehouse (default "main").
	Warehouse string `json:"warehouse,omitempty"`
	// Policy on a shortage: block (default), partial or backorder.
	Policy string `json:"policy,omitempty"`
	// HoldFor (a Go duration such as "72h") ends the order's holds when it has passed
	// and the order is still in review: the service writes a hold_expiry timer in the
	// reservation's transaction; when it fires the holds are released and the order
	// gets a stock exception.
	HoldFor string `json:"hold_for,omitempty"`
}

// Line is the result for one order line, as recorded in the output detail.
type Line struct {
	Index  int     `json:"index"`
	SKU    string  `json:"sku"`
	Qty    float64 `json:"qty"`
	OK     bool    `json:"ok"`
	Reason string  `json:"reason,omitempty"` // over_max_qty | sku_short | insufficient_stock
	// Available is the stock that could be reserved when the line was checked (absent
	// when stock was not looked at).
	Available *int `json:"available,omitempty"`
	// Reserved is what is now held for the line.
	Reserved int `json:"reserved"`
}

type plugin struct{}

type shipPlugin struct{}

func init() {
	plugins.Register(plugin{})
	plugins.Register(shipPlugin{})
}

func (plugin) Name() string { return Name }

func (plugin) Outcomes() []string {
	return []string{OutcomeShortage, OutcomePartial, OutcomeBackorder}
}

func (plugin) SettingsSchema() json.RawMessage {
	return json.RawMessage(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "inventory.check",
  "description": "Reserves each order line from stock. On a shortage the policy decides: block (outcome shortage, nothing reserved), partial (reserve what there is, outcome partial) or backorder (reserve what there is, outcome backorder).",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "warehouse": {
      "description": "The warehouse to reserve from.",
      "type": "string",
      "minLength": 1,
      "default": "main"
    },
    "policy": {
      "description": "What a shortage does: block, partial or backorder. A flow using partial or backorder needs an edge for that outcome.",
      "enum": ["block", "partial", "backorder"],
      "default": "block"
    },
    "hold_for": {
      "description": "How long the reservations are held while the order is still in review: days, hours and minutes like 90m, 72h, 3d or 1d12h, as every duration in a definition (ISO 8601 such as PT72H also reads). When it passes, the holds are released and the order stops with a stock exception (retry reserves again, cancel cancels). Omit to hold until the order ships or ends.",
      "type": "string",
      "pattern": "^(([0-9]+[dhms])+|P([0-9]+D)?(T([0-9]+H)?([0-9]+M)?)?)$"
    },
    "max_qty_per_line": {
      "description": "A line ordering more than this quantity is short. Omit for no cap.",
      "type": "integer",
      "minimum": 1
    },
    "short_skus": {
      "description": "SKUs currently out of stock; a line with one of them is short.",
      "type": "array",
      "uniqueItems": true,
      "items": { "type": "string", "minLength": 1 }
    }
  }
}`)
}

func settings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if err := plugins.DecodeSettings(Name, raw, &s); err != nil {
		return s, err
	}
	switch s.Policy {
	case "":
		s.Policy = PolicyBlock
	case PolicyBlock, PolicyPartial, PolicyBackorder:
	default:
		return s, fmt.Errorf("%s: settings: unknown policy %q", Name, s.Policy)
	}
	if s.Warehouse == "" {
		s.Warehouse = inv.DefaultWarehouse
	}
	if s.HoldFor != "" {
		if _, err := inv.HoldDuration(s.HoldFor); err != nil {
			return s, fmt.Errorf("%s: settings: hold_for: %v", Name, err)
		}
	}
	return s, nil
}

func (plugin) Run(ctx context.Context, in plugins.Input) (plugins.Output, error) {
	s, err := settings(in.Settings)
	if err != nil {
		return plugins.Output{}, err
	}
	items, _ := in.Order.Data["items"].([]any)
	lines := make([]Line, 0, len(items))
	for i, it := range items {
		m, _ := it.(map[string]any)
		l := Line{Index: i, OK: true}
		l.SKU, _ = m["sku"].(string)
		l.Qty = number(m["qty"])
		switch {
		case slices.Contains(s.ShortSKUs, l.SKU):
			l.OK, l.Reason = false, "sku_short"
		case s.MaxQtyPerLine > 0 && l.Qty > float64(s.MaxQtyPerLine):
			l.OK, l.Reason = false, "over_max_qty"
		}
		lines = append(lines, l)
	}
	detail := map[string]any{"warehouse": s.Warehouse, "policy": s.Policy}
	if in.DryRun {
		detail["dry_run"] = true
	}
	var lows []inv.Low
	switch {
	case in.DB == nil:
		detail["stock"] = "not checked"
	case in.DryRun:
		if err := check(ctx, in, s, lines); err != nil {
			return plugins.Output{}, err
		}
	default:
		released, err := inv.Release(ctx, in.DB, in.Order.ID, "checked again")
		if err != nil {
			return plugins.Output{}, err
		}
		if len(released) > 0 {
			detail["released"] = released
		}
		if lows, err = reserve(ctx, in, s, lines); err != nil {
			return plugins.Output{}, err
		}
		if s.HoldFor != "" {
			detail["hold_for"] = s.HoldFor
		}
	}
	short := 0
	for _, l := range lines {
		if !l.OK {
			short++
		}
	}
	detail["lines"], detail["short"] = lines, short
	if len(lows) > 0 {
		detail["low_stock"] = lows
	}
	out := plugins.Output{Outcome: "ok", Detail: detail}
	if short > 0 {
		out.Outcome = map[string]string{PolicyBlock: OutcomeShortage, PolicyPartial: OutcomePartial, PolicyBackorder: OutcomeBackorder}[s.Policy]
	}
	return out, nil
}

// qty is a line's quantity in whole units (a fraction rounds up: it needs the unit).
func (l Line) qty() int { return int(math.Ceil(l.Qty)) }

// check looks at stock without reserving: each line as if the earlier lines had taken
// theirs (block: as if nothing were taken, since a block reserves all or nothing — the
// result is the same when every line fits).
func check(ctx context.Context, in plugins.Input, s Settings, lines []Line) error {
	taken := map[string]int{}
	for i := range lines {
		l := &lines[i]
		lv, err := inv.Get(ctx, in.DB, l.SKU, s.Warehouse)
		if err != nil {
			return err
		}
		avail := max(lv.Available()-taken[l.SKU], 0)
		l.Available = &avail
		if !l.OK || l.qty() <= 0 {
			continue
		}
		got := min(avail, l.qty())
		if got < l.qty() {
			l.OK, l.Reason = false, "insufficient_stock"
		}
		if s.Policy != PolicyBlock || l.OK {
			taken[l.SKU] += got
			l.Reserved = got
		}
	}
	if s.Policy == PolicyBlock && slices.ContainsFunc(lines, func(l Line) bool { return !l.OK }) {
		for i := range lines {
			lines[i].Reserved = 0
		}
	}
	return nil
}

// reserve holds the lines' stock as the policy says, returning low-stock crossings.
func reserve(ctx context.Context, in plugins.Input, s Settings, lines []Line) ([]inv.Low, error) {
	var lows []inv.Low
	if s.Policy == PolicyBlock {
		// all or nothing: look first, then reserve every line
		if err := check(ctx, in, s, lines); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(lines, func(l Line) bool { return !l.OK }) {
			return nil, nil
		}
		for i := range lines {
			l := &lines[i]
			if l.qty() <= 0 {
				continue
			}
			m, err := inv.Reserve(ctx, in.DB, in.Order.ID, l.SKU, s.Warehouse, l.qty())
			if errors.Is(err, inv.ErrShortage) {
				// stock went between the look and the reservation: undo this run's holds
				l.OK, l.Reason = false, "insufficient_stock"
				if _, err := inv.Release(ctx, in.DB, in.Order.ID, "shortage"); err != nil {
					return nil, err
				}
				for j := range lines {
					lines[j].Reserved = 0
				}
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			l.Reserved = l.qty()
			if m.Low != nil {
				lows = append(lows, *m.Low)
			}
		}
		return lows, nil
	}
	for i := range lines {
		l := &lines[i]
		lv, err := inv.Get(ctx, in.DB, l.SKU, s.Warehouse)
		if err != nil {
			return nil, err
		}
		avail := lv.Available()
		l.Available = &avail
		if !l.OK || l.qty() <= 0 {
			continue
		}
		got, m, err := inv.ReserveUpTo(ctx, in.DB, in.Order.ID, l.SKU, s.Warehouse, l.qty())
		if err != nil {
			return nil, err
		}
		l.Reserved = got
		if got < l.qty() {
			l.OK, l.Reason = false, "insufficient_stock"
		}
		if m != nil && m.Low != nil {
			lows = append(lows, *m.Low)
		}
	}
	return lows, nil
}

// OrderEnded releases what a rejected, withdrawn or cancelled order held; a completed
// order's holds are left to inventory.ship.
func (plugin) OrderEnded(ctx context.Context, in plugins.EndInput) error {
	switch in.Status {
	case "rejected", "withdrawn", "cancelled":
		if in.DB == nil {
			return nil
		}
		_, err := inv.Release(ctx, in.DB, in.Order.ID, "order "+in.Status)
		return err
	}
	return nil
}

func (shipPlugin) Name() string { return ShipName }

func (shipPlugin) Outcomes() []string { return nil }

func (shipPlugin) SettingsSchema() json.RawMessage {
	return json.RawMessage(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "inventory.ship",
  "description": "Turns the stock the order holds into stock leaving the warehouse.",
  "type": "object",
  "additionalProperties": false,
  "properties": {}
}`)
}

func (shipPlugin) Run(ctx context.Context, in plugins.Input) (plugins.Output, error) {
	out := plugins.Output{Outcome: "ok", Detail: map[string]any{}}
	switch {
	case in.DB == nil:
		out.Detail["stock"] = "not moved"
	case in.DryRun:
		out.Detail["dry_run"] = true
	default:
		moves, released, err := shipRest(ctx, in)
		if err != nil {
			return plugins.Output{}, err
		}
		out.Detail["shipped"] = moves
		if len(released) > 0 {
			out.Detail["released"] = released
		}
	}
	return out, nil
}

// shipRest ships what the order still holds, but never more of an SKU than is still
// unshipped (ordered − shipped, from the ledger): lines shipped by shipments at the
// shipping step are not shipped again, and anything still held beyond that (reserved
// in one warehouse, shipped from another) goes back to available stock.
func shipRest(ctx context.Context, in plugins.Input) ([]inv.Move, []inv.Move, error) {
	rs, err := inv.HeldFor(ctx, in.DB, in.Order.ID)
	if err != nil {
		return nil, nil, err
	}
	shipped, err := inv.Moved(ctx, in.DB, inv.KindShip, in.Order.ID)
	if err != nil {
		return nil, nil, err
	}
	left := Ordered(in.Order.Data)
	for sku, n := range shipped {
		left[sku] -= n
	}
	moves := []inv.Move{}
	for _, r := range rs {
		take := min(r.Qty, left[r.Sku])
		if take <= 0 {
			continue
		}
		m, err := inv.ShipQty(ctx, in.DB, in.Order.ID, r.Sku, r.Warehouse, take, "shipped")
		if err != nil {
			return nil, nil, err
		}
		left[r.Sku] -= take
		moves = append(moves, m)
	}
	released, err := inv.Release(ctx, in.DB, in.Order.ID, "already shipped")
	return moves, released, err
}

// Ordered is the quantity ordered per SKU in an order form's items (fractions round
// up, as reservations do).
func Ordered(data map[string]any) map[string]int {
	out := map[string]int{}
	items, _ := data["items"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		sku, _ := m["sku"].(string)
		if q := int(math.Ceil(number(m["qty"]))); sku != "" && q > 0 {
			out[sku] += q
		}
	}
	return out
}

// number reads a JSON number as decoded by encoding/json (float64) or json.Number.
func number(v any) float64 {
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
