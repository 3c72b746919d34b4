// Package inventory provides the inventory.check and inventory.ship tasks.
//
// inventory.check reserves each line of the order in the order's own transaction
// (warehouse from its settings, default "main"). What happens on a shortage is the
// node's policy: block (outcome shortage, nothing reserved — the flow's stock-exception
// path), partial (reserve what there is, outcome partial) or backorder (reserve what
// there is, outcome backorder). Its earlier settings still apply as hard rules: a line
// above max_qty_per_line, or with an SKU in short_skus, is short whatever the stock.
// With hold_for, the holds end when that time has passed with the order still in
// review (it returns a HoldFor effect; the service arms the timer). Run again for the
// same order (it came back through the node), it first releases what the order held
// and reserves afresh. Low-stock crossings go back as StockLow effects, and what each
// line holds as Holds (simulation reports them). Without ports (simulating a flow
// file) it decides from those settings alone; in a dry run it checks stock without
// reserving.
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
	"time"

	"sluice/backend/goods"
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
	// Hold is HoldFor read (0: none).
	Hold time.Duration `json:"-"`
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

// Provision reads and checks the settings once per flow version.
func (plugin) Provision(raw json.RawMessage) (any, error) {
	var s Settings
	if err := plugins.DecodeSettings(Name, raw, &s); err != nil {
		return nil, err
	}
	switch s.Policy {
	case "":
		s.Policy = PolicyBlock
	case PolicyBlock, PolicyPartial, PolicyBackorder:
	default:
		return nil, &plugins.SettingError{Pointer: "/policy", Message: fmt.Sprintf("unknown policy %q (block, partial, backorder)", s.Policy)}
	}
	if s.Warehouse == "" {
		s.Warehouse = goods.DefaultWarehouse
	}
	if s.HoldFor != "" {
		d, err := goods.HoldDuration(s.HoldFor)
		if err != nil {
			return nil, &plugins.SettingError{Pointer: "/hold_for", Message: err.Error()}
		}
		s.Hold = d
	}
	return s, nil
}

func (plugin) Run(ctx context.Context, in plugins.Input) (plugins.Output, error) {
	s, err := plugins.Config[Settings](Name, in)
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
	var lows []goods.Low
	var eff plugins.Effects
	switch {
	case in.Ports == nil:
		detail["stock"] = "not checked"
	case in.DryRun:
		if err := check(ctx, in, s, lines); err != nil {
			return plugins.Output{}, err
		}
	default:
		released, err := in.Ports.Stock.Release(ctx, in.Order.ID, "checked again")
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
			eff.HoldFor = s.Hold
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
		eff.StockLow = lows
	}
	eff.Holds = holdings(s, lines, in.Ports != nil)
	out := plugins.Output{Outcome: "ok", Detail: detail, Effects: eff}
	if short > 0 {
		out.Outcome = map[string]string{PolicyBlock: OutcomeShortage, PolicyPartial: OutcomePartial, PolicyBackorder: OutcomeBackorder}[s.Policy]
	}
	return out, nil
}

// holdings reports what each line holds (or in a dry run would hold) and lacks; checked
// is false when no stock was looked at (no ports): a line that passes the settings'
// rules would then hold what it orders.
func holdings(s Settings, lines []Line, checked bool) []plugins.Holding {
	// a block policy holds nothing when any line is short
	blocked := s.Policy == PolicyBlock && slices.ContainsFunc(lines, func(l Line) bool { return !l.OK })
	out := make([]plugins.Holding, 0, len(lines))
	for _, l := range lines {
		want := int(math.Ceil(l.Qty))
		h := plugins.Holding{SKU: l.SKU, Warehouse: s.Warehouse, Qty: l.Reserved, Reason: l.Reason}
		if !checked && l.OK && !blocked {
			h.Qty = want
		}
		if !l.OK {
			h.Shortage = max(want-l.Reserved, 0)
			if l.Reason == "insufficient_stock" && l.Available != nil {
				h.Shortage = max(want-*l.Available, 0) // what the warehouse lacks
			}
		}
		out = append(out, h)
	}
	return out
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
		lv, err := in.Ports.Stock.Level(ctx, l.SKU, s.Warehouse)
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
func reserve(ctx context.Context, in plugins.Input, s Settings, lines []Line) ([]goods.Low, error) {
	var lows []goods.Low
	st := in.Ports.Stock
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
			m, err := st.Reserve(ctx, in.Order.ID, l.SKU, s.Warehouse, l.qty())
			if errors.Is(err, goods.ErrShortage) {
				// stock went between the look and the reservation: undo this run's holds
				l.OK, l.Reason = false, "insufficient_stock"
				if _, err := st.Release(ctx, in.Order.ID, "shortage"); err != nil {
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
		lv, err := st.Level(ctx, l.SKU, s.Warehouse)
		if err != nil {
			return nil, err
		}
		avail := lv.Available()
		l.Available = &avail
		if !l.OK || l.qty() <= 0 {
			continue
		}
		got, m, err := st.ReserveUpTo(ctx, in.Order.ID, l.SKU, s.Warehouse, l.qty())
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
		if in.Ports == nil {
			return nil
		}
		_, err := in.Ports.Stock.Release(ctx, in.Order.ID, "order "+in.Status)
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

// Provision: the task has no settings.
func (shipPlugin) Provision(raw json.RawMessage) (any, error) {
	var s struct{}
	if err := plugins.DecodeSettings(ShipName, raw, &s); err != nil {
		return nil, err
	}
	return s, nil
}

func (shipPlugin) Run(ctx context.Context, in plugins.Input) (plugins.Output, error) {
	out := plugins.Output{Outcome: "ok", Detail: map[string]any{}}
	switch {
	case in.Ports == nil:
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
func shipRest(ctx context.Context, in plugins.Input) ([]goods.Move, []goods.Move, error) {
	st := in.Ports.Stock
	rs, err := st.Held(ctx, in.Order.ID)
	if err != nil {
		return nil, nil, err
	}
	shipped, err := st.Moved(ctx, goods.KindShip, in.Order.ID)
	if err != nil {
		return nil, nil, err
	}
	left := Ordered(in.Order.Data)
	for sku, n := range shipped {
		left[sku] -= n
	}
	moves := []goods.Move{}
	for _, r := range rs {
		take := min(r.Qty, left[r.SKU])
		if take <= 0 {
			continue
		}
		m, err := st.Ship(ctx, in.Order.ID, r.SKU, r.Warehouse, take, "shipped")
		if err != nil {
			return nil, nil, err
		}
		left[r.SKU] -= take
		moves = append(moves, m)
	}
	released, err := st.Release(ctx, in.Order.ID, "already shipped")
	return moves, released, err
}

// Ordered is the quantity ordered per SKU in an order form's items (goods.Ordered).
func Ordered(data map[string]any) map[string]int { return goods.Ordered(data) }

// number reads a JSON number as decoded by encoding/json (float64) or json.Number.
func number(v any) float64 { return goods.Number(v) }
