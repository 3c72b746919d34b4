// Package verify provides verify.rules: the automatic checks an order passes before a
// clerk looks at it. A node's settings are its rule set:
//
//   - required: fields that must hold a value ("customer.name"; "items[].sku" checks the
//     field on every line) → reason data
//   - customer: the order's customer exists and is not blocked → reason customer
//   - quantity: each line's quantity within min/max → reason data
//   - prices: each line's unit price within ± tolerance % of the product's list price
//     → reason price (an SKU missing from the price list → data)
//   - credit: the customer's open orders (in_review, approved, exception) plus this one
//     stay within the credit limit (0 = no check) → reason credit
//
// Every rule runs, so the person who gets the exception sees everything that is wrong
// at once: a failure is a plugins.Failure whose reason is the first failed rule's (in
// the order above) and whose detail lists every failed check. A pass lists what was
// checked, for the order's history. The plugin only reads; without a database
// (simulating a flow file) the rules that need one are reported as not checked.
package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"sluice/backend/i18n"
	"sluice/plugins"
)

// Name is the registered name.
const Name = "verify.rules"

// Exception reasons this plugin raises.
const (
	ReasonData     = "data"
	ReasonCustomer = "customer"
	ReasonPrice    = "price"
	ReasonCredit   = "credit"
)

// OpenStatuses are the order statuses that count against a customer's credit.
var OpenStatuses = []string{"in_review", "approved", "exception"}

// Settings is a node's rule set; a rule that is absent is not checked.
type Settings struct {
	Required []string  `json:"required,omitempty"`
	Customer bool      `json:"customer,omitempty"`
	Quantity *Quantity `json:"quantity,omitempty"`
	Prices   *Prices   `json:"prices,omitempty"`
	Credit   bool      `json:"credit,omitempty"`
}

// Quantity bounds each line's quantity; 0 leaves a side open.
type Quantity struct {
	Min float64 `json:"min,omitempty"`
	Max float64 `json:"max,omitempty"`
}

// Prices compares each line's unit price with the product's list price.
type Prices struct {
	// Tolerance is the allowed deviation in percent either way (0: exactly the list price).
	Tolerance float64 `json:"tolerance"`
}

// Check is one failed (or, in a pass, performed) check.
type Check struct {
	Rule    string `json:"rule"`
	Reason  string `json:"reason,omitempty"`
	Pointer string `json:"pointer,omitempty"` // into the order data: /items/2/price
	Message string `json:"message"`           // in English
	// Text is Message as data (i18n.M): a person reads it in their own language.
	Text map[string]any `json:"text,omitempty"`
}

type plugin struct{}

func init() { plugins.Register(plugin{}) }

func (plugin) Name() string       { return Name }
func (plugin) Outcomes() []string { return nil }

