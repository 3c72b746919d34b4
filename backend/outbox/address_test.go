package outbox_test

import (
	"errors"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"sluice/backend/outbox"
	"sluice/backend/store/storetest"
)

func TestPublicAddr(t *testing.T) {
	for addr, public := range map[string]bool{
		"127.0.0.1": false, "127.8.9.10": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false,
		"172.31.255.255": false, "192.168.1.1": false, "169.254.169.254": false, "169.254.1.1": false,
		"fe80::1": false, "fc00::1": false, "fd00:ec2::254": false, "0.0.0.0": false, "::": false,
		"100.64.0.1": false, "224.0.0.1": false, "255.255.255.255": false, "::ffff:127.0.0.1": false,
		"::ffff:169.254.169.254": false, "64:ff9b::7f00:1": false, "198.18.0.1": false,
		"8.8.8.8": true, "1.1.1.1": true, "172.32.0.1": true, "2606:4700:4700::1111": true, "::ffff:8.8.8.8": true,
	} {
		require.Equal(t, public, outbox.PublicAddr(netip.MustParseAddr(addr)), addr)
	}
}

func TestCheckWebhookURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://shop.example.com/hooks/sluice":   true,
		"http://203.0.114.7:8080/h":               true,
		"https://[2606:4700::1]/h":                true,
		"http://127.0.0.1:9000/":                  false,
		"http://localhost/":                       false,
		"http://LOCALHOST./":                      false,
		"http://api.localhost/":                   false,
		"http://[::1]/":                           false,
		"http://169.254.169.254/latest/meta-data": false,
		"http://metadata.google.internal/":        false,
		"http://10.0.0.5/":                        false,
		"http://[::ffff:10.0.0.5]/":               false,
		"http://2130706433/":                      false, // 127.0.0.1 as one number
		"http://0x7f000001/":                      false,
		"ftp://shop.example.com/":                 false,
		"not a url":                               false,
	} {
		err := outbox.CheckWebhookURL(raw, false)
		require.Equal(t, ok, err == nil, "%s: %v", raw, err)
		if err != nil {
			var ue *outbox.URLError
			require.ErrorAs(t, err, &ue, raw)
			require.NotEmpty(t, ue.Code, raw)
		}
	}
	// each refusal names its reason by a stable code, and a private one stays ErrPrivateAddress
	for raw, code := range map[string]string{
		"ftp://shop.example.com/": "webhook_url.not_http", "http://10.0.0.5/": "webhook_url.private",
		"http://localhost/": "webhook_url.private", "http://0x7f000001/": "webhook_url.address_like",
	} {
		var ue *outbox.URLError
		err := outbox.CheckWebhookURL(raw, false)
		require.ErrorAs(t, err, &ue, raw)
		require.Equal(t, code, ue.Code, raw)
		require.Equal(t, code == "webhook_url.private", errors.Is(err, outbox.ErrPrivateAddress), raw)
	}
	// the opt-in lets private addresses through, never a non-URL
	require.NoError(t, outbox.CheckWebhookURL("http://127.0.0.1:9000/", true))
	require.Error(t, outbox.CheckWebhookURL("ftp://127.0.0.1/", true))
}

// At send time the dialer refuses a private destination after resolving it, whether
// the URL names it by address or by a name (localhost resolves to loopback), and the
// message goes dead at once with the reason; the opt-in delivers.
func TestWebhookRefusesPrivateAddressesWhenSending(t *testing.T) {
	rc := &receiver{}
	hs := httptest.NewServer(rc)
	defer hs.Close()
	port := hs.URL[strings.LastIndex(hs.URL, ":"):]
	for _, url := range []string{hs.URL + "/hook", "http://localhost" + port + "/hook"} {
		t.Run(url, func(t *testing.T) {
			st := storetest.SQLite(t)
			m := enqueue(t, st, outbox.Message{Key: "k-" + url, Channel: outbox.Webhook, Recipient: url, Body: `{}`})
			w := outbox.NewWorker(st, map[string]outbox.Sender{outbox.Webhook: outbox.WebhookSender{Key: signingKey}}, outbox.Options{})
			_, err := w.Pass(ctx)
			require.NoError(t, err)
			after := get(t, st, m.ID)
			require.Equal(t, outbox.Dead, after.Status, after.LastError)
			require.Contains(t, after.LastError, "private, loopback")
			require.NotContains(t, rc.got(), "k-"+url)

			m2 := enqueue(t, st, outbox.Message{Key: "ok-" + url, Channel: outbox.Webhook, Recipient: url, Body: `{}`})
			_, err = webhookWorker(st, outbox.Options{}).Pass(ctx) // AllowPrivate: true
			require.NoError(t, err)
			require.Equal(t, outbox.Sent, get(t, st, m2.ID).Status)
		})
	}
}
