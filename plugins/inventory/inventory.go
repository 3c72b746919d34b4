// Package inventory provides the inventory.check task: it looks at the order's lines and
// reports a shortage, which routes the order to the flow's stock-exception path.
//
// This is a stand-in that decides from its settings alone (a per-line quantity cap and a
// list of SKUs known to be short); the real check against stock levels and reservations
// replaces it without changing the plugin's name, settings or outcomes.
package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"sluice/plugins"
)

// Name is the plugin's registered name.
const Name = "inventory.check"

// OutcomeShortage is returned when at least one line cannot be supplied.
const OutcomeShortage = "shortage"

// Settings of an inventory.check node.
type Settings struct {
	// MaxQtyPerLine: a line ordering more than this is short. 0 means no cap.
	MaxQtyPerLine int `json:"max_qty_per_line,omitempty"`
	// ShortSKUs are SKUs treated as out of stock.
	ShortSKUs []string `json:"short_skus,omitempty"`
}

// Line is the result for one order line, as recorded in the output detail.
type Line struct {
	Index  int     `json:"index"`
	SKU    string  `json:"sku"`
	Qty    float64 `json:"qty"`
	OK     bool    `json:"ok"`
	Reason string  `json:"reason,omitempty"` // over_max_qty | sku_short
}

type plugin struct{}

func init() { plugins.Register(plugin{}) }

func (plugin) Name() string { return Name }

func (plugin) Outcomes() []string { return []string{OutcomeShortage} }

func (plugin) SettingsSchema() json.RawMessage {
	return json.RawMessage(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "inventory.check",
  "description": "Checks each order line; any short line yields the outcome shortage.",
  "type": "object",
  "additionalProperties": false,
  "properties": {
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

func (plugin) Run(_ context.Context, in plugins.Input) (plugins.Output, error) {
	var s Settings
	if len(in.Settings) > 0 && string(in.Settings) != "null" {
		if err := json.Unmarshal(in.Settings, &s); err != nil {
			return plugins.Output{}, fmt.Errorf("%s: settings: %w", Name, err)
		}
	}
	items, _ := in.Order.Data["items"].([]any)
	lines := make([]Line, 0, len(items))
	short := 0
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
		if !l.OK {
			short++
		}
		lines = append(lines, l)
	}
	out := plugins.Output{Outcome: "ok", Detail: map[string]any{
		"lines": lines,
		"short": short,
	}}
	if in.DryRun {
		out.Detail["dry_run"] = true
	}
	if short > 0 {
		out.Outcome = OutcomeShortage
	}
	return out, nil
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
