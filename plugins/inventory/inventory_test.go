package inventory

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
		`{}`:                                          true,
		`{"max_qty_per_line": 500}`:                   true,
		`{"short_skus": ["A-1", "B-2"]}`:              true,
		`{"max_qty_per_line": 0}`:                     false,
		`{"max_qty_per_line": 1.5}`:                   false,
		`{"short_skus": "A-1"}`:                       false,
		`{"short_skus": ["A-1", "A-1"]}`:              false,
		`{"max_qty": 5}`:                              false,
		`{"max_qty_per_line": 5, "short_skus": [""]}`: false,
		`{"hold_for": "72h"}`:                         true,
		`{"hold_for": "1h30m"}`:                       true,
		`{"hold_for": "3d"}`:                          true,
		`{"hold_for": "1d12h"}`:                       true,
		`{"hold_for": "PT72H"}`:                       true,
		`{"hold_for": "90s"}`:                         true,
		`{"hold_for": "3 days"}`:                      false,
		`{"hold_for": ""}`:                            false,
		`{"hold_for": 72}`:                            false,
	} {
		require.Equal(t, want, settingsValid(t, settings), settings)
	}
}

func TestHoldForSettings(t *testing.T) {
	// the definitions' form (72h, 3d, 1d12h), ISO 8601, and Go's h/m/s it took before
	for _, ok := range []string{"72h", "3d", "1d12h", "PT72H", "P3D", "90s", "1h30m15s"} {
		s, err := settings(json.RawMessage(`{"hold_for":"` + ok + `"}`))
		require.NoError(t, err, ok)
		require.Equal(t, ok, s.HoldFor)
		require.Positive(t, s.Hold, ok)
	}
	for _, bad := range []string{"0s", "0m", "PT0H", "soon", "-1h", "+1h", "3 days"} {
		_, err := settings(json.RawMessage(`{"hold_for":"` + bad + `"}`))
		require.Error(t, err, bad)
	}
}

// settings provisions a node's settings as the host does.
func settings(raw json.RawMessage) (Settings, error) {
	c, err := plugin{}.Provision(raw)
	if err != nil {
		return Settings{}, err
	}
	return c.(Settings), nil
}

func order(t *testing.T) plugins.Order {
	var data map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{"items": [
		{"sku": "MTR-750W", "name": "伺服馬達", "qty": 12, "price": 3800},
		{"sku": "BRG-6204", "name": "軸承", "qty": 600, "price": 80}
	]}`), &data))
	return plugins.Order{ID: 1, Number: "SO-1", Flow: "order-review", Data: data}
}

func TestRun(t *testing.T) {
	p, _ := plugins.Get(Name)
	require.Equal(t, []string{"shortage", "partial", "backorder"}, p.Outcomes())
	tests := []struct {
		name     string
		settings string
		dryRun   bool
		outcome  string
		reasons  []string
	}{
		{"no settings", ``, false, "ok", []string{"", ""}},
		{"under cap", `{"max_qty_per_line": 600}`, false, "ok", []string{"", ""}},
		{"over cap", `{"max_qty_per_line": 500}`, false, "shortage", []string{"", "over_max_qty"}},
		{"short sku", `{"short_skus": ["MTR-750W"]}`, false, "shortage", []string{"sku_short", ""}},
		{"dry run decides the same", `{"max_qty_per_line": 500}`, true, "shortage", []string{"", "over_max_qty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := plugins.RunWith(context.Background(), p, json.RawMessage(tt.settings), plugins.Input{Node: "inventory", Order: order(t), DryRun: tt.dryRun})
			require.NoError(t, err)
			require.Equal(t, tt.outcome, out.Outcome)
			lines := out.Detail["lines"].([]Line)
			require.Len(t, lines, 2)
			for i, l := range lines {
				require.Equal(t, tt.reasons[i], l.Reason)
				require.Equal(t, tt.reasons[i] == "", l.OK)
			}
			require.Equal(t, "MTR-750W", lines[0].SKU)
			require.Equal(t, 600.0, lines[1].Qty)
			require.Equal(t, tt.dryRun, out.Detail["dry_run"] == true)
			_, err = json.Marshal(out)
			require.NoError(t, err)
		})
	}
}

func TestRunBadSettings(t *testing.T) {
	p, _ := plugins.Get(Name)
	_, err := plugins.RunWith(context.Background(), p, json.RawMessage(`{"max_qty_per_line": "x"}`), plugins.Input{Order: order(t)})
	require.Error(t, err)
}
