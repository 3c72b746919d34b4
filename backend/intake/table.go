package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"sluice/backend/i18n"
)

// TableMapping says how a spreadsheet's columns become orders.
//
//	{"fields": {"customer.name": "客戶", "promised_date": "交期"},
//	 "items": {"field": "items", "fields": {"sku": "料號", "qty": "數量"}},
//	 "group_by": "訂單編號", "external_ref": "訂單編號",
//	 "values": {"currency": "TWD"}}
//
// Rows that share the group_by column's value are one order, one line item per row (in
// file order); without group_by every row is an order. The external_ref column's value
// is the order's reference, which makes importing the same rows again find the orders
// they made; without it the reference is a hash of the order's converted content.
type TableMapping struct {
	Fields      map[string]string `json:"fields"`
	Items       *TableItems       `json:"items,omitempty"`
	GroupBy     string            `json:"group_by,omitempty"`
	ExternalRef string            `json:"external_ref,omitempty"`
	Values      map[string]any    `json:"values,omitempty"`
}

// TableItems maps the columns of a line item.
type TableItems struct {
	Field  string            `json:"field"`
	Fields map[string]string `json:"fields"`
}

// DecodeStrict reads a mapping document, refusing unknown keys so a typo ("group-by")
// is reported instead of silently ignored.
func DecodeStrict(raw []byte, v any) *Problem {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		msg := err.Error()
		var p Problem
		var te *json.UnmarshalTypeError
		if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
			p = coded("/"+strings.Trim(name, `"`), "mapping.unknown_key", nil)
		} else if asTypeError(err, &te) {
			p = coded("/"+strings.ReplaceAll(te.Field, ".", "/"), "mapping.wrong_type", i18n.Params{"Type": te.Type.String()})
		} else {
			p = coded("", "mapping.not_json", i18n.Params{"Error": msg})
		}
		return &p
	}
	if dec.More() {
		p := coded("", "mapping.trailing_data", nil)
		return &p
	}
	return nil
}

func asTypeError(err error, te **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*te = t
	}
	return ok
}

// esc escapes a JSON pointer token (RFC 6901).
func esc(s string) string { return pointerEscaper.Replace(s) }

