package intake

import (
	"strconv"
	"strings"
)

// PayloadMapping says how a shop's webhook payload (JSON) becomes an order:
//
//	{"order_id": "/id",
//	 "fields": {"customer.name": "/buyer/name", "ship_to.address": "/shipping/address"},
//	 "items": {"field": "items", "path": "/line_items",
//	           "fields": {"sku": "/sku", "name": "/title", "qty": "/quantity", "price": "/unit_price"}},
//	 "values": {"customer.tier": "new", "currency": "TWD"}}
//
// Every location is a JSON pointer (RFC 6901) into the payload; item fields point into
// one element of the items array. order_id names the shop's order number, which becomes
// the order's external reference: a re-sent webhook finds the order it made.
type PayloadMapping struct {
	OrderID string            `json:"order_id"`
	Fields  map[string]string `json:"fields"`
	Items   *PayloadItems     `json:"items,omitempty"`
	Values  map[string]any    `json:"values,omitempty"`
}

// PayloadItems maps the payload's line-item array.
type PayloadItems struct {
	Field  string            `json:"field"`
	Path   string            `json:"path"`
	Fields map[string]string `json:"fields"`
}

func validPointer(p string) bool { return p == "" || strings.HasPrefix(p, "/") }

// Validate checks the mapping against the form.
func (m *PayloadMapping) Validate(s *Schema, computed []string) []Problem {
	var ps []Problem
	if m.OrderID == "" || !validPointer(m.OrderID) {
		ps = append(ps, coded("/order_id", "mapping.order_id_pointer", nil))
	}
	if len(m.Fields) == 0 && m.Items == nil {
		ps = append(ps, coded("/fields", "mapping.no_pointers", nil))
	}
	for _, path := range sortedKeys(m.Fields) {
		if _, why := s.scalarTarget(path, computed); why != nil {
			ps = append(ps, problemOf("/fields/"+esc(path), why))
		} else if !validPointer(m.Fields[path]) || m.Fields[path] == "" {
			ps = append(ps, coded("/fields/"+esc(path), "mapping.payload_pointer", nil))
		}
	}
	ps = append(ps, validateValues(s, computed, m.Values, m.Fields)...)
	if m.Items != nil {
		item, why := s.arrayTarget(m.Items.Field)
		if why != nil {
			ps = append(ps, problemOf("/items/field", why))
		} else {
			if m.Items.Path == "" || !validPointer(m.Items.Path) {
				ps = append(ps, coded("/items/path", "mapping.items_pointer", nil))
			}
			if len(m.Items.Fields) == 0 {
				ps = append(ps, coded("/items/fields", "mapping.item_pointers_required", nil))
			}
			for _, sub := range sortedKeys(m.Items.Fields) {
				if _, why := item.scalarTarget(sub, nil); why != nil {
					ps = append(ps, problemOf("/items/fields/"+esc(sub), why))
				} else if !validPointer(m.Items.Fields[sub]) || m.Items.Fields[sub] == "" {
					ps = append(ps, coded("/items/fields/"+esc(sub), "mapping.item_pointer", nil))
				}
			}
		}
	}
	return ps
}

// Mapped is an order read from a payload.
type Mapped struct {
	Ref  string
	Data map[string]any
	m    *PayloadMapping
}

// Apply reads the payload. Problems point into the payload, where the shop can fix them.
func (m *PayloadMapping) Apply(s *Schema, payload any) (*Mapped, []Problem) {
	var ps []Problem
	out := &Mapped{Data: map[string]any{}, m: m}
	switch id, ok := Resolve(payload, m.OrderID); {
	case !ok || id == nil:
		ps = append(ps, coded(m.OrderID, "payload.order_id_missing", nil))
	default:
		ref, err := ConvertValue(&Schema{Type: "string"}, id)
		if r, _ := ref.(string); err != nil || r == "" {
			ps = append(ps, coded(m.OrderID, "payload.order_id_invalid", nil))
		} else {
			out.Ref = r
		}
	}
	for _, path := range sortedKeys(m.Fields) {
		ptr := m.Fields[path]
		v, ok := Resolve(payload, ptr)
		if !ok || v == nil {
			continue // a missing optional field is fine; a required one fails the form
		}
		f, _ := s.At(path)
		val, err := ConvertValue(f, v)
		if err != nil {
			ps = append(ps, problemOf(ptr, err))
			continue
		}
		set(out.Data, path, val)
	}
	for _, path := range sortedKeys(m.Values) {
		f, _ := s.At(path)
		v, _ := ConvertValue(f, m.Values[path])
		set(out.Data, path, v)
	}
	if m.Items != nil {
		item, _ := s.arrayTarget(m.Items.Field)
		raw, ok := Resolve(payload, m.Items.Path)
		list, isList := raw.([]any)
		switch {
		case !ok || raw == nil:
		case !isList:
			ps = append(ps, coded(m.Items.Path, "payload.items_not_array", nil))
		default:
			items := make([]any, 0, len(list))
			for i, el := range list {
				it := map[string]any{}
				base := m.Items.Path + "/" + strconv.Itoa(i)
				for _, sub := range sortedKeys(m.Items.Fields) {
					v, ok := Resolve(el, m.Items.Fields[sub])
					if !ok || v == nil {
						continue
					}
					f, _ := item.At(sub)
					val, err := ConvertValue(f, v)
					if err != nil {
						ps = append(ps, problemOf(base+m.Items.Fields[sub], err))
						continue
					}
					set(it, sub, val)
				}
				items = append(items, it)
			}
			out.Data[m.Items.Field] = items
		}
	}
	return out, ps
}

// Locate maps a pointer from the order's validation back into the payload.
func (o *Mapped) Locate(pointer string) string {
	rest, ok := strings.CutPrefix(pointer, "/data/")
	if !ok {
		return ""
	}
	parts := strings.Split(rest, "/")
	for i := range parts {
		parts[i] = unesc(parts[i])
	}
	m := o.m
	if m.Items != nil && parts[0] == m.Items.Field {
		if len(parts) >= 2 {
			if _, err := strconv.Atoi(parts[1]); err == nil {
				base := m.Items.Path + "/" + parts[1]
				if len(parts) >= 3 {
					if p, ok := m.Items.Fields[strings.Join(parts[2:], ".")]; ok {
						return base + p
					}
				}
				return base
			}
		}
		return m.Items.Path
	}
	path := strings.Join(parts, ".")
	if p, ok := m.Fields[path]; ok {
		return p
	}
	if p := closest(m.Fields, path); p != "" {
		return p
	}
	return ""
}

func unesc(s string) string { return pointerUnescaper.Replace(s) }

// Resolve follows a JSON pointer through decoded JSON.
func Resolve(doc any, ptr string) (any, bool) {
	if ptr == "" {
		return doc, true
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, false
	}
	cur := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = unesc(tok)
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}
