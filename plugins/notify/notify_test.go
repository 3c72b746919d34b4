package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"sluice/backend/ent"
	"sluice/backend/outbox"
	"sluice/backend/outbox/outboxtest"
	"sluice/backend/pluginhost"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	"sluice/plugins"
)

var ctx = context.Background()

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

// orderData is a form's data naming customer code with two lines.
func orderData(t *testing.T, code string, extra string) map[string]any {
	t.Helper()
	var d map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{"customer": "`+code+`", "currency": "TWD", "items": [
		{"sku": "BRG-6204", "name": "深溝滾珠軸承 6204", "qty": 50, "price": 85},
		{"sku": "BLT-M8-30", "name": "六角螺栓 M8×30（百入）", "qty": 10, "price": 320}]`+extra+`}`), &d))
	return d
}

func seedCustomers(t *testing.T, st *store.Store, hook string) {
	t.Helper()
	for _, c := range []struct{ code, name, email, lang string }{
		{"C-TW", "台北精密機械", "tw@example.com", "zh-TW"},
		{"C-CN", "上海精工贸易", "cn@example.com", "zh-CN"},
		{"C-EN", "Acme Trading", "en@example.com", "en"},
		{"C-XX", "Kyoto Parts", "jp@example.com", "ja"},
		{"C-NONE", "無信箱客戶", "", "zh-TW"},
	} {
		require.NoError(t, st.Client.Customer.Create().SetCode(c.code).SetName(c.name).SetEmail(c.email).SetLanguage(c.lang).SetWebhookURL(hook).Exec(ctx))
	}
}

// run runs the plugin in a transaction, as the service does.
func run(t *testing.T, st *store.Store, settings string, in plugins.Input) (plugins.Output, error) {
	t.Helper()
	p, _ := plugins.Get(Name)
	var out plugins.Output
	var runErr error
	err := st.Tx(ctx, func(tx *ent.Tx) error {
		in.Ports = pluginhost.Ports(tx.Client(), in.DryRun)
		out, runErr = plugins.RunWith(ctx, p, json.RawMessage(settings), in)
		return runErr
	})
	if runErr != nil {
		return out, runErr
	}
	return out, err
}

// The confirmation goes through the outbox to a real SMTP server, in the customer's
// language; an unknown language falls back to 繁體中文.
func TestConfirmByEmail(t *testing.T) {
	st := storetest.SQLite(t)
	seedCustomers(t, st, "")
	srv := outboxtest.NewSMTP(t)
	w := outbox.NewWorker(st, map[string]outbox.Sender{outbox.Email: outbox.EmailSender{C: outbox.SMTP{
		Host: srv.Host, Port: srv.Port, From: "orders@example.com", TLS: outbox.TLSNone}}}, outbox.Options{})
	for i, tc := range []struct {
		code, to, lang, subject string
		body                    []string
	}{
		{"C-TW", "tw@example.com", "zh-TW", "訂單確認：SO-101", []string{"台北精密機械 您好", "訂單 SO-101 已確認", "深溝滾珠軸承 6204", "× 50", "合計：7,450 TWD"}},
		{"C-CN", "cn@example.com", "zh-CN", "订单确认：SO-102", []string{"上海精工贸易 您好", "订单 SO-102 已确认", "六角螺栓 M8×30（百入）", "合计：7,450 TWD"}},
		{"C-EN", "en@example.com", "en", "Order confirmed: SO-103", []string{"Dear Acme Trading", "order SO-103 is confirmed", "BRG-6204", "x 50", "Total: 7,450 TWD"}},
		{"C-XX", "jp@example.com", "zh-TW", "訂單確認：SO-104", []string{"Kyoto Parts 您好", "訂單 SO-104 已確認"}},
	} {
		number := tc.subject[len(tc.subject)-6:]
		out, err := run(t, st, `{"channel": "email"}`, plugins.Input{Node: "confirm",
			Order: plugins.Order{ID: 100 + i, Number: number, Flow: "order-review", Data: orderData(t, tc.code, "")}})
		require.NoError(t, err, tc.code)
		require.Equal(t, "ok", out.Outcome)
		require.Equal(t, true, out.Detail["queued"])
		require.Equal(t, tc.lang, out.Detail["language"])

		n, err := w.Pass(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		mails := srv.Mails()
		require.Len(t, mails, i+1)
		got := mails[i]
		require.Equal(t, []string{tc.to}, got.To, tc.code)
		require.Equal(t, tc.subject, got.Subject)
		for _, want := range tc.body {
			require.Contains(t, got.Body, want, tc.code)
		}
		require.Equal(t, "<"+outbox.MessageID(out.Detail["key"].(string), "orders@example.com")+">", got.MessageID)
	}
}

func TestConfirmByWebhook(t *testing.T) {
	const key = "notify-test-signing-key"
	var got []byte
	var headers http.Header
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		headers = r.Header.Clone()
		w.WriteHeader(http.StatusOK)
	}))
	defer hs.Close()
	st := storetest.SQLite(t)
	seedCustomers(t, st, hs.URL+"/orders")
	out, err := run(t, st, `{"channel": "webhook"}`, plugins.Input{Node: "confirm",
		Order: plugins.Order{ID: 7, Number: "SO-7", Data: orderData(t, "C-EN", "")}})
	require.NoError(t, err)
	require.Equal(t, hs.URL+"/orders", out.Detail["to"])
	w := outbox.NewWorker(st, map[string]outbox.Sender{outbox.Webhook: outbox.WebhookSender{Key: key, AllowPrivate: true}}, outbox.Options{})
	n, err := w.Pass(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, "sluice:SO-7:confirm:webhook", headers.Get(outbox.HeaderIdempotencyKey))
	require.Equal(t, outbox.Sign(key, headers.Get(outbox.HeaderTimestamp), got), headers.Get(outbox.HeaderSignature))
	var p WebhookPayload
	require.NoError(t, json.Unmarshal(got, &p))
	require.Equal(t, "order_confirmed", p.Event)
	require.Equal(t, "SO-7", p.Order.Number)
	require.Equal(t, "C-EN", p.Order.Customer)
	require.Equal(t, 7450.0, p.Order.Total)
	require.Len(t, p.Order.Lines, 2)
	require.Equal(t, "Order confirmed: SO-7", p.Subject)
}

// Without a customers row the form's email field, or the demo form's customer.contact,
// is the address; with none at all the plugin raises an address exception.
func TestRecipientFallbacks(t *testing.T) {
	st := storetest.SQLite(t)
	seedCustomers(t, st, "")
	var demo map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{"customer": {"name": "高雄順達五金行", "tier": "standard", "contact": "shunda.hw@example.com"}, "items": []}`), &demo))
	for name, tc := range map[string]struct {
		data    map[string]any
		channel string
		to      string // "" = address failure
	}{
		"customers row":          {orderData(t, "C-TW", ""), "email", "tw@example.com"},
		"unknown code, email":    {orderData(t, "C-GONE", `, "email": "form@example.com"`), "email", "form@example.com"},
		"row without email":      {orderData(t, "C-NONE", `, "email": "form@example.com"`), "email", "form@example.com"},
		"demo customer.contact":  {demo, "email", "shunda.hw@example.com"},
		"no address":             {orderData(t, "C-NONE", ""), "email", ""},
		"no webhook url":         {orderData(t, "C-TW", ""), "webhook", ""},
		"unknown code, no email": {orderData(t, "C-GONE", ""), "email", ""},
	} {
		out, err := run(t, st, `{"channel": "`+tc.channel+`"}`, plugins.Input{Node: "confirm",
			Order: plugins.Order{ID: 1, Number: "SO-" + name, Data: tc.data}})
		if tc.to == "" {
			var f *plugins.Failure
			require.True(t, errors.As(err, &f), "%s: %v", name, err)
			require.Equal(t, "address", f.Reason, name)
			continue
		}
		require.NoError(t, err, name)
		require.Equal(t, tc.to, out.Detail["to"], name)
	}
	// the failures wrote nothing
	n, err := st.Read.OutboxMessage.Query().Count(ctx)
	require.NoError(t, err)
	require.Equal(t, 4, n)
}

