package intake

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"sluice/backend/i18n"
)

// demoSchema is the data schema of the demo order form.
func demoSchema(t *testing.T) (*Schema, []string) {
	t.Helper()
	b, err := os.ReadFile("../../schemas/examples/forms/order.json")
	require.NoError(t, err)
	var doc struct {
		Schema   json.RawMessage   `json:"schema"`
		Computed map[string]string `json:"computed"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	s, err := ParseSchema(doc.Schema)
	require.NoError(t, err)
	var computed []string
	for k := range doc.Computed {
		computed = append(computed, k)
	}
	return s, computed
}

func loadTableMapping(t *testing.T) *TableMapping {
	t.Helper()
	b, err := os.ReadFile("testdata/mapping.json")
	require.NoError(t, err)
	var m TableMapping
	require.Nil(t, DecodeStrict(b, &m))
	return &m
}

func TestSchemaOrderAndPaths(t *testing.T) {
	s, computed := demoSchema(t)
	require.Equal(t, []string{"customer", "ship_to", "items", "currency", "promised_date", "note", "total"}, s.Order)
	require.Equal(t, []string{"customer.name", "customer.tier", "customer.contact", "ship_to.address", "currency", "promised_date", "note"},
		s.ScalarPaths(computed))
	require.Equal(t, []string{"currency", "promised_date", "note", "total"}, s.TopScalars())

	// The UI's order wins over the document's (which a jsonb column does not keep).
	b, err := os.ReadFile("../../schemas/examples/forms/order.json")
	require.NoError(t, err)
	var doc struct {
		UI json.RawMessage `json:"ui"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	s.Order = []string{"total", "note", "items", "currency", "ship_to", "promised_date", "customer"}
	s.Properties["customer"].Order = []string{"contact", "tier", "name"}
	s.Properties["items"].Items.Order = []string{"price", "qty", "name", "sku"}
	s.OrderBy(doc.UI)
	require.Equal(t, []string{"customer", "ship_to", "items", "currency", "promised_date", "total", "note"}, s.Order)
	require.Equal(t, []string{"name", "tier", "contact"}, s.Properties["customer"].Order)
	require.Equal(t, []string{"sku", "name", "qty", "price"}, s.Properties["items"].Items.Order)

	o := &Schema{Properties: map[string]*Schema{"a": {}, "b": {}, "c": {}, "d": {}}, Order: []string{"a", "b", "c", "d"}}
	o.OrderBy(json.RawMessage(`{"ui:order": ["c", "*", "a"]}`))
	require.Equal(t, []string{"c", "b", "d", "a"}, o.Order)
}

func TestConvert(t *testing.T) {
	cases := []struct {
		name   string
		schema Schema
		cell   string
		want   any
		err    bool
	}{
		{"integer", Schema{Type: "integer"}, "12", 12.0, false},
		{"integer with separator", Schema{Type: "integer"}, "1,200", 1200.0, false},
		{"integer written as decimal", Schema{Type: "integer"}, "3.0", 3.0, false},
		{"integer with fraction", Schema{Type: "integer"}, "1.5", nil, true},
		{"integer text", Schema{Type: "integer"}, "two", nil, true},
		{"number", Schema{Type: "number"}, " 85.5 ", 85.5, false},
		{"number full-width comma", Schema{Type: "number"}, "3，800", 3800.0, false},
		{"boolean yes", Schema{Type: "boolean"}, "是", true, false},
		{"boolean no", Schema{Type: "boolean"}, "No", false, false},
		{"boolean bad", Schema{Type: "boolean"}, "maybe", nil, true},
		{"enum case", Schema{Type: "string", Enum: []any{"standard", "vip"}}, "VIP", "vip", false},
		{"enum unknown kept", Schema{Type: "string", Enum: []any{"standard"}}, "gold", "gold", false},
		{"date slashes", Schema{Type: "string", Format: "date"}, "2026/8/15", "2026-08-15", false},
		{"date iso", Schema{Type: "string", Format: "date"}, "2026-08-15", "2026-08-15", false},
		{"date excel serial", Schema{Type: "string", Format: "date"}, "46249", "2026-08-15", false},
		{"date chinese", Schema{Type: "string", Format: "date"}, "2026年8月15日", "2026-08-15", false},
		{"date bad", Schema{Type: "string", Format: "date"}, "next week", nil, true},
		{"object", Schema{Type: "object"}, "x", nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Convert(&c.schema, c.cell)
			if c.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

func TestConvertValue(t *testing.T) {
	cases := []struct {
		schema Schema
		in     any
		want   any
		err    bool
	}{
		{Schema{Type: "string"}, 1001.0, "1001", false},
		{Schema{Type: "string"}, json.Number("50012"), "50012", false},
		{Schema{Type: "integer"}, "4", 4.0, false},
		{Schema{Type: "number"}, 3800.0, 3800.0, false},
		{Schema{Type: "boolean"}, true, true, false},
		{Schema{Type: "integer"}, map[string]any{}, nil, true},
		{Schema{Type: "string"}, []any{"a"}, nil, true},
	}
	for _, c := range cases {
		got, err := ConvertValue(&c.schema, c.in)
		if c.err {
			require.Error(t, err, "%v", c.in)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, c.want, got)
	}
}

func TestTableMappingValidate(t *testing.T) {
	s, computed := demoSchema(t)
	cases := []struct {
		name string
		doc  string
		want []Problem
	}{
		{"demo mapping", "", nil},
		{"computed total", `{"fields": {"total": "合計"}}`, []Problem{{Pointer: "/fields/total", Code: "mapping.computed", Message: `"total" is computed by the form; it cannot be mapped`}}},
		{"unknown field", `{"fields": {"customer.vat": "統編"}}`, []Problem{{Pointer: "/fields/customer.vat", Code: "mapping.no_subfield", Message: `"customer" has no field "vat"`}}},
		{"object field", `{"fields": {"customer": "客戶"}}`, []Problem{{Pointer: "/fields/customer", Code: "mapping.not_scalar", Message: `"customer" is a object, not a single value; map its fields (e.g. "customer.name")`}}},
		{"empty column", `{"fields": {"note": " "}}`, []Problem{{Pointer: "/fields/note", Code: "mapping.column_required", Message: "name the column (its header) this field comes from"}}},
		{"nothing mapped", `{"fields": {}}`, []Problem{{Pointer: "/fields", Code: "mapping.no_columns", Message: "map at least one form field to a column"}}},
		{"items not an array", `{"fields": {"note": "n"}, "items": {"field": "note", "fields": {"sku": "s"}}}`, []Problem{{Pointer: "/items/field", Code: "mapping.not_line_items", Message: `"note" is not a list of line items (an array of objects)`}}},
		{"bad item field", `{"items": {"field": "items", "fields": {"colour": "c"}}}`, []Problem{{Pointer: "/items/fields/colour", Code: "mapping.no_form_field", Message: `the form has no field "colour"`}}},
		{"value of wrong type", `{"fields": {"note": "n"}, "values": {"customer.tier": {"a": 1}}}`, []Problem{{Pointer: "/values/customer.tier", Code: "value.wrong_type", Message: "expected a string, got an object"}}},
		{"value also mapped", `{"fields": {"note": "n"}, "values": {"note": "x"}}`, []Problem{{Pointer: "/values/note", Code: "mapping.value_also_mapped", Message: "also mapped in fields; keep one"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m *TableMapping
			if c.doc == "" {
				m = loadTableMapping(t)
			} else {
				m = &TableMapping{}
				require.Nil(t, DecodeStrict([]byte(c.doc), m))
			}
			require.Equal(t, c.want, said(m.Validate(s, computed)))
		})
	}
}

func TestDecodeStrict(t *testing.T) {
	var m TableMapping
	p := DecodeStrict([]byte(`{"group-by": "x"}`), &m)
	require.Equal(t, Problem{Pointer: "/group-by", Code: "mapping.unknown_key", Message: "unknown key"}, said([]Problem{*p})[0])
	require.Equal(t, "/fields", DecodeStrict([]byte(`{"fields": []}`), &m).Pointer)
	require.Equal(t, "", DecodeStrict([]byte(`{"fields":`), &m).Pointer)
}

func TestBuildFromCSV(t *testing.T) {
	s, computed := demoSchema(t)
	m := loadTableMapping(t)
	require.Empty(t, m.Validate(s, computed))
	b, err := os.ReadFile("testdata/orders.csv")
	require.NoError(t, err)
	tab, err := ReadFile("orders.csv", b, "")
	require.NoError(t, err)
	require.Equal(t, "訂單編號", tab.Header[0], "the BOM is dropped")
	require.Empty(t, m.CheckHeader(tab))

	orders := m.Build(s, tab)
	require.Len(t, orders, 3)

	o := orders[0]
	require.Equal(t, []int{2, 3}, o.Rows)
	require.Equal(t, "PO-1001", o.Ref)
	require.Empty(t, o.Errors)
	require.Equal(t, map[string]any{
		"customer":      map[string]any{"name": "高雄順達五金行", "tier": "standard"},
		"ship_to":       map[string]any{"address": "高雄市三民區建工路 72 號"},
		"promised_date": "2026-08-15",
		"currency":      "TWD",
		"items": []any{
			map[string]any{"sku": "BRG-6204", "name": "深溝滾珠軸承 6204", "qty": 50.0, "price": 85.0},
			map[string]any{"sku": "BLT-M8-30", "name": "六角螺栓 M8×30（百入）", "qty": 10.0, "price": 320.0},
		},
	}, o.Data)

	o = orders[1] // rows 4 and 7: grouped although not adjacent, the blank row 5 skipped
	require.Equal(t, []int{4, 7}, o.Rows)
	require.Empty(t, o.Errors)
	require.Equal(t, "vip", o.Data["customer"].(map[string]any)["tier"])
	require.Equal(t, 1200.0, o.Data["items"].([]any)[0].(map[string]any)["qty"])
	require.Equal(t, "急件", o.Data["note"])

	o = orders[2]
	require.Equal(t, []RowError{{Row: 6, Column: "數量", Code: "value.not_number", Message: `"two" is not a number`, Params: i18n.Params{"Value": "two"}}}, o.Errors)
	require.Equal(t, "「two」不是數字", o.Errors[0].Localized("zh-TW"))

	// Validation pointers find their cells again.
	for _, c := range []struct {
		ptr  string
		row  int
		col  string
		from *Order
	}{
		{"/data/items/1/qty", 7, "數量", orders[1]},
		{"/data/items/0/sku", 4, "料號", orders[1]},
		{"/data/customer/name", 2, "客戶名稱", orders[0]},
		{"/data/ship_to", 2, "收貨地址", orders[0]},
		{"/data/items", 2, "品名", orders[0]},
		{"/department", 2, "", orders[0]},
	} {
		row, col := c.from.Locate(c.ptr)
		require.Equal(t, c.row, row, c.ptr)
		require.Equal(t, c.col, col, c.ptr)
	}
}

func TestBuildRowFaults(t *testing.T) {
	s, _ := demoSchema(t)
	tab := &Table{First: 2, Header: []string{"ref", "name", "qty"}, Rows: [][]string{
		{"A", "x", "1"},
		{"A", "y", "2"}, // a different order-level value on a later row
		{"", "z", "3"},  // no group
		{"B", "", "1"},
		{"B", "w", "2"}, // a value the first row left empty
	}}
	m := &TableMapping{Fields: map[string]string{"customer.name": "name"}, GroupBy: "ref", ExternalRef: "ref",
		Items: &TableItems{Field: "items", Fields: map[string]string{"qty": "qty"}}}
	orders := m.Build(s, tab)
	require.Len(t, orders, 3)
	require.Equal(t, []RowError{{Row: 3, Column: "name", Code: "import.differs_from_first_row", Message: `"y" differs from "x" on row 2, the order's first row`,
		Params: i18n.Params{"Value": "y", "First": "x", "Row": 2}}}, orders[0].Errors)
	require.Equal(t, []RowError{{Row: 4, Column: "ref", Code: "import.group_empty", Message: "empty: it says which order the row belongs to"}}, orders[1].Errors)
	require.Equal(t, []RowError{{Row: 6, Column: "name", Code: "import.belongs_on_first_row", Message: `"w" belongs on row 5, the order's first row, which leaves it empty`,
		Params: i18n.Params{"Value": "w", "Row": 5}}}, orders[2].Errors)
	// in the reader's language, the cells' values and the row as data
	require.Equal(t, "「y」與訂單第一列（第 2 列）的「x」不同", orders[0].Errors[0].Localized("zh-TW"))
}

func TestContentRefWithoutReferenceColumn(t *testing.T) {
	s, _ := demoSchema(t)
	m := &TableMapping{Fields: map[string]string{"customer.name": "name", "note": "note"}}
	a := m.Build(s, &Table{First: 2, Header: []string{"name", "note"}, Rows: [][]string{{"x", "1"}, {"y", "2"}}})
	b := m.Build(s, &Table{First: 2, Header: []string{"note", "name"}, Rows: [][]string{{" 1", "x "}, {"2", "y"}}})
	require.Len(t, a, 2)
	require.Equal(t, a[0].Ref, b[0].Ref, "same content, other layout: same reference")
	require.NotEqual(t, a[0].Ref, a[1].Ref)
	require.Regexp(t, `^sha256:[0-9a-f]{32}$`, a[0].Ref)
}

func TestCheckHeader(t *testing.T) {
	m := loadTableMapping(t)
	ps := m.CheckHeader(&Table{Header: []string{"訂單編號", "客戶名稱", "料號", "品名", "數量", "單價", "收貨地址", "承諾交期", "備註"}})
	require.Equal(t, []Problem{{Pointer: "/fields/customer.tier", Code: "mapping.no_column", Message: `the file has no column "客戶等級"`}}, said(ps))
}

func TestReadXLSX(t *testing.T) {
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	require.NoError(t, f.SetSheetRow(sh, "A1", &[]any{"訂單編號", "數量", "承諾交期"}))
	require.NoError(t, f.SetSheetRow(sh, "A2", &[]any{"PO-1", 1200, 46249}))
	style, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00: raw reading ignores it
	require.NoError(t, err)
	require.NoError(t, f.SetCellStyle(sh, "B2", "B2", style))
	var buf bytes.Buffer
	_, err = f.WriteTo(&buf)
	require.NoError(t, err)

	tab, err := ReadFile("upload.bin", buf.Bytes(), "")
	require.NoError(t, err)
	require.Equal(t, []string{"訂單編號", "數量", "承諾交期"}, tab.Header)
	require.Equal(t, [][]string{{"PO-1", "1200", "46249"}}, tab.Rows)
	require.Equal(t, 2, tab.First)
	require.Equal(t, "", tab.Encoding)

	_, err = ReadFile("x.xlsx", []byte("a,b\n1,2\n"), "")
	require.ErrorContains(t, err, "not an Excel workbook")
	_, err = ReadFile("x.csv", []byte("\n\n"), "")
	require.ErrorContains(t, err, "empty")
	_, err = ReadFile("x.csv", []byte("a,\"b\n"), "")
	require.Error(t, err)
	_, err = ReadFile("x.csv", []byte("\xff\xff\xff,\xff\n"), "")
	require.ErrorContains(t, err, "not UTF-8, Big5 or GB18030")
}

func TestReadCSVSemicolons(t *testing.T) {
	tab, err := ReadCSV([]byte("a;b\n1;2\n"), "")
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, tab.Header)
}

// Row numbers are the spreadsheet's: blank lines count, line breaks inside a quoted
// cell do not.
func TestReadCSVRowNumbers(t *testing.T) {
	tab, err := ReadCSV([]byte("\nref,note\nA,\"two\nlines\"\n\nB,x\n"), "")
	require.NoError(t, err)
	require.Equal(t, 3, tab.First)
	m := &TableMapping{Fields: map[string]string{"note": "note"}, GroupBy: "ref", ExternalRef: "ref"}
	s, _ := demoSchema(t)
	orders := m.Build(s, tab)
	require.Len(t, orders, 2)
	require.Equal(t, []int{3}, orders[0].Rows)
	require.Equal(t, "two\nlines", orders[0].Data["note"])
	require.Equal(t, []int{5}, orders[1].Rows)
}

func TestTemplate(t *testing.T) {
	s, computed := demoSchema(t)
	m := loadTableMapping(t)
	var buf bytes.Buffer
	require.NoError(t, WriteTemplate(&buf, m, s))
	tab, err := ReadXLSX(buf.Bytes())
	require.NoError(t, err)
	require.Equal(t, []string{"訂單編號", "客戶名稱", "客戶等級", "收貨地址", "承諾交期", "備註", "料號", "品名", "數量", "單價"}, tab.Header)

	d := DefaultMapping(s, computed)
	require.Empty(t, d.Validate(s, computed))
	require.Equal(t, []string{"order_ref", "customer.name", "customer.tier", "customer.contact", "ship_to.address", "currency",
		"promised_date", "note", "items.sku", "items.name", "items.qty", "items.price"}, d.Columns(s))
}

func TestPayloadMapping(t *testing.T) {
	s, computed := demoSchema(t)
	b, err := os.ReadFile("testdata/shop-mapping.json")
	require.NoError(t, err)
	var m PayloadMapping
	require.Nil(t, DecodeStrict(b, &m))
	require.Empty(t, m.Validate(s, computed))

	body, err := os.ReadFile("testdata/shop-payload.json")
	require.NoError(t, err)
	var payload any
	require.NoError(t, json.Unmarshal(body, &payload))
	o, ps := m.Apply(s, payload)
	require.Empty(t, ps)
	require.Equal(t, "50012", o.Ref)
	require.Equal(t, map[string]any{
		"customer":      map[string]any{"name": "台中三豐機電", "contact": "buyer@example.com", "tier": "new"},
		"ship_to":       map[string]any{"address": "台中市西屯區工業區一路 8 號"},
		"promised_date": "2026-10-01",
		"note":          "請於上午送達",
		"currency":      "TWD",
		"items": []any{
			map[string]any{"sku": "MTR-750W", "name": "伺服馬達 750W", "qty": 2.0, "price": 3800.0},
			map[string]any{"sku": "CBL-ENC-5M", "name": "編碼器線 5 米", "qty": 4.0, "price": 450.0},
		},
	}, o.Data)
	require.Equal(t, "/line_items/1/quantity", o.Locate("/data/items/1/qty"))
	require.Equal(t, "/buyer/name", o.Locate("/data/customer/name"))
	require.Equal(t, "/shipping/address", o.Locate("/data/ship_to"))
	require.Equal(t, "/line_items", o.Locate("/data/items"))

	var bad any
	require.NoError(t, json.Unmarshal([]byte(`{"line_items": {"sku": 1}, "buyer": {"name": ["x"]}}`), &bad))
	_, ps = m.Apply(s, bad)
	require.Equal(t, []Problem{
		{Pointer: "/id", Code: "payload.order_id_missing", Message: "the shop's order number is missing"},
		{Pointer: "/buyer/name", Code: "value.wrong_type", Message: "expected a string, got an array"},
		{Pointer: "/line_items", Code: "payload.items_not_array", Message: "expected an array of line items"},
	}, said(ps))

	for _, c := range []struct {
		doc string
		ptr string
	}{
		{`{"fields": {"note": "/n"}}`, "/order_id"},
		{`{"order_id": "id", "fields": {"note": "/n"}}`, "/order_id"},
		{`{"order_id": "/id", "fields": {"total": "/t"}}`, "/fields/total"},
		{`{"order_id": "/id", "fields": {"note": "n"}}`, "/fields/note"},
		{`{"order_id": "/id", "items": {"field": "items", "path": "", "fields": {"sku": "/s"}}}`, "/items/path"},
		{`{"order_id": "/id", "items": {"field": "items", "path": "/l", "fields": {"qty": "q"}}}`, "/items/fields/qty"},
	} {
		var m PayloadMapping
		require.Nil(t, DecodeStrict([]byte(c.doc), &m))
		ps := m.Validate(s, computed)
		require.NotEmpty(t, ps, c.doc)
		require.Equal(t, c.ptr, ps[0].Pointer, c.doc)
	}
}

func TestResolve(t *testing.T) {
	var doc any
	require.NoError(t, json.Unmarshal([]byte(`{"a/b": {"c~d": [10, 20]}}`), &doc))
	v, ok := Resolve(doc, "/a~1b/c~0d/1")
	require.True(t, ok)
	require.Equal(t, 20.0, v)
	_, ok = Resolve(doc, "/a~1b/c~0d/2")
	require.False(t, ok)
	_, ok = Resolve(doc, "nope")
	require.False(t, ok)
}

// said is what problems say: their pointer, code and English message (their parameters,
// data, left out).
func said(ps []Problem) []Problem {
	var out []Problem
	for _, p := range ps {
		p.Params = nil
		out = append(out, p)
	}
	return out
}

// A row error keeps the cells it names as a database can store them: a NUL and bytes
// that are not UTF-8 are written out, as the English always showed them.
func TestRowFaultsKeepStorableText(t *testing.T) {
	s, _ := demoSchema(t)
	tab := &Table{First: 2, Header: []string{"ref", "name", "qty"}, Rows: [][]string{
		{"A", "x\x00y", "1"},
		{"A", "z\xff", "2"},
	}}
	m := &TableMapping{Fields: map[string]string{"customer.name": "name"}, GroupBy: "ref", ExternalRef: "ref",
		Items: &TableItems{Field: "items", Fields: map[string]string{"qty": "qty"}}}
	orders := m.Build(s, tab)
	require.Len(t, orders, 1)
	var differs RowError
	for _, e := range orders[0].Errors {
		if e.Code == "import.differs_from_first_row" {
			differs = e
		}
	}
	require.Equal(t, i18n.Params{"Value": `z\xff`, "First": `x\x00y`, "Row": 2}, differs.Params, "%+v", orders[0].Errors)
	require.Equal(t, `"z\xff" differs from "x\x00y" on row 2, the order's first row`, differs.Message)
}
