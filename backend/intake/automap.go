package intake

import (
	"slices"
	"strings"
	"unicode"
)

// Field is a form field a column may fill, as a mapping editor lists it.
type Field struct {
	// Path is the dotted path in the order ("customer.name"), or in a line item when
	// Items names the line-item list ("sku" under "items").
	Path  string `json:"path"`
	Items string `json:"items,omitempty"`
	// Title is the form's title for the field: plain text, or one text per language.
	Title    any    `json:"title,omitempty"`
	Type     string `json:"type"`
	Required bool   `json:"required"`
	// Default is the form's default value: a required field left unmapped takes it.
	Default any `json:"default,omitempty"`
}

// Fields lists what a mapping can fill: the order's scalar fields in the form's order,
// then those of its first line-item list. Required means a value must come from the
// file (or a constant) for the order to pass the form: required at every level above.
func (s *Schema) Fields(computed []string) []Field {
	var out []Field
	var walk func(prefix string, sch *Schema, items string, required bool)
	walk = func(prefix string, sch *Schema, items string, required bool) {
		for _, name := range sch.Order {
			p := sch.Properties[name]
			path := prefix + name
			req := required && slices.Contains(sch.Required, name)
			switch {
			case p.Type == "object":
				walk(path+".", p, items, req)
			case p.Scalar() && !p.ReadOnly && (items != "" || !slices.Contains(computed, path)):
				f := Field{Path: path, Items: items, Type: p.Type, Required: req, Default: p.Default}
				if len(p.Title) > 0 {
					f.Title = map[string]string(p.Title)
				}
				out = append(out, f)
			}
		}
	}
	walk("", s, "", true)
	for _, name := range s.Order {
		if item, why := s.arrayTarget(name); why == nil && !slices.Contains(computed, name) {
			walk("", item, name, slices.Contains(s.Required, name))
			break
		}
	}
	return out
}

// refNames are headers that name an order's reference: rows sharing it are one order.
var refNames = []string{"order_ref", "訂單編號", "订单编号", "訂單號碼", "订单号码", "訂單號", "订单号", "單號", "单号",
	"外部單號", "外部单号", "order ref", "order reference", "order no", "order number", "po", "po number", "reference"}

// fold makes header and names comparable: case, spaces, punctuation and full-width
// forms do not matter ("客戶名稱：" is "客戶名稱", "Customer Name" is "customer_name").
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII
			r -= 0xFEE0
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// names are what a header may call a field: its path, its key, its titles in every language.
func (f Field) names() []string {
	ns := []string{f.Path}
	if f.Items != "" {
		ns = append(ns, f.Items+"."+f.Path)
	}
	if i := strings.LastIndex(f.Path, "."); i >= 0 {
		ns = append(ns, f.Path[i+1:])
	}
	switch t := f.Title.(type) {
	case string:
		ns = append(ns, t)
	case map[string]string:
		for _, k := range sortedKeys(t) {
			ns = append(ns, t[k])
		}
	}
	return ns
}

// AutoMap maps the file's columns to the form by their headers: a header that names a
// field (its path, key or title in any language, see fold) fills it, a header naming an
// order reference (refNames) groups the rows and is the reference, and a required field
// no column fills takes the form's default as a constant. The path matches first, so a
// template's columns map as DefaultMapping does; each field and column is used once.
func AutoMap(s *Schema, computed []string, header []string) *TableMapping {
	m := &TableMapping{Fields: map[string]string{}}
	fields := s.Fields(computed)
	used := map[int]bool{} // fields taken
	taken := map[string]bool{}
	for pass := 0; pass < 2; pass++ {
		for _, h := range header {
			if h == "" || taken[h] {
				continue
			}
			for i, f := range fields {
				if used[i] {
					continue
				}
				names := f.names()
				if pass == 0 { // the path only (an item's also as items.sku)
					names = names[:1]
					if f.Items != "" {
						names = append(names, f.Items+"."+f.Path)
					}
				}
				if slices.ContainsFunc(names, func(n string) bool { return n != "" && fold(n) == fold(h) }) {
					used[i], taken[h] = true, true
					m.set(f, h)
					break
				}
			}
		}
	}
	for _, h := range header {
		if !taken[h] && slices.ContainsFunc(refNames, func(n string) bool { return fold(n) == fold(h) }) {
			m.GroupBy, m.ExternalRef = h, h
			break
		}
	}
	for i, f := range fields {
		if !used[i] && f.Required && f.Default != nil && f.Items == "" {
			if m.Values == nil {
				m.Values = map[string]any{}
			}
			m.Values[f.Path] = f.Default
		}
	}
	return m
}

// set maps field f to column h.
func (m *TableMapping) set(f Field, h string) {
	if f.Items == "" {
		m.Fields[f.Path] = h
		return
	}
	if m.Items == nil {
		m.Items = &TableItems{Field: f.Items, Fields: map[string]string{}}
	}
	m.Items.Fields[f.Path] = h
}

// Missing lists the required fields the mapping fills neither from a column nor with a
// constant, as Fields names them. A line item's fields count only when some line-item
// field is mapped or the list itself is required.
func (m *TableMapping) Missing(s *Schema, computed []string) []Field {
	var out []Field
	for _, f := range s.Fields(computed) {
		if !f.Required {
			continue
		}
		if f.Items == "" {
			if _, ok := m.Fields[f.Path]; ok {
				continue
			}
			if _, ok := m.Values[f.Path]; ok {
				continue
			}
		} else if m.Items != nil && m.Items.Field == f.Items {
			if _, ok := m.Items.Fields[f.Path]; ok {
				continue
			}
		}
		out = append(out, f)
	}
	return out
}

// Preview is the head of a file: its header and first rows, as read.
type Preview struct {
	Header   []string   `json:"header"`
	Rows     [][]string `json:"rows"`
	Total    int        `json:"total"` // data rows in the file
	Encoding string     `json:"encoding,omitempty"`
}

// Head returns the header and the first n non-blank rows, each as wide as the header.
func (t *Table) Head(n int) Preview {
	p := Preview{Header: t.Header, Rows: [][]string{}, Encoding: t.Encoding}
	for _, r := range t.Rows {
		if blank(r) {
			continue
		}
		p.Total++
		if len(p.Rows) < n {
			row := make([]string, len(t.Header))
			copy(row, r)
			p.Rows = append(p.Rows, row)
		}
	}
	return p
}