// A dry run returns the rendered message and writes nothing.
func TestDryRun(t *testing.T) {
	st := storetest.SQLite(t)
	seedCustomers(t, st, "")
	p, _ := plugins.Get(Name)
	out, err := plugins.RunWith(ctx, p, json.RawMessage(`{"channel": "email"}`), plugins.Input{Node: "confirm", DryRun: true, Ports: pluginhost.Ports(st.Read, true),
		Order: plugins.Order{Number: "SO-9", Data: orderData(t, "C-TW", "")}})
	require.NoError(t, err)
	require.Equal(t, true, out.Detail["dry_run"])
	require.Equal(t, "tw@example.com", out.Detail["to"])
	require.Equal(t, "訂單確認：SO-9", out.Detail["subject"])
	require.Contains(t, out.Detail["body"], "深溝滾珠軸承 6204")
	n, err := st.Read.OutboxMessage.Query().Count(ctx)
	require.NoError(t, err)
	require.Zero(t, n)

	// no database at all (simulating a flow file): still renders
	out, err = plugins.RunWith(ctx, p, json.RawMessage(`{"channel": "email"}`), plugins.Input{Node: "confirm", DryRun: true,
		Order: plugins.Order{Number: "SO-9", Data: orderData(t, "C-TW", `, "email": "x@example.com"`)}})
	require.NoError(t, err)
	require.Equal(t, "x@example.com", out.Detail["to"])
}

// Passing the node again (after a return) is a new message with its own key.
func TestKeysPerPass(t *testing.T) {
	st := storetest.SQLite(t)
	seedCustomers(t, st, "")
	var keys []string
	for range 3 {
		out, err := run(t, st, `{"channel": "email"}`, plugins.Input{Node: "confirm",
			Order: plugins.Order{ID: 5, Number: "SO-5", Data: orderData(t, "C-TW", "")}})
		require.NoError(t, err)
		keys = append(keys, out.Detail["key"].(string))
	}
	require.Equal(t, []string{"sluice:SO-5:confirm:email", "sluice:SO-5:confirm:email:2", "sluice:SO-5:confirm:email:3"}, keys)
}

func TestSettingsErrors(t *testing.T) {
	p, _ := plugins.Get(Name)
	_, err := plugins.RunWith(ctx, p, json.RawMessage(`{"channel": "fax"}`), plugins.Input{DryRun: true})
	require.Error(t, err)
	_, err = plugins.RunWith(ctx, p, json.RawMessage(`{"channel": "email", "template": "no_such"}`), plugins.Input{DryRun: true,
		Order: plugins.Order{Data: map[string]any{"email": "a@example.com"}}})
	require.ErrorContains(t, err, "no message template")
}

func TestMoney(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 85: "85", 4450: "4,450", 1234567.5: "1,234,567.50", -1000: "-1,000"} {
		require.Equal(t, want, money(in))
	}
}