// Replacers are built once (each builds its tables on first use).
var (
	pointerEscaper   = strings.NewReplacer("~", "~0", "/", "~1")
	pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Validate checks the mapping against the form: every target a fillable field, every
// column named. computed lists the form's computed fields.
func (m *TableMapping) Validate(s *Schema, computed []string) []Problem {
	var ps []Problem
	if len(m.Fields) == 0 && m.Items == nil {
		ps = append(ps, coded("/fields", "mapping.no_columns", nil))
	}
	for _, path := range sortedKeys(m.Fields) {
		if _, why := s.scalarTarget(path, computed); why != nil {
			ps = append(ps, problemOf("/fields/"+esc(path), why))
		} else if strings.TrimSpace(m.Fields[path]) == "" {
			ps = append(ps, coded("/fields/"+esc(path), "mapping.column_required", nil))
		}
	}
	ps = append(ps, validateValues(s, computed, m.Values, m.Fields)...)
	if m.Items != nil {
		item, why := s.arrayTarget(m.Items.Field)
		if why != nil {
			ps = append(ps, problemOf("/items/field", why))
		} else {
			if len(m.Items.Fields) == 0 {
				ps = append(ps, coded("/items/fields", "mapping.item_columns_required", nil))
			}
			for _, sub := range sortedKeys(m.Items.Fields) {
				if _, why := item.scalarTarget(sub, nil); why != nil {
					ps = append(ps, problemOf("/items/fields/"+esc(sub), why))
				} else if strings.TrimSpace(m.Items.Fields[sub]) == "" {
					ps = append(ps, coded("/items/fields/"+esc(sub), "mapping.column_required", nil))
				}
			}
			if _, clash := m.Fields[m.Items.Field]; clash {
				ps = append(ps, coded("/fields/"+esc(m.Items.Field), "mapping.filled_by_items", nil))
			}
		}
	}
	return ps
}

// validateValues checks constant values: fillable fields not also mapped, of the right type.
func validateValues(s *Schema, computed []string, values map[string]any, mapped map[string]string) []Problem {
	var ps []Problem
	for _, path := range sortedKeys(values) {
		ptr := "/values/" + esc(path)
		f, why := s.scalarTarget(path, computed)
		if why != nil {
			ps = append(ps, problemOf(ptr, why))
			continue
		}
		if _, ok := mapped[path]; ok {
			ps = append(ps, coded(ptr, "mapping.value_also_mapped", nil))
			continue
		}
		if _, err := ConvertValue(f, values[path]); err != nil {
			ps = append(ps, problemOf(ptr, err))
		}
	}
	return ps
}

// Columns lists the mapping's columns in a stable order (reference and grouping first,
// then the form's order): the header row of a template.
func (m *TableMapping) Columns(s *Schema) []string {
	var out []string
	add := func(c string) {
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	add(m.GroupBy)
	add(m.ExternalRef)
	for _, p := range s.ScalarPaths(nil) {
		add(m.Fields[p])
	}
	for _, p := range sortedKeys(m.Fields) { // any the walk missed
		add(m.Fields[p])
	}
	if m.Items != nil {
		if item, why := s.arrayTarget(m.Items.Field); why == nil {
			for _, p := range item.ScalarPaths(nil) {
				add(m.Items.Fields[p])
			}
		}
		for _, p := range sortedKeys(m.Items.Fields) {
			add(m.Items.Fields[p])
		}
	}
	return out
}

// DefaultMapping maps every fillable field of the form to a column named by its path
// ("customer.name", "items.qty"), grouping rows by an "order_ref" column that is also
// the reference: what a template offers when the caller brings no mapping.
func DefaultMapping(s *Schema, computed []string) *TableMapping {
	m := &TableMapping{Fields: map[string]string{}, GroupBy: "order_ref", ExternalRef: "order_ref"}
	for _, p := range s.ScalarPaths(computed) {
		m.Fields[p] = p
	}
	for _, name := range s.Order {
		if item, why := s.arrayTarget(name); why == nil && !slices.Contains(computed, name) {
			m.Items = &TableItems{Field: name, Fields: map[string]string{}}
			for _, p := range item.ScalarPaths(nil) {
				m.Items.Fields[p] = name + "." + p
			}
			break
		}
	}
	return m
}

// Table is a file's header and data rows, as text.
type Table struct {
	Header []string
	Rows   [][]string
	// First is the spreadsheet row number of Rows[0] (the header's row + 1).
	First int
	// Encoding is the text encoding a CSV file was read in ("" for a workbook).
	Encoding string
}

// CheckHeader reports every mapped column missing from the file's header.
func (m *TableMapping) CheckHeader(t *Table) []Problem {
	have := map[string]bool{}
	for _, h := range t.Header {
		have[h] = true
	}
	var ps []Problem
	miss := func(ptr, col string) {
		if !have[col] {
			ps = append(ps, coded(ptr, "mapping.no_column", i18n.Params{"Column": shown(col)}))
		}
	}
	for _, p := range sortedKeys(m.Fields) {
		miss("/fields/"+esc(p), m.Fields[p])
	}
	if m.Items != nil {
		for _, p := range sortedKeys(m.Items.Fields) {
			miss("/items/fields/"+esc(p), m.Items.Fields[p])
		}
	}
	if m.GroupBy != "" {
		miss("/group_by", m.GroupBy)
	}
	if m.ExternalRef != "" {
		miss("/external_ref", m.ExternalRef)
	}
	return ps
}

// Order is one order built from a group of rows.
type Order struct {
	Rows []int // spreadsheet row numbers, in file order
	Ref  string
	Data map[string]any
	// Errors are conversion faults; an order with any is not submitted.
	Errors []RowError

	first  []string          // the cells of the order's first row
	fields map[string]string // field path -> column
	items  *TableItems
	// itemRows[i] is the row line item i came from.
	itemRows []int
}

// Build groups and converts the rows. Faults stay with the order they belong to, so one
// bad row fails its order, not the file.
func (m *TableMapping) Build(s *Schema, t *Table) []*Order {
	col := map[string]int{}
	for i, h := range t.Header {
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	cell := func(r []string, name string) string {
		if i, ok := col[name]; ok && i < len(r) {
			return strings.TrimSpace(r[i])
		}
		return ""
	}
	var item *Schema
	if m.Items != nil {
		item, _ = s.arrayTarget(m.Items.Field)
	}
	var orders []*Order
	byKey := map[string]*Order{}
	for i, r := range t.Rows {
		rowNo := t.First + i
		if blank(r) {
			continue
		}
		var o *Order
		if m.GroupBy != "" {
			key := cell(r, m.GroupBy)
			if key == "" {
				orders = append(orders, &Order{Rows: []int{rowNo}, Errors: []RowError{RowFault(rowNo, m.GroupBy, "import.group_empty", nil)}})
				continue
			}
			o = byKey[key]
			if o == nil {
				o = m.newOrder()
				byKey[key] = o
				orders = append(orders, o)
			}
		} else {
			o = m.newOrder()
			orders = append(orders, o)
		}
		first := len(o.Rows) == 0
		if first {
			o.first = r
		}
		o.Rows = append(o.Rows, rowNo)
		for _, path := range sortedKeys(m.Fields) {
			c := m.Fields[path]
			v := cell(r, c)
			if !first {
				// Order-level cells may repeat on every row of the order, or be left
				// blank after the first; a different value is a mistake worth naming.
				switch prev := cell(o.first, c); {
				case v == "" || v == prev:
				case prev == "":
					o.Errors = append(o.Errors, RowFault(rowNo, c, "import.belongs_on_first_row", i18n.Params{"Value": shown(v), "Row": o.Rows[0]}))
				default:
					o.Errors = append(o.Errors, RowFault(rowNo, c, "import.differs_from_first_row", i18n.Params{"Value": shown(v), "First": shown(prev), "Row": o.Rows[0]}))
				}
				continue
			}
			if v == "" {
				continue
			}
			f, _ := s.At(path)
			val, err := Convert(f, v)
			if err != nil {
				o.Errors = append(o.Errors, rowErr(rowNo, c, err))
				continue
			}
			set(o.Data, path, val)
		}
		if m.Items != nil && item != nil {
			it := map[string]any{}
			for _, sub := range sortedKeys(m.Items.Fields) {
				c := m.Items.Fields[sub]
				v := cell(r, c)
				if v == "" {
					continue
				}
				f, _ := item.At(sub)
				val, err := Convert(f, v)
				if err != nil {
					o.Errors = append(o.Errors, rowErr(rowNo, c, err))
					continue
				}
				set(it, sub, val)
			}
			if len(it) > 0 {
				list, _ := o.Data[m.Items.Field].([]any)
				o.Data[m.Items.Field] = append(list, any(it))
				o.itemRows = append(o.itemRows, rowNo)
			}
		}
		if m.ExternalRef != "" && first {
			o.Ref = cell(r, m.ExternalRef)
			if _, err := Convert(&Schema{Type: "string"}, o.Ref); err != nil { // stored as it is
				o.Errors = append(o.Errors, rowErr(rowNo, m.ExternalRef, err))
			}
		}
	}
	for _, o := range orders {
		if o.Data == nil {
			continue
		}
		for _, path := range sortedKeys(m.Values) {
			f, _ := s.At(path)
			v, _ := ConvertValue(f, m.Values[path])
			set(o.Data, path, v)
		}
		if o.Ref == "" && len(o.Errors) == 0 {
			if m.ExternalRef != "" {
				o.Errors = append(o.Errors, RowFault(o.Rows[0], m.ExternalRef, "import.ref_empty", nil))
			} else {
				o.Ref = ContentRef(o.Data)
			}
		}
	}
	return orders
}

func (m *TableMapping) newOrder() *Order {
	return &Order{Data: map[string]any{}, fields: m.Fields, items: m.Items}
}

// ContentRef is the reference of an order whose file names none: a hash of its
// converted content, so re-importing the same rows (even re-typed "1,000" as "1000")
// finds the order they made.
func ContentRef(data map[string]any) string {
	b, _ := json.Marshal(data) // map keys are sorted: a canonical form
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:16])
}

// Locate maps a pointer from the order's validation (/data/items/1/qty) back to the
// spreadsheet cell it came from.
func (o *Order) Locate(pointer string) (row int, column string) {
	row = 0
	if len(o.Rows) > 0 {
		row = o.Rows[0]
	}
	rest, ok := strings.CutPrefix(pointer, "/data/")
	if !ok {
		return row, ""
	}
	parts := strings.Split(rest, "/")
	for i := range parts {
		parts[i] = pointerUnescaper.Replace(parts[i])
	}
	if o.items != nil && parts[0] == o.items.Field {
		if len(parts) >= 2 {
			if i, err := strconv.Atoi(parts[1]); err == nil && i >= 0 && i < len(o.itemRows) {
				row = o.itemRows[i]
				if len(parts) >= 3 {
					return row, closest(o.items.Fields, strings.Join(parts[2:], "."))
				}
				return row, ""
			}
		}
		return row, closest(o.items.Fields, "")
	}
	return row, closest(o.fields, strings.Join(parts, "."))
}

// closest finds the column of a path, or of the first mapped field under it (a missing
// "ship_to" is best shown at the column of "ship_to.address").
func closest(fields map[string]string, path string) string {
	if c, ok := fields[path]; ok {
		return c
	}
	for _, k := range sortedKeys(fields) {
		if path == "" || strings.HasPrefix(k, path+".") {
			return fields[k]
		}
	}
	return ""
}

// KeepColumns drops the mapped fields whose column the header lacks. The default mapping
// uses it: a file made from the template may leave out optional columns, and the form
// still says which fields are required.
func (m *TableMapping) KeepColumns(header []string) {
	have := map[string]bool{}
	for _, h := range header {
		have[h] = true
	}
	for p, c := range m.Fields {
		if !have[c] {
			delete(m.Fields, p)
		}
	}
	if m.Items != nil {
		for p, c := range m.Items.Fields {
			if !have[c] {
				delete(m.Items.Fields, p)
			}
		}
	}
	if !have[m.GroupBy] {
		m.GroupBy = ""
	}
	if !have[m.ExternalRef] {
		m.ExternalRef = ""
	}
}
