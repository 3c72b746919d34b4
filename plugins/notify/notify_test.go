package notify

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
		`{"channel": "email"}`:                             true,
		`{"channel": "webhook", "template": "shipped_v2"}`: true,
		`{}`:                 false,
		`{"channel": "sms"}`: false,
		`{"channel": "email", "template": "Bad Name"}`:      false,
		`{"channel": "email", "to": "someone@example.com"}`: false,
	} {
		require.Equal(t, want, settingsValid(t, settings), settings)
	}
}

func TestRun(t *testing.T) {
	p, _ := plugins.Get(Name)
	require.Empty(t, p.Outcomes())
	var data map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{"customer": {"name": "台北精密機械", "tier": "vip", "contact": "buyer@example.com"}}`), &data))
	in := plugins.Input{Node: "confirm", Order: plugins.Order{Number: "SO-7", Flow: "order-review", Data: data}, Settings: json.RawMessage(`{"channel": "email"}`)}

	before := len(Sent())
	in.DryRun = true
	out, err := p.Run(context.Background(), in)
	require.NoError(t, err)
	require.Equal(t, "ok", out.Outcome)
	require.Equal(t, true, out.Detail["dry_run"])
	require.Equal(t, "buyer@example.com", out.Detail["to"])
	require.Len(t, Sent(), before, "a dry run records nothing")

	in.DryRun = false
	out, err = p.Run(context.Background(), in)
	require.NoError(t, err)
	require.Equal(t, "ok", out.Outcome)
	sent := Sent()
	require.Len(t, sent, before+1)
	require.Equal(t, Message{Node: "confirm", Order: "SO-7", Channel: "email", To: "buyer@example.com", Template: DefaultTemplate, Customer: "台北精密機械"}, sent[len(sent)-1])

	in.Settings = json.RawMessage(`{"channel": "webhook", "template": "custom"}`)
	out, err = p.Run(context.Background(), in)
	require.NoError(t, err)
	require.Equal(t, "channel:order-review", out.Detail["to"])
	require.Equal(t, "custom", out.Detail["template"])

	in.Settings = json.RawMessage(`{"channel": "fax"}`)
	_, err = p.Run(context.Background(), in)
	require.Error(t, err)
}
