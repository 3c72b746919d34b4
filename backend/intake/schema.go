// Package intake turns orders that arrive outside the REST API — spreadsheet rows and
// e-commerce webhook payloads — into an order form's data, guided by a mapping document.
// It is pure: no database, no HTTP. It converts values by the form's JSON Schema types
// so the form's own validation (run later by Submit) sees proper JSON, and it can map a
// validation error's pointer back to the column or payload field it came from.
package intake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"sluice/backend/engine"
	"sluice/backend/i18n"
)

// Schema is the part of a form's JSON Schema intake needs: types, formats, enums and
// the order of properties (kept, because templates and exports list columns in the order
// the form designer wrote them).
type Schema struct {
	Type       string
	Format     string
	Title      engine.Text // per language, or a plain string (zh-TW)
	ReadOnly   bool
	Required   []string // the properties an object requires
	Default    any
	Enum       []any
	Properties map[string]*Schema
	Order      []string // property names in document order
	Items      *Schema
}

// ParseSchema reads a form's data schema.
func ParseSchema(raw []byte) (*Schema, error) {
	var s Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("intake: form schema: %w", err)
	}
	return &s, nil
}

// UnmarshalJSON keeps the property order, which a map loses.
func (s *Schema) UnmarshalJSON(b []byte) error {
	var doc struct {
		Type       json.RawMessage `json:"type"`
		Format     string          `json:"format"`
		Title      engine.Text     `json:"title"`
		ReadOnly   bool            `json:"readOnly"`
		Required   []string        `json:"required"`
		Default    any             `json:"default"`
		Enum       []any           `json:"enum"`
		Properties json.RawMessage `json:"properties"`
		Items      *Schema         `json:"items"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	s.Format, s.Title, s.ReadOnly, s.Enum, s.Items, s.Required, s.Default = doc.Format, doc.Title, doc.ReadOnly, doc.Enum, doc.Items, doc.Required, doc.Default
	// "type" may be a list (["string", "null"]): the first non-null one is what a cell
	// converts to.
	if len(doc.Type) > 0 {
		var one string
		var many []string
		if json.Unmarshal(doc.Type, &one) == nil {
			s.Type = one
		} else if json.Unmarshal(doc.Type, &many) == nil {
			for _, t := range many {
				if t != "null" {
					s.Type = t
					break
				}
			}
		}
	}
	if len(doc.Properties) == 0 {
		return nil
	}
	s.Properties = map[string]*Schema{}
	dec := json.NewDecoder(bytes.NewReader(doc.Properties))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string)
		var p Schema
		if err := dec.Decode(&p); err != nil {
			return err
		}
		s.Properties[name] = &p
		s.Order = append(s.Order, name)
	}
	return nil
}

// Scalar says whether values of this schema fit in one cell.
func (s *Schema) Scalar() bool {
	switch s.Type {
	case "string", "number", "integer", "boolean":
		return true
	}
	return false
}

// At resolves a dotted field path ("customer.name") to its schema.
func (s *Schema) At(path string) (*Schema, error) {
	if path == "" {
		return nil, fault("mapping.path_empty", nil)
	}
	cur := s
	parts := strings.Split(path, ".")
	for i, p := range parts {
		next := cur.Properties[p]
		if next == nil {
			if i == 0 {
				return nil, fault("mapping.no_form_field", i18n.Params{"Field": p})
			}
			return nil, fault("mapping.no_subfield", i18n.Params{"Parent": strings.Join(parts[:i], "."), "Field": p})
		}
		cur = next
	}
	return cur, nil
}

// scalarTarget checks that path names a field a mapping may fill: a scalar that is
// neither read-only nor computed; else why not.
func (s *Schema) scalarTarget(path string, computed []string) (*Schema, error) {
	f, err := s.At(path)
	if err != nil {
		return nil, err
	}
	if slices.Contains(computed, path) {
		return nil, fault("mapping.computed", i18n.Params{"Field": path})
	}
	if f.ReadOnly {
		return nil, fault("mapping.read_only", i18n.Params{"Field": path})
	}
	if !f.Scalar() {
		example := path + "." + firstProp(f)
		if f.Type == "" {
			return nil, fault("mapping.not_scalar_untyped", i18n.Params{"Field": path, "Example": example})
		}
		return nil, fault("mapping.not_scalar", i18n.Params{"Field": path, "Type": f.Type, "Example": example})
	}
	return f, nil
}

// arrayTarget checks that path names an array of objects (line items); else why not.
func (s *Schema) arrayTarget(path string) (*Schema, error) {
	f, err := s.At(path)
	if err != nil {
		return nil, err
	}
	if f.Type != "array" || f.Items == nil || f.Items.Type != "object" {
		return nil, fault("mapping.not_line_items", i18n.Params{"Field": path})
	}
	return f.Items, nil
}

func firstProp(s *Schema) string {
	if len(s.Order) > 0 {
		return s.Order[0]
	}
	return "…"
}

// ScalarPaths lists the dotted paths of every scalar field a mapping can fill, in the
// form's order, descending into objects but not arrays.
func (s *Schema) ScalarPaths(computed []string) []string {
	var out []string
	var walk func(prefix string, sch *Schema)
	walk = func(prefix string, sch *Schema) {
		for _, name := range sch.Order {
			p := sch.Properties[name]
			path := prefix + name
			switch {
			case p.Type == "object":
				walk(path+".", p)
			case p.Scalar() && !p.ReadOnly && !slices.Contains(computed, path):
				out = append(out, path)
			}
		}
	}
	walk("", s)
	return out
}

// TopScalars lists the top-level scalar fields (computed ones included), for exports.
func (s *Schema) TopScalars() []string {
	var out []string
	for _, name := range s.Order {
		if s.Properties[name].Scalar() {
			out = append(out, name)
		}
	}
	return out
}

// set stores v at a dotted path in data, making the objects on the way.
func set(data map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	cur := data
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[p] = next
		}
		cur = next
	}
	cur[parts[len(parts)-1]] = v
}

// OrderBy puts properties in the order of the form's UI hints ("ui:order", as rjsf reads
// it, "*" standing for the rest), recursively. A database may not keep a JSON document's
// key order (PostgreSQL's jsonb does not), so the designer's order is the one to trust.
func (s *Schema) OrderBy(ui json.RawMessage) {
	if len(ui) == 0 {
		return
	}
	var hints map[string]json.RawMessage
	if json.Unmarshal(ui, &hints) != nil {
		return
	}
	var order []string
	if raw, ok := hints["ui:order"]; ok && json.Unmarshal(raw, &order) == nil && len(s.Order) > 0 {
		var head, tail []string
		star := slices.Index(order, "*")
		for i, name := range order {
			if _, ok := s.Properties[name]; ok && !slices.Contains(head, name) && !slices.Contains(tail, name) {
				if star >= 0 && i > star {
					tail = append(tail, name)
				} else {
					head = append(head, name)
				}
			}
		}
		next := head
		for _, name := range s.Order {
			if !slices.Contains(head, name) && !slices.Contains(tail, name) {
				next = append(next, name)
			}
		}
		s.Order = append(next, tail...)
	}
	for name, p := range s.Properties {
		sub := hints[name]
		p.OrderBy(sub)
		if p.Items != nil && len(sub) > 0 {
			var inner map[string]json.RawMessage
			if json.Unmarshal(sub, &inner) == nil {
				p.Items.OrderBy(inner["items"])
			}
		}
	}
}
