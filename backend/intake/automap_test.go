package intake

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The sample files have Chinese headers (the form's titles) and no mapping: they map
// themselves to what testdata/mapping.json says, read as UTF-8 and as Big5 (detected).
func TestAutoMapChineseHeaders(t *testing.T) {
	s, computed := demoSchema(t)
	want := loadTableMapping(t)
	for _, name := range []string{"orders.csv", "orders-big5.csv"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + name)
			require.NoError(t, err)
			tab, err := ReadCSV(b, "")
			require.NoError(t, err)
			if name == "orders-big5.csv" {
				require.Equal(t, Big5, tab.Encoding)
			}
			m := AutoMap(s, computed, tab.Header)
			require.Equal(t, want, m)
			require.Empty(t, m.Validate(s, computed))
			require.Empty(t, m.Missing(s, computed))
			// and the orders it builds are the ones the hand-written mapping builds
			require.Equal(t, refs(want.Build(s, tab)), refs(m.Build(s, tab)))

			p := tab.Head(2)
			require.Equal(t, tab.Header, p.Header)
			require.Len(t, p.Rows, 2)
			require.Equal(t, "PO-"+map[string]string{"orders.csv": "1001", "orders-big5.csv": "3001"}[name], p.Rows[0][0])
			require.Len(t, p.Rows[1], len(tab.Header)) // short rows are padded
		})
	}
}

func refs(os []*Order) []string {
	var out []string
	for _, o := range os {
		out = append(out, fmt.Sprintf("%s %v %d", o.Ref, o.Data, len(o.Errors)))
	}
	return out
}

// Titles in every language match, as do paths and keys, whatever the case, spacing or
// full-width punctuation; unmatched required fields are reported, defaults filled in.
func TestAutoMapTitlesInEveryLanguage(t *testing.T) {
	s, err := ParseSchema([]byte(`{"type": "object", "required": ["customer", "items", "currency", "due"],
	  "properties": {
	    "customer": {"type": "object", "required": ["name"], "properties": {
	      "name": {"type": "string", "title": {"zh-TW": "客戶名稱", "zh-CN": "客户名称", "en": "Customer name"}},
	      "vat": {"type": "string", "title": "統一編號"}}},
	    "items": {"type": "array", "items": {"type": "object", "required": ["sku", "qty"], "properties": {
	      "sku": {"type": "string", "title": {"zh-TW": "料號", "zh-CN": "料号", "en": "Part no"}},
	      "qty": {"type": "integer", "title": {"zh-TW": "數量", "zh-CN": "数量", "en": "Quantity"}}}}},
	    "currency": {"type": "string", "default": "TWD"},
	    "due": {"type": "string", "format": "date", "title": {"zh-TW": "交期", "zh-CN": "交期", "en": "Due"}},
	    "total": {"type": "number", "readOnly": true}}}`))
	require.NoError(t, err)
	require.Equal(t, "客戶名稱", s.Properties["customer"].Properties["name"].Title["zh-TW"])

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	variants := map[string][]string{
		"customer.name": {"客户名称", "客戶名稱：", "Customer Name", "customer_name", "CUSTOMER.NAME", "name"},
		"sku":           {"料号", "Part No.", "items.sku", "SKU", "料號"},
		"qty":           {"数量", "Quantity", "ｑｔｙ", "數量"},
	}
	for range 20 {
		pick := func(k string) string { return variants[k][r.IntN(len(variants[k]))] }
		header := []string{"订单编号", pick("customer.name"), pick("sku"), pick("qty"), "其他"}
		r.Shuffle(len(header), func(i, j int) { header[i], header[j] = header[j], header[i] })
		m := AutoMap(s, nil, header)
		require.Equal(t, "订单编号", m.GroupBy, header)
		require.Equal(t, "订单编号", m.ExternalRef)
		require.Len(t, m.Fields, 1, header)
		require.NotEmpty(t, m.Fields["customer.name"], header)
		require.NotNil(t, m.Items, header)
		require.Equal(t, "items", m.Items.Field)
		require.Len(t, m.Items.Fields, 2, header)
		require.Equal(t, map[string]any{"currency": "TWD"}, m.Values)
		require.Empty(t, m.Validate(s, nil), header)
		missing := m.Missing(s, nil)
		require.Len(t, missing, 1, header)
		require.Equal(t, "due", missing[0].Path)
	}

	// nothing matches: every required field is missing, the default still a constant
	m := AutoMap(s, nil, []string{"foo", "bar"})
	require.Empty(t, m.Fields)
	require.Nil(t, m.Items)
	var paths []string
	for _, f := range m.Missing(s, nil) {
		paths = append(paths, f.Path)
	}
	require.Equal(t, "customer.name due sku qty", strings.Join(paths, " "))

	// the fields a mapping may fill: computed and read-only ones are not among them
	fs := s.Fields([]string{"total"})
	require.Len(t, fs, 6)
	require.Equal(t, Field{Path: "qty", Items: "items", Type: "integer", Required: true,
		Title: map[string]string{"zh-TW": "數量", "zh-CN": "数量", "en": "Quantity"}}, fs[5])
	require.False(t, fs[1].Required) // customer.vat
}
