package outbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"sluice/backend/ent"
)

// Sender delivers one message of a channel. It returns nil once the receiver has
// accepted it; an error wrapping ErrNotConfigured when the channel has no settings
// (the message waits, its attempts untouched); a Permanent error when trying again
// cannot help (the message goes dead at once); any other error is retried.
type Sender interface {
	Send(ctx context.Context, m *ent.OutboxMessage) error
}

// ErrNotConfigured marks a channel that has no settings yet.
var ErrNotConfigured = errors.New("not configured")

// permanent wraps an error that retrying cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as one that retrying cannot fix.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// TLS modes of the SMTP connection.
const (
	TLSNone     = "none"     // plain text (a relay on localhost)
	TLSStartTLS = "starttls" // plain connect, STARTTLS required
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
)

// SMTP are the mail server settings. With no Host, Send reports ErrNotConfigured.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	TLS      string // TLSNone, TLSStartTLS or TLSImplicit
	// Timeout bounds one delivery (connect to QUIT); default 30s.
	Timeout time.Duration
	// TLSConfig overrides the TLS client settings (tests trust their own CA).
	TLSConfig *tls.Config
}

// EmailSender sends email messages over SMTP as UTF-8 plain text.
type EmailSender struct{ C SMTP }

// Send delivers m by SMTP. The Message-ID is derived from the key, so a message
// delivered twice (at least once) is recognisably the same message.
func (e EmailSender) Send(ctx context.Context, m *ent.OutboxMessage) error {
	c := e.C
	if c.Host == "" {
		return fmt.Errorf("smtp %w", ErrNotConfigured)
	}
	if c.From == "" {
		return fmt.Errorf("smtp %w: no from address", ErrNotConfigured)
	}
	if _, err := mail.ParseAddress(m.Recipient); err != nil {
		return Permanent(fmt.Errorf("recipient %q is not an email address", m.Recipient))
	}
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.From(c.From); err != nil {
		return fmt.Errorf("smtp %w: from address: %v", ErrNotConfigured, err)
	}
	if err := msg.To(m.Recipient); err != nil {
		return Permanent(fmt.Errorf("recipient: %w", err))
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(MessageID(m.Key, c.From))
	msg.SetDate()
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)

	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(c.Port), gomail.WithTimeout(timeout)}
	switch c.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if c.TLSConfig != nil {
		tc := c.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = c.Host // the certificate is checked against the host we dial
		}
		opts = append(opts, gomail.WithTLSConfig(tc))
	}
	if c.Username != "" {
		// Offer whatever the server supports (PLAIN, LOGIN, CRAM-MD5, …).
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	client, err := gomail.NewClient(c.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.Reason == gomail.ErrSMTPRcptTo {
			// the server refused the address (5xx): another try gets the same answer
			return Permanent(err)
		}
		return err
	}
	return nil
}

// MessageID derives the email Message-ID (without angle brackets) from an idempotency
// key: hashed, because a key may hold characters a Message-ID may not, and on the
// sender's domain, as RFC 5322 recommends.
func MessageID(key, from string) string {
	sum := sha256.Sum256([]byte(key))
	domain := "sluice.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	return hex.EncodeToString(sum[:16]) + "@" + domain
}

// Webhook headers.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderTimestamp      = "X-Sluice-Timestamp"
	HeaderSignature      = "X-Sluice-Signature"
)

// WebhookSender posts webhook messages as JSON, signed with HMAC-SHA256.
type WebhookSender struct {
	// Key signs every request; with none, Send reports ErrNotConfigured (an unsigned
	// request would let anyone forge confirmations).
	Key string
	// AllowPrivate lets webhooks reach loopback, private and link-local addresses
	// (webhook.allow_private: tests, a demo on localhost); off, the default client
	// refuses them after DNS resolution (address.go).
	AllowPrivate bool
	Client       *http.Client // default: GuardedClient(AllowPrivate); one given is used as it is
	Now          func() time.Time
}

// Sign returns the X-Sluice-Signature value for body sent at timestamp ts (Unix
// seconds): "sha256=" and the hex HMAC-SHA256 of ts + "." + body. The timestamp is
// signed so a receiver can refuse old requests replayed by a third party.
func Sign(key string, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Send posts m's body to its recipient URL. A 2xx answer is delivery; 408, 425, 429
// and 5xx are retried; any other status is permanent.
func (w WebhookSender) Send(ctx context.Context, m *ent.OutboxMessage) error {
	if w.Key == "" {
		return fmt.Errorf("webhook signing key %w", ErrNotConfigured)
	}
	if !strings.HasPrefix(m.Recipient, "http://") && !strings.HasPrefix(m.Recipient, "https://") {
		return Permanent(fmt.Errorf("recipient %q is not an http(s) URL", m.Recipient))
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	hc := w.Client
	if hc == nil {
		hc = GuardedClient(w.AllowPrivate)
	}
	body := []byte(m.Body)
	h := http.Header{}
	for k, v := range m.Headers {
		h.Set(k, v)
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	h.Set(HeaderIdempotencyKey, m.Key)
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, Sign(w.Key, ts, body))
	_, err := Post(ctx, hc, m.Recipient, h, body)
	return err
}

// Post sends body as JSON to url with the given headers (which override the defaults)
// and returns the start of the answer's body. A 2xx answer is delivery; 408, 425, 429
// and 5xx are retried; any other status, or a refused private address, is permanent.
func Post(ctx context.Context, hc *http.Client, url string, h http.Header, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Sluice-Webhook/1")
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := hc.Do(req)
	if errors.Is(err, ErrPrivateAddress) {
		return nil, Permanent(err) // the address is a setting: fix it, then retry
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return snippet, nil
	}
	err = fmt.Errorf("webhook answered %s: %s", resp.Status, strings.TrimSpace(string(snippet)))
	switch {
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusRequestTimeout,
		resp.StatusCode == http.StatusTooEarly, resp.StatusCode == http.StatusTooManyRequests:
		return snippet, err
	}
	return snippet, Permanent(err)
}
