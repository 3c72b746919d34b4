package definitions

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"sluice/backend/engine"
)

// exampleBody is an example definition of the set, as written.
func exampleBody(t *testing.T, kind, key string) map[string]any {
	t.Helper()
	for _, d := range examples(t).Docs() {
		if d.Kind == kind && d.Key == key {
			var m map[string]any
			require.NoError(t, json.Unmarshal(d.Body, &m))
			return m
		}
	}
	t.Fatalf("no example %s %s", kind, key)
	return nil
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// Definition texts come in both shapes: per language, or a plain string standing for every
// language (what definitions written before texts were per language hold).
func TestTextsTakeBothShapes(t *testing.T) {
	set := examples(t)

	// a flow whose node names and checklist items are plain strings
	flow := exampleBody(t, "flow", "order-review")
	flow["name"] = "訂單審核"
	var review map[string]any
	for _, n := range flow["nodes"].([]any) {
		n := n.(map[string]any)
		n["name"] = "節點 " + n["id"].(string)
		if n["type"] == "review" && review == nil {
			review = n
			n["checklist"] = []any{"已核對", map[string]any{"zh-TW": "已確認", "en": "Confirmed"}}
		}
	}
	require.NotNil(t, review)
	f, ps := CompileFlow(marshal(t, flow), 0, set)
	require.Empty(t, ps)
	require.Equal(t, engine.Text{"zh-TW": "訂單審核"}, f.Doc.Name)
	for _, n := range f.Doc.Nodes {
		require.Equal(t, engine.Text{"zh-TW": "節點 " + n.ID}, n.Name)
		if n.ID == review["id"] {
			require.Equal(t, []engine.Text{{"zh-TW": "已核對"}, {"zh-TW": "已確認", "en": "Confirmed"}}, n.Checklist)
		}
	}

	// a role and a reminder set named by plain strings
	role := exampleBody(t, "role", "finance")
	role["name"], role["description"] = "財務", "覆核大額訂單"
	r, ps := ValidateRole(marshal(t, role))
	require.Empty(t, ps)
	require.Equal(t, engine.Text{"zh-TW": "財務"}, r.Name)
	rem := exampleBody(t, "reminder", "order-review")
	rem["name"] = "訂單提醒"
	require.Empty(t, Validate("reminder", marshal(t, rem), set))

	// a text is neither a number nor a list, nor in a language the UI does not speak
	for _, bad := range []any{3, []any{"a"}, map[string]any{"ja": "財務"}, map[string]any{}} {
		role["name"] = bad
		_, ps := ValidateRole(marshal(t, role))
		require.NotEmpty(t, ps, "%v", bad)
		require.True(t, strings.HasPrefix(ps[0].Pointer, "/name"), "%v: %+v", bad, ps)
	}
}

// A form field's title and description may be per language; the data schema still
// compiles (JSON Schema wants strings there) and orders validate against it.
func TestFormFieldTextsPerLanguage(t *testing.T) {
	form := exampleBody(t, "form", "order")
	props := form["schema"].(map[string]any)["properties"].(map[string]any)
	// the example writes its titles per language
	require.Equal(t, map[string]any{"zh-TW": "客戶", "zh-CN": "客户", "en": "Customer"}, props["customer"].(map[string]any)["title"])

	// plain strings are still fine, mixed with per-language ones
	props["note"].(map[string]any)["title"] = "備註"
	// a field named "title" is a field, not a text: its schema is left as it is
	props["title"] = map[string]any{"type": "string", "title": map[string]any{"en": "Title"}, "description": map[string]any{"zh-TW": "標題", "zh-CN": "标题"}}
	f, ps := ParseForm(marshal(t, form))
	require.Empty(t, ps)
	// the document keeps the texts as written, for the screens
	var kept map[string]any
	require.NoError(t, json.Unmarshal(f.Schema, &kept))
	require.Equal(t, map[string]any{"en": "Title"}, kept["properties"].(map[string]any)["title"].(map[string]any)["title"])
	// and orders still validate: a missing title field is fine, a wrong type is not
	data := func(extra map[string]any) map[string]any {
		d := map[string]any{"customer": map[string]any{"name": "甲", "tier": "vip"}, "ship_to": map[string]any{"address": "台北市信義路 1 號"},
			"items": []any{map[string]any{"sku": "A-1", "name": "x", "qty": 1, "price": 2}}, "currency": "TWD", "promised_date": "2026-01-02"}
		for k, v := range extra {
			d[k] = v
		}
		return d
	}
	require.Empty(t, f.ValidateData(data(nil)))
	require.Empty(t, f.ValidateData(data(map[string]any{"title": "標題"})))
	require.NotEmpty(t, f.ValidateData(data(map[string]any{"title": 3})))

	// a per-language text that is not one is pointed at
	for _, tc := range []struct {
		text any
		at   string
	}{
		{map[string]any{"ja": "顧客"}, "/schema/properties/customer/properties/name/title/ja"},
		{map[string]any{"en": 3}, "/schema/properties/customer/properties/name/title/en"},
		{map[string]any{}, "/schema/properties/customer/properties/name/title"},
	} {
		props["customer"].(map[string]any)["properties"].(map[string]any)["name"].(map[string]any)["title"] = tc.text
		_, ps := ParseForm(marshal(t, form))
		require.NotEmpty(t, ps, "%v", tc.text)
		require.Equal(t, tc.at, ps[0].Pointer, "%v: %+v", tc.text, ps)
	}
}

func TestPlainTextsPicksZhTWFirst(t *testing.T) {
	for _, tc := range []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"en": "Customer", "zh-TW": "客戶", "zh-CN": "客户"}, "客戶"},
		{map[string]any{"en": "Customer", "zh-CN": "客户"}, "客户"},
		{map[string]any{"en": "Customer"}, "Customer"},
		{map[string]any{"zh-TW": "", "en": "Customer"}, "Customer"},
	} {
		got, p := plainText(tc.in, "/x")
		require.Nil(t, p)
		require.Equal(t, tc.want, got)
	}
	// items, allOf and $defs are followed; enum values are data, never texts
	in := map[string]any{
		"type":  "array",
		"items": map[string]any{"title": map[string]any{"en": "Item"}},
		"allOf": []any{map[string]any{"description": map[string]any{"zh-TW": "說明"}}},
		"$defs": map[string]any{"x": map[string]any{"title": map[string]any{"zh-CN": "简"}}},
		"enum":  []any{map[string]any{"title": map[string]any{"en": "kept"}}},
	}
	out, ps := plainTexts(in, "")
	require.Empty(t, ps)
	o := out.(map[string]any)
	require.Equal(t, "Item", o["items"].(map[string]any)["title"])
	require.Equal(t, "說明", o["allOf"].([]any)[0].(map[string]any)["description"])
	require.Equal(t, "简", o["$defs"].(map[string]any)["x"].(map[string]any)["title"])
	require.Equal(t, in["enum"], o["enum"])
	// the input is not changed
	require.Equal(t, map[string]any{"en": "Item"}, in["items"].(map[string]any)["title"])
}
