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
	} {
		require.Equal(t, want, settingsValid(t, settings), settings)
	}
}

func TestRun(t *testing.T) {
	p, _ := plugins.Get(Name)
	require.Empty(t, p.Outcomes())
	for _, dry := range []bool{false, true} {
		out, err := p.Run(context.Background(), plugins.Input{Node: "print", Settings: json.RawMessage(`{"documents": ["order", "delivery-note"]}`), DryRun: dry})
		require.NoError(t, err)
		require.Equal(t, "ok", out.Outcome)
		require.Equal(t, []string{"order", "delivery-note"}, out.Detail["documents"])
		require.Equal(t, !dry, out.Detail["printed"])
		require.Equal(t, dry, out.Detail["dry_run"] == true)
	}
	for _, bad := range []string{``, `{"documents": []}`, `{"documents": ["invoice"]}`, `[1]`} {
		_, err := p.Run(context.Background(), plugins.Input{Settings: json.RawMessage(bad)})
		require.Error(t, err, bad)
	}
}
