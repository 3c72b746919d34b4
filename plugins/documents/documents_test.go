package documents

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"sluice/plugins"
)

func settingsValid(t *testing.T, settings string) bool {
	t.Helper()
	p, ok := plugins.Get(Name)
	require.True(t, ok)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(p.SettingsSchema()))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("mem:settings.json", doc))
	sch, err := c.Compile("mem:settings.json")
	require.NoError(t, err)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(settings)))
	require.NoError(t, err)
	return sch.Validate(v) == nil
}

func TestSettingsSchema(t *testing.T) {
	for settings, want := range map[string]bool{
		`{"documents": ["order"]}`:                                  true,
		`{"documents": ["order", "packing-slip", "delivery-note"]}`: true,
		`{"documents": []}`:                                         false,
		`{"documents": ["invoice"]}`:                                false,
		`{"documents": ["order", "order"]}`:                         false,
		`{}`:                                                        false,
		`{"documents": ["order"], "language": "en"}`:                true,
		`{"documents": ["order"], "language": "fr"}`:                false,
		`{"documents": ["order"], "company": {"name": "測試公司", "address": {"zh-TW": "台北市", "en": "Taipei"}, "phone": "02-1234", "tax_id": "12345678"}}`: true,
		`{"documents": ["order"], "company": {"name": ""}}`:          false,
		`{"documents": ["order"], "company": {"name": {"fr": "x"}}}`: false,
		`{"documents": ["order"], "company": {"logo": "x.png"}}`:     false,
	} {
		require.Equal(t, want, settingsValid(t, settings), settings)
	}
}

func TestRun(t *testing.T) {
	p, _ := plugins.Get(Name)
	require.Empty(t, p.Outcomes())
	order := plugins.Order{ID: 12, Number: "SO-20260701-000012", Data: map[string]any{"items": []any{}}}
	for _, dry := range []bool{false, true} {
		out, err := plugins.RunWith(context.Background(), p, json.RawMessage(`{"documents": ["order", "delivery-note"]}`), plugins.Input{Node: "print", Order: order, DryRun: dry})
		require.NoError(t, err)
		require.Equal(t, "ok", out.Outcome)
		require.Equal(t, []string{"order", "delivery-note"}, out.Detail["documents"])
		require.Equal(t, "zh-TW", out.Detail["lang"])
		require.Equal(t, !dry, out.Detail["prepared"])
		require.Equal(t, dry, out.Detail["dry_run"] == true)
		if dry {
			require.Nil(t, out.Detail["files"], "a dry run prepares nothing")
		} else {
			require.Equal(t, []File{
				{Document: "order", Title: "訂單", URL: "/api/v1/orders/12/documents/order.pdf"},
				{Document: "delivery-note", Title: "出貨單", URL: "/api/v1/orders/12/documents/delivery-note.pdf"},
			}, out.Detail["files"])
		}
	}
	// the node's language, unless the order names its own
	out, err := plugins.RunWith(context.Background(), p, json.RawMessage(`{"documents": ["packing-slip"], "language": "zh-CN"}`), plugins.Input{Order: order})
	require.NoError(t, err)
	require.Equal(t, "zh-CN", out.Detail["lang"])
	require.Equal(t, "装箱单", out.Detail["files"].([]File)[0].Title)
	order.Data = map[string]any{"language": "en"}
	out, err = plugins.RunWith(context.Background(), p, json.RawMessage(`{"documents": ["packing-slip"], "language": "zh-CN"}`), plugins.Input{Order: order})
	require.NoError(t, err)
	require.Equal(t, "en", out.Detail["lang"])
	for _, bad := range []string{``, `{"documents": []}`, `{"documents": ["invoice"]}`, `[1]`, `{"documents": ["order"], "language": "fr"}`} {
		_, err := plugins.RunWith(context.Background(), p, json.RawMessage(bad), plugins.Input{})
		require.Error(t, err, bad)
	}
}

func TestSettingsHeader(t *testing.T) {
	s, err := ParseSettings(json.RawMessage(`{"documents": ["order"]}`))
	require.NoError(t, err)
	require.Equal(t, "水閘貿易股份有限公司", s.Header().Name.In("zh-TW"))
	s, err = ParseSettings(json.RawMessage(`{"documents": ["order"], "company": {"name": "測試公司"}}`))
	require.NoError(t, err)
	require.Equal(t, "測試公司", s.Header().Name.In("en"))
	require.Empty(t, s.Header().Address)
}
