package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"sluice/backend/goods"
	"sluice/backend/i18n"
	"sluice/plugins"
)

// ReturnName is the restocking task's registered name.
const ReturnName = "inventory.return"

// ReturnSettings of an inventory.return node.
type ReturnSettings struct {
	// Warehouse takes the goods back into this warehouse (default "main").
	Warehouse string `json:"warehouse,omitempty"`
	// Field is the form field holding the returned lines (default "lines"): each
	// {sku, qty, good_qty?}; good_qty is what inspection found good (default qty).
	Field string `json:"field,omitempty"`
}

// ReturnLine is one returned line as recorded in the output detail.
type ReturnLine struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
	// Good is what goes back on hand; the rest stays out of stock (scrap, repair).
	Good int `json:"good"`
}

type returnPlugin struct{}

func init() { plugins.Register(returnPlugin{}) }

func (returnPlugin) Name() string { return ReturnName }

func (returnPlugin) Outcomes() []string { return nil }

func (returnPlugin) SettingsSchema() json.RawMessage {
	return json.RawMessage(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "inventory.return",
  "description": "Puts the inspected-good quantities of an after-sales return back on hand (stock ledger kind return, linked to the return and to the order it is about). A return of more than was shipped for that order, counting earlier returns, raises a data exception and moves nothing.",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "warehouse": {
      "description": "The warehouse the goods come back into.",
      "type": "string",
      "minLength": 1,
      "default": "main"
    },
    "field": {
      "description": "The form field with the returned lines [{sku, qty, good_qty?}].",
      "type": "string",
      "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
      "default": "lines"
    }
  }
}`)
}

// Provision reads the settings once per flow version.
func (returnPlugin) Provision(raw json.RawMessage) (any, error) {
	var s ReturnSettings
	if err := plugins.DecodeSettings(ReturnName, raw, &s); err != nil {
		return nil, err
	}
	if s.Warehouse == "" {
		s.Warehouse = goods.DefaultWarehouse
	}
	if s.Field == "" {
		s.Field = "lines"
	}
	return s, nil
}

// returnLines reads the returned lines from the order's data.
func returnLines(data map[string]any, field string) ([]ReturnLine, error) {
	raw, _ := data[field].([]any)
	out := make([]ReturnLine, 0, len(raw))
	for i, it := range raw {
		m, _ := it.(map[string]any)
		l := ReturnLine{}
		l.SKU, _ = m["sku"].(string)
		l.Qty = int(math.Ceil(number(m["qty"])))
		l.Good = l.Qty
		if g, ok := m["good_qty"]; ok {
			l.Good = int(number(g))
		}
		var f *plugins.Failure
		switch {
		case l.SKU == "" || l.Qty <= 0:
			f = plugins.Fail("data", "plugin.inventory.return_line_invalid", i18n.Params{"Line": i + 1})
		case l.Good < 0 || l.Good > l.Qty:
			f = plugins.Fail("data", "plugin.inventory.return_good_qty", i18n.Params{"Line": i + 1, "Good": l.Good, "Qty": l.Qty})
		}
		if f != nil {
			f.Detail = map[string]any{"pointer": fmt.Sprintf("/%s/%d", field, i)}
			return nil, f
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, plugins.Fail("data", "plugin.inventory.return_no_lines", i18n.Params{"Field": field})
	}
	return out, nil
}

func (returnPlugin) Run(ctx context.Context, in plugins.Input) (plugins.Output, error) {
	s, err := plugins.Config[ReturnSettings](ReturnName, in)
	if err != nil {
		return plugins.Output{}, err
	}
	lines, err := returnLines(in.Order.Data, s.Field)
	if err != nil {
		return plugins.Output{}, err
	}
	detail := map[string]any{"warehouse": s.Warehouse, "lines": lines}
	if in.Ports == nil {
		detail["stock"] = "not moved"
		return plugins.Output{Outcome: "ok", Detail: detail}, nil
	}
	if in.DryRun {
		detail["dry_run"] = true
	}
	parent, err := parentOf(ctx, in.Ports.Orders, in.Order.ID)
	if err != nil {
		return plugins.Output{}, err
	}
	if parent == 0 {
		if in.DryRun {
			return plugins.Output{Outcome: "ok", Detail: detail}, nil // a simulated order has none
		}
		return plugins.Output{}, plugins.Fail("data", "plugin.inventory.return_no_parent", nil)
	}
	detail["parent"] = parent
	if f, err := overReturn(ctx, in.Ports, in.Order.ID, parent, lines); err != nil || f != nil {
		if err == nil {
			err = f
		}
		return plugins.Output{}, err
	}
	if in.DryRun {
		return plugins.Output{Outcome: "ok", Detail: detail}, nil
	}
	var moves []goods.Move
	for _, l := range lines {
		if l.Good == 0 {
			continue
		}
		m, err := in.Ports.Stock.Return(ctx, in.Order.ID, l.SKU, s.Warehouse, l.Good,
			fmt.Sprintf("return %s for order %d", in.Order.Number, parent))
		if err != nil {
			return plugins.Output{}, err
		}
		moves = append(moves, m)
	}
	if moves == nil {
		moves = []goods.Move{}
	}
	detail["returned"] = moves
	return plugins.Output{Outcome: "ok", Detail: detail}, nil
}

// parentOf is the order an after-sales order is about (0 for none or no such order).
func parentOf(ctx context.Context, orders plugins.Orders, id int) (int, error) {
	if id == 0 {
		return 0, nil
	}
	return orders.Parent(ctx, id)
}

// overReturn checks the lines against what can still come back for parent: what was
// shipped for it less what its cases (and it) returned before, self excluded. It
// returns a Failure naming the first SKU over the limit, with Index its first line.
func overReturn(ctx context.Context, ports *plugins.Ports, self, parent int, lines []ReturnLine) (*plugins.Failure, error) {
	// Everything returned for the parent so far: its own returns and those of all its
	// after-sales cases. The service's transaction holds the journal lock, so no other
	// return can commit between this read and the caller's writes.
	cases, err := ports.Orders.Cases(ctx, parent, self)
	if err != nil {
		return nil, err
	}
	shipped, err := ports.Stock.Moved(ctx, goods.KindShip, parent)
	if err != nil {
		return nil, err
	}
	before, err := ports.Stock.Moved(ctx, goods.KindReturn, append(cases, parent)...)
	if err != nil {
		return nil, err
	}
	asked := map[string]int{}
	for i, l := range lines {
		asked[l.SKU] += l.Qty
		if left := shipped[l.SKU] - before[l.SKU]; asked[l.SKU] > left {
			f := plugins.Fail("data", "plugin.inventory.return_too_many", i18n.Params{"SKU": l.SKU, "Asked": asked[l.SKU], "Left": max(left, 0),
				"Order": parent, "Shipped": shipped[l.SKU], "Before": before[l.SKU]})
			f.Detail = map[string]any{"index": i, "sku": l.SKU, "asked": asked[l.SKU], "shipped": shipped[l.SKU], "returned_before": before[l.SKU]}
			return f, nil
		}
	}
	return nil, nil
}

// Check refuses, at submit, a return without a parent or of more than can come back.
func (returnPlugin) Check(ctx context.Context, in plugins.Input) []plugins.Problem {
	s, err := plugins.Config[ReturnSettings](ReturnName, in)
	if err != nil || in.Ports == nil {
		return nil // the settings were validated at publish; without a database there is nothing to check
	}
	if in.Order.Parent == 0 {
		return []plugins.Problem{{Pointer: "/parent", Message: "a return names the order it is about (parent)"}}
	}
	lines, err := returnLines(in.Order.Data, s.Field)
	if err != nil {
		return nil // the form's schema speaks for the lines' shape
	}
	f, err := overReturn(ctx, in.Ports, 0, in.Order.Parent, lines)
	if err != nil || f == nil {
		return nil // a read error surfaces again, in the restocking transaction
	}
	i, _ := f.Detail["index"].(int)
	return []plugins.Problem{{Pointer: fmt.Sprintf("/data/%s/%d/qty", s.Field, i), Message: f.Message}}
}