func (plugin) SettingsSchema() json.RawMessage {
	return json.RawMessage(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "verify.rules",
  "description": "Checks the order before people see it: required fields, the customer, quantities, prices against the price list and the customer's credit. Any failed check stops the order with an exception whose reason is data, customer, price or credit.",
  "type": "object",
  "additionalProperties": false,
  "minProperties": 1,
  "properties": {
    "required": {
      "description": "Fields that must hold a value: dotted paths (customer.name), items[].sku for a field of every line.",
      "type": "array",
      "uniqueItems": true,
      "items": { "type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*(\\[\\])?(\\.[A-Za-z_][A-Za-z0-9_]*(\\[\\])?)*$" }
    },
    "customer": {
      "description": "The order's customer (customer.code, else customer.name) must exist and not be blocked.",
      "type": "boolean"
    },
    "quantity": {
      "description": "Each line's quantity must be at least min and at most max.",
      "type": "object",
      "additionalProperties": false,
      "minProperties": 1,
      "properties": {
        "min": { "type": "number", "minimum": 0 },
        "max": { "type": "number", "exclusiveMinimum": 0 }
      }
    },
    "prices": {
      "description": "Each line's unit price must be within tolerance percent of the product's list price.",
      "type": "object",
      "additionalProperties": false,
      "required": ["tolerance"],
      "properties": {
        "tolerance": { "type": "number", "minimum": 0, "maximum": 100 }
      }
    },
    "credit": {
      "description": "The customer's open orders (in review, approved, in exception) plus this one must stay within the customer's credit limit (a limit of 0 means no check).",
      "type": "boolean"
    }
  }
}`)
}

// Provision reads the rule set once per flow version.
func (plugin) Provision(raw json.RawMessage) (any, error) {
	var s Settings
	if err := plugins.DecodeSettings(Name, raw, &s); err != nil {
		return nil, err
	}
	return s, nil
}

// run is one evaluation: what failed and what was checked.
type run struct {
	ctx     context.Context
	ports   *plugins.Ports
	data    map[string]any
	failed  []Check
	checked []string
	cust    *plugins.Customer
}

func (r *run) fail(rule, reason, pointer, key string, p i18n.Params) {
	r.failed = append(r.failed, Check{Rule: rule, Reason: reason, Pointer: pointer, Message: i18n.En(key, p), Text: i18n.M(key, p)})
}

// num shows a number as the checks do (%g: no trailing zeros), as data.
func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func (plugin) Run(ctx context.Context, in plugins.Input) (plugins.Output, error) {
	s, err := plugins.Config[Settings](Name, in)
	if err != nil {
		return plugins.Output{}, err
	}
	r := &run{ctx: ctx, ports: in.Ports, data: in.Order.Data}
	if len(s.Required) > 0 {
		r.required(s.Required)
	}
	if s.Customer || s.Credit {
		if err := r.customer(s.Customer); err != nil {
			return plugins.Output{}, err
		}
	}
	if s.Quantity != nil {
		r.quantity(*s.Quantity)
	}
	if s.Prices != nil {
		if err := r.prices(*s.Prices); err != nil {
			return plugins.Output{}, err
		}
	}
	if s.Credit {
		if err := r.credit(in.Order.ID); err != nil {
			return plugins.Output{}, err
		}
	}
	detail := map[string]any{"checked": r.checked}
	if in.DryRun {
		detail["dry_run"] = true
	}
	if len(r.failed) == 0 {
		return plugins.Output{Outcome: "ok", Detail: detail}, nil
	}
	msgs := make([]string, len(r.failed))
	texts := make([]any, len(r.failed))
	for i, c := range r.failed {
		msgs[i], texts[i] = c.Message, c.Text
	}
	detail["failed"] = r.failed
	return plugins.Output{}, &plugins.Failure{Reason: r.failed[0].Reason, Message: strings.Join(msgs, "; "), Detail: detail, Text: texts}
}

// required: every path must hold a non-empty value; "items[].sku" on every line.
func (r *run) required(paths []string) {
	for _, p := range paths {
		missing := missingAt(r.data, strings.Split(p, "."), "")
		for _, ptr := range missing {
			r.fail("required", ReasonData, ptr, "plugin.verify.required", i18n.Params{"Field": strings.TrimPrefix(strings.ReplaceAll(ptr, "/", "."), ".")})
		}
	}
	r.checked = append(r.checked, fmt.Sprintf("required: %s", strings.Join(paths, ", ")))
}

// missingAt returns the JSON pointers under v where the path's value is missing.
func missingAt(v any, parts []string, at string) []string {
	if len(parts) == 0 {
		if empty(v) {
			return []string{at}
		}
		return nil
	}
	key, each := strings.CutSuffix(parts[0], "[]")
	m, _ := v.(map[string]any)
	next := m[key]
	if !each {
		return missingAt(next, parts[1:], at+"/"+key)
	}
	list, _ := next.([]any)
	if len(list) == 0 {
		return []string{at + "/" + key}
	}
	var out []string
	for i, it := range list {
		out = append(out, missingAt(it, parts[1:], fmt.Sprintf("%s/%s/%d", at, key, i))...)
	}
	return out
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// customer looks the order's customer up (for the credit rule too) and, when asked,
// reports it missing or blocked.
func (r *run) customer(check bool) error {
	key := plugins.CustomerKey(r.data)
	if r.ports == nil {
		if check {
			r.checked = append(r.checked, "customer: not checked (no database)")
		}
		return nil
	}
	if key != "" {
		// the form may name the customer rather than give its code
		c, err := r.ports.Customers.Find(r.ctx, key)
		if err != nil {
			return err
		}
		r.cust = c
	}
	if !check {
		return nil
	}
	switch {
	case key == "":
		r.fail("customer", ReasonCustomer, "/customer", "plugin.verify.no_customer", nil)
	case r.cust == nil:
		r.fail("customer", ReasonCustomer, "/customer", "plugin.verify.unknown_customer", i18n.Params{"Customer": key})
	case r.cust.Blocked:
		if why := r.cust.BlockedReason; why != "" {
			r.fail("customer", ReasonCustomer, "/customer", "plugin.verify.customer_blocked", i18n.Params{"Customer": r.cust.Code, "Why": why})
		} else {
			r.fail("customer", ReasonCustomer, "/customer", "plugin.verify.customer_blocked_no_reason", i18n.Params{"Customer": r.cust.Code})
		}
	default:
		r.checked = append(r.checked, fmt.Sprintf("customer: %s exists and is not blocked", r.cust.Code))
	}
	return nil
}

func lines(data map[string]any) []map[string]any {
	items, _ := data["items"].([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

func (r *run) quantity(q Quantity) {
	for i, l := range lines(r.data) {
		qty, ok := number(l["qty"])
		ptr := fmt.Sprintf("/items/%d/qty", i)
		switch {
		case !ok:
			r.fail("quantity", ReasonData, ptr, "plugin.verify.no_quantity", i18n.Params{"Line": i + 1})
		case q.Min > 0 && qty < q.Min:
			r.fail("quantity", ReasonData, ptr, "plugin.verify.below_min", i18n.Params{"Line": i + 1, "Qty": num(qty), "Min": num(q.Min)})
		case q.Max > 0 && qty > q.Max:
			r.fail("quantity", ReasonData, ptr, "plugin.verify.above_max", i18n.Params{"Line": i + 1, "Qty": num(qty), "Max": num(q.Max)})
		}
	}
	r.checked = append(r.checked, fmt.Sprintf("quantity: each line between %g and %g", q.Min, q.Max))
}

func (r *run) prices(p Prices) error {
	if r.ports == nil {
		r.checked = append(r.checked, "prices: not checked (no database)")
		return nil
	}
	for i, l := range lines(r.data) {
		sku, _ := l["sku"].(string)
		price, ok := number(l["price"])
		ptr := fmt.Sprintf("/items/%d/price", i)
		if !ok {
			r.fail("prices", ReasonData, ptr, "plugin.verify.no_price", i18n.Params{"Line": i + 1})
			continue
		}
		list, listed, err := r.ports.Prices.ListPrice(r.ctx, sku)
		if err != nil {
			return err
		}
		if !listed {
			r.fail("prices", ReasonData, fmt.Sprintf("/items/%d/sku", i), "plugin.verify.unknown_sku", i18n.Params{"Line": i + 1, "SKU": sku})
			continue
		}
		if list <= 0 {
			continue // no list price to compare with
		}
		off := math.Abs(price-list) / list * 100
		if off > p.Tolerance+1e-9 {
			r.fail("prices", ReasonPrice, ptr, "plugin.verify.price_off", i18n.Params{"Line": i + 1, "SKU": sku, "Price": num(price),
				"Off": strconv.FormatFloat(off, 'f', 1, 64), "List": num(list), "Tolerance": num(p.Tolerance)})
		}
	}
	r.checked = append(r.checked, fmt.Sprintf("prices: within %g%% of the price list", p.Tolerance))
	return nil
}

// credit sums the customer's other open orders with this one's total.
func (r *run) credit(orderID int) error {
	switch {
	case r.ports == nil:
		r.checked = append(r.checked, "credit: not checked (no database)")
		return nil
	case r.cust == nil:
		r.checked = append(r.checked, "credit: not checked (unknown customer)")
		return nil
	case r.cust.CreditLimit <= 0:
		r.checked = append(r.checked, fmt.Sprintf("credit: %s has no credit limit", r.cust.Code))
		return nil
	}
	// Orders name their customer by code or by name (see plugins.CustomerKey).
	keys := []string{r.cust.Code}
	if r.cust.Name != "" && r.cust.Name != r.cust.Code {
		keys = append(keys, r.cust.Name)
	}
	rows, err := r.ports.Orders.Totals(r.ctx, keys, OpenStatuses, orderID)
	if err != nil {
		return err
	}
	open := 0.0
	for _, t := range rows {
		open += t
	}
	total, _ := number(r.data["total"])
	if open+total > r.cust.CreditLimit+1e-9 {
		whole := func(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) }
		r.fail("credit", ReasonCredit, "/total", "plugin.verify.over_credit", i18n.Params{"Customer": r.cust.Code, "Owed": whole(open + total),
			"Open": whole(open), "Total": whole(total), "Limit": whole(r.cust.CreditLimit)})
		return nil
	}
	r.checked = append(r.checked, fmt.Sprintf("credit: %s at %.0f of %.0f", r.cust.Code, open+total, r.cust.CreditLimit))
	return nil
}

// number reads a JSON number as decoded by encoding/json (float64) or json.Number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
