package outbox_test

import (
	"context"
	"crypto/hmac"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"sluice/backend/ent"
	"sluice/backend/ent/outboxmessage"
	"sluice/backend/outbox"
	"sluice/backend/outbox/outboxtest"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

var ctx = context.Background()

const signingKey = "test-signing-key-0123456789"

// clock is a settable time source for the worker.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func enqueue(t *testing.T, st *store.Store, m outbox.Message) *ent.OutboxMessage {
	t.Helper()
	var out *ent.OutboxMessage
	require.NoError(t, st.Tx(ctx, func(tx *ent.Tx) (err error) {
		out, err = outbox.Enqueue(ctx, tx.Client(), m)
		return err
	}))
	return out
}

func get(t *testing.T, st *store.Store, id int) *ent.OutboxMessage {
	t.Helper()
	m, err := st.Read.OutboxMessage.Get(ctx, id)
	require.NoError(t, err)
	return m
}

func TestEmailOverSMTP(t *testing.T) {
	st := storetest.SQLite(t)
	srv := outboxtest.NewSMTP(t)
	m := enqueue(t, st, outbox.Message{Key: "sluice:SO-1:confirm:email", Channel: outbox.Email, Recipient: "buyer@example.com",
		Subject: "訂單確認：SO-1", Body: "您的訂單 SO-1 已確認。\n深溝滾珠軸承 × 50\n"})
	w := outbox.NewWorker(st, map[string]outbox.Sender{outbox.Email: outbox.EmailSender{C: outbox.SMTP{
		Host: srv.Host, Port: srv.Port, From: "Sluice <orders@example.com>", TLS: outbox.TLSNone}}}, outbox.Options{})
	n, err := w.Pass(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	mails := srv.Mails()
	require.Len(t, mails, 1)
	got := mails[0]
	require.Equal(t, []string{"buyer@example.com"}, got.To)
	require.Equal(t, "orders@example.com", got.From)
	require.Equal(t, "訂單確認：SO-1", got.Subject)
	require.Contains(t, got.Body, "深溝滾珠軸承 × 50")
	require.Equal(t, "<"+outbox.MessageID(m.Key, "orders@example.com")+">", got.MessageID)
	require.True(t, strings.HasSuffix(got.MessageID, "@example.com>"))

	after := get(t, st, m.ID)
	require.Equal(t, outbox.Sent, after.Status)
	require.Equal(t, 1, after.Attempts)
	require.NotNil(t, after.SentAt)
	require.Empty(t, after.ClaimedBy)
}

// With no SMTP host the message stays pending, visibly, without spending attempts.
func TestEmailNotConfigured(t *testing.T) {
	st := storetest.SQLite(t)
	m := enqueue(t, st, outbox.Message{Key: "k1", Channel: outbox.Email, Recipient: "buyer@example.com", Subject: "s", Body: "b"})
	w := outbox.NewWorker(st, map[string]outbox.Sender{outbox.Email: outbox.EmailSender{}}, outbox.Options{})
	n, err := w.Pass(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	after := get(t, st, m.ID)
	require.Equal(t, outbox.Pending, after.Status)
	require.Zero(t, after.Attempts)
	require.Equal(t, "smtp not configured", after.LastError)
	require.True(t, after.NextAt.After(time.Now()), "it waits before the next look")
}

// receiver is a webhook endpoint that checks the signature and records what it got.
type receiver struct {
	mu       sync.Mutex
	keys     []string
	status   atomic.Int32 // answer; 0 = 204
	bad      atomic.Int32 // requests with a wrong signature
	inFlight sync.Map     // key -> *atomic.Int32
	overlap  atomic.Int32 // the same key delivered concurrently
	delay    time.Duration
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts := r.Header.Get(outbox.HeaderTimestamp)
	want := outbox.Sign(signingKey, ts, body)
	if !hmac.Equal([]byte(want), []byte(r.Header.Get(outbox.HeaderSignature))) || ts == "" ||
		r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		rc.bad.Add(1)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	key := r.Header.Get(outbox.HeaderIdempotencyKey)
	v, _ := rc.inFlight.LoadOrStore(key, new(atomic.Int32))
	if v.(*atomic.Int32).Add(1) > 1 {
		rc.overlap.Add(1)
	}
	defer v.(*atomic.Int32).Add(-1)
	time.Sleep(rc.delay)
	if s := rc.status.Load(); s != 0 {
		http.Error(w, "nope", int(s))
		return
	}
	rc.mu.Lock()
	rc.keys = append(rc.keys, key)
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) got() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.keys...)
}

func webhookWorker(st *store.Store, o outbox.Options) *outbox.Worker {
	return outbox.NewWorker(st, map[string]outbox.Sender{outbox.Webhook: outbox.WebhookSender{Key: signingKey, AllowPrivate: true}}, o)
}

func TestWebhookSigned(t *testing.T) {
	st := storetest.SQLite(t)
	rc := &receiver{}
	hs := httptest.NewServer(rc)
	defer hs.Close()
	m := enqueue(t, st, outbox.Message{Key: "sluice:SO-2:confirm:webhook", Channel: outbox.Webhook, Recipient: hs.URL + "/hook", Body: `{"order":"SO-2"}`})
	n, err := webhookWorker(st, outbox.Options{}).Pass(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, []string{m.Key}, rc.got())
	require.Zero(t, rc.bad.Load())
	require.Equal(t, outbox.Sent, get(t, st, m.ID).Status)

	// A forged signature is told apart: the receiver's check is real.
	require.NotEqual(t, outbox.Sign("other-key", "1", []byte("x")), outbox.Sign(signingKey, "1", []byte("x")))
	require.Equal(t, "sha256=", outbox.Sign(signingKey, "1", nil)[:7])
}

// Without a signing key nothing unsigned goes out: the message waits.
func TestWebhookWithoutKeyWaits(t *testing.T) {
	st := storetest.SQLite(t)
	m := enqueue(t, st, outbox.Message{Key: "k", Channel: outbox.Webhook, Recipient: "http://127.0.0.1:1/", Body: `{}`})
	w := outbox.NewWorker(st, map[string]outbox.Sender{outbox.Webhook: outbox.WebhookSender{}}, outbox.Options{})
	_, err := w.Pass(ctx)
	require.NoError(t, err)
	after := get(t, st, m.ID)
	require.Equal(t, outbox.Pending, after.Status)
	require.Equal(t, "webhook signing key not configured", after.LastError)
	require.Zero(t, after.Attempts)
}

// Failures are retried after exponentially growing, jittered delays, then the message
// is dead; Retry brings it back and it goes out.
func TestBackoffThenDeadThenRetry(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		rc := &receiver{}
		rc.status.Store(http.StatusServiceUnavailable)
		hs := httptest.NewServer(rc)
		defer hs.Close()
		clk := &clock{t: time.Now().Add(time.Second)}
		w := webhookWorker(st, outbox.Options{Now: clk.Now, Backoff: time.Minute, MaxBackoff: 10 * time.Minute, Rand: mrand.New(mrand.NewPCG(1, 2))})
		m := enqueue(t, st, outbox.Message{Key: "retry-me", Channel: outbox.Webhook, Recipient: hs.URL, Body: `{}`, MaxAttempts: 4})

		for attempt, base := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
			n, err := w.Pass(ctx)
			require.NoError(t, err)
			require.Zero(t, n)
			cur := get(t, st, m.ID)
			require.Equal(t, outbox.Pending, cur.Status)
			require.Equal(t, attempt+1, cur.Attempts)
			require.Contains(t, cur.LastError, "503")
			wait := cur.NextAt.Sub(clk.Now())
			require.GreaterOrEqual(t, wait, base/2, "attempt %d", attempt+1)
			require.LessOrEqual(t, wait, base, "attempt %d", attempt+1)
			// not due yet: a pass leaves it alone
			n, err = w.Pass(ctx)
			require.NoError(t, err)
			require.Equal(t, attempt+1, get(t, st, m.ID).Attempts)
			clk.Add(wait)
		}
		_, err := w.Pass(ctx)
		require.NoError(t, err)
		dead := get(t, st, m.ID)
		require.Equal(t, outbox.Dead, dead.Status)
		require.Equal(t, 4, dead.Attempts)
		require.Contains(t, dead.LastError, "503")

		_, err = outbox.Retry(ctx, st.Client, 999999)
		require.True(t, ent.IsNotFound(err))
		var back *ent.OutboxMessage
		require.NoError(t, st.Tx(ctx, func(tx *ent.Tx) (err error) { back, err = outbox.Retry(ctx, tx.Client(), m.ID); return }))
		require.Equal(t, outbox.Pending, back.Status)
		require.Zero(t, back.Attempts)
		_, err = outbox.Retry(ctx, st.Client, m.ID)
		require.ErrorIs(t, err, outbox.ErrNotDead)

		rc.status.Store(0)
		clk.Add(time.Second)
		n, err := w.Pass(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Equal(t, outbox.Sent, get(t, st, m.ID).Status)
		require.Equal(t, []string{"retry-me"}, rc.got())
	})
}

// A 4xx other than 408/425/429 will not change on retry: dead at once.
func TestPermanentFailure(t *testing.T) {
	st := storetest.SQLite(t)
	rc := &receiver{}
	rc.status.Store(http.StatusGone)
	hs := httptest.NewServer(rc)
	defer hs.Close()
	m := enqueue(t, st, outbox.Message{Key: "gone", Channel: outbox.Webhook, Recipient: hs.URL, Body: `{}`})
	bad := enqueue(t, st, outbox.Message{Key: "not-a-url", Channel: outbox.Webhook, Recipient: "ftp://x", Body: `{}`})
	_, err := webhookWorker(st, outbox.Options{}).Pass(ctx)
	require.NoError(t, err)
	for _, id := range []int{m.ID, bad.ID} {
		got := get(t, st, id)
		require.Equal(t, outbox.Dead, got.Status, got.Key)
		require.Equal(t, 1, got.Attempts)
	}
}

func TestRolledBackTransactionLeavesNoMessage(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		boom := errors.New("transition refused")
		err := st.Tx(ctx, func(tx *ent.Tx) error {
			if _, err := outbox.Enqueue(ctx, tx.Client(), outbox.Message{Key: "never", Channel: outbox.Email, Recipient: "a@example.com"}); err != nil {
				return err
			}
			return boom
		})
		require.ErrorIs(t, err, boom)
		n, err := st.Read.OutboxMessage.Query().Count(ctx)
		require.NoError(t, err)
		require.Zero(t, n)
	})
}

func TestEnqueueRefusesBadMessages(t *testing.T) {
	st := storetest.SQLite(t)
	for name, m := range map[string]outbox.Message{
		"no key":       {Channel: outbox.Email, Recipient: "a@example.com"},
		"bad channel":  {Key: "k", Channel: "sms", Recipient: "a@example.com"},
		"no recipient": {Key: "k", Channel: outbox.Email},
	} {
		_, err := outbox.Enqueue(ctx, st.Client, m)
		require.ErrorIs(t, err, outbox.ErrInvalid, name)
	}
	enqueue(t, st, outbox.Message{Key: "dup", Channel: outbox.Email, Recipient: "a@example.com"})
	_, err := outbox.Enqueue(ctx, st.Client, outbox.Message{Key: "dup", Channel: outbox.Email, Recipient: "a@example.com"})
	require.True(t, ent.IsConstraintError(err), "the key is unique: %v", err)
}

// Two workers on one database share the messages and never deliver one twice, nor
// one at the same time as the other.
func TestTwoWorkersDeliverEachOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		rc := &receiver{delay: 5 * time.Millisecond}
		hs := httptest.NewServer(rc)
		defer hs.Close()
		const total = 40
		for i := range total {
			enqueue(t, st, outbox.Message{Key: fmt.Sprintf("m-%02d", i), Channel: outbox.Webhook, Recipient: hs.URL, Body: `{}`})
		}
		var wg sync.WaitGroup
		sent := make([]int, 2)
		for i := range 2 {
			w := webhookWorker(st, outbox.Options{Batch: 3, Owner: fmt.Sprintf("w%d", i)})
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 5 {
					n, err := w.Pass(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					sent[i] += n
				}
			}()
		}
		wg.Wait()
		got := rc.got()
		require.Len(t, got, total)
		seen := map[string]bool{}
		for _, k := range got {
			require.False(t, seen[k], "delivered twice: %s", k)
			seen[k] = true
		}
		require.Zero(t, rc.overlap.Load())
		require.Equal(t, total, sent[0]+sent[1])
		n, err := st.Read.OutboxMessage.Query().Where(outboxmessage.Status(outbox.Sent)).Count(ctx)
		require.NoError(t, err)
		require.Equal(t, total, n)
	})
}

// Stop runs a final pass: what is due when the server stops still goes out.
func TestStopFlushes(t *testing.T) {
	st := storetest.SQLite(t)
	rc := &receiver{}
	hs := httptest.NewServer(rc)
	defer hs.Close()
	w := webhookWorker(st, outbox.Options{Every: time.Hour})
	w.Start(ctx)
	time.Sleep(20 * time.Millisecond) // the first pass ran empty
	m := enqueue(t, st, outbox.Message{Key: "last-words", Channel: outbox.Webhook, Recipient: hs.URL, Body: `{}`})
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	require.NoError(t, w.Stop(sctx))
	require.Equal(t, outbox.Sent, get(t, st, m.ID).Status)
}

// A lease that ran out lets another worker take the message (the first one crashed).
func TestExpiredLeaseIsTakenOver(t *testing.T) {
	st := storetest.SQLite(t)
	clk := &clock{t: time.Now().Add(time.Second)}
	a := webhookWorker(st, outbox.Options{Now: clk.Now, Lease: time.Minute, Owner: "a"})
	b := webhookWorker(st, outbox.Options{Now: clk.Now, Lease: time.Minute, Owner: "b"})
	m := enqueue(t, st, outbox.Message{Key: "k", Channel: outbox.Webhook, Recipient: "http://127.0.0.1:1/", Body: `{}`})
	got, err := a.Claim(ctx, clk.Now(), 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	got, err = b.Claim(ctx, clk.Now(), 10)
	require.NoError(t, err)
	require.Empty(t, got, "held by a")
	clk.Add(2 * time.Minute)
	got, err = b.Claim(ctx, clk.Now(), 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, m.ID, got[0].ID)
	require.Equal(t, "b", got[0].ClaimedBy)
}

// heldSender blocks each send until release closes; started says a send began.
type heldSender struct{ started, release chan struct{} }

func (h heldSender) Send(ctx context.Context, _ *ent.OutboxMessage) error {
	close(h.started)
	select {
	case <-h.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type failingSender struct{}

func (failingSender) Send(context.Context, *ent.OutboxMessage) error { return errors.New("b failed") }

// A worker whose delivery outlived its lease, while another worker took the message
// over, records nothing: the message's state is the other worker's (store.Leased.Held).
func TestStaleWorkerRecordsNothing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		clk := &clock{t: time.Now().Add(time.Second)}
		slow := heldSender{started: make(chan struct{}), release: make(chan struct{})}
		a := outbox.NewWorker(st, map[string]outbox.Sender{outbox.Webhook: slow}, outbox.Options{Now: clk.Now, Lease: time.Minute, Owner: "a"})
		b := outbox.NewWorker(st, map[string]outbox.Sender{outbox.Webhook: failingSender{}}, outbox.Options{Now: clk.Now, Lease: time.Minute, Owner: "b"})
		m := enqueue(t, st, outbox.Message{Key: "k", Channel: outbox.Webhook, Recipient: "http://127.0.0.1:1/", Body: `{}`})
		aDone := make(chan error, 1)
		go func() { _, err := a.Pass(ctx); aDone <- err }()
		<-slow.started
		clk.Add(2 * time.Minute) // a's lease runs out mid-send
		n, err := b.Pass(ctx)
		require.NoError(t, err)
		require.Zero(t, n)
		close(slow.release) // a's send now succeeds, too late
		require.NoError(t, <-aDone)
		got := get(t, st, m.ID)
		require.Equal(t, outbox.Pending, got.Status, "the stale worker recorded its delivery")
		require.Equal(t, 1, got.Attempts)
		require.Equal(t, "b failed", got.LastError)
		require.Empty(t, got.ClaimedBy)
	})
}

// The worker counts deliveries by channel and result; the backlog is read from the
// database at scrape time.
func TestMetrics(t *testing.T) {
	st := storetest.SQLite(t)
	rc := &receiver{}
	hs := httptest.NewServer(rc)
	defer hs.Close()
	m := outbox.NewMetrics(st)
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	enqueue(t, st, outbox.Message{Key: "ok", Channel: outbox.Webhook, Recipient: hs.URL, Body: `{}`})
	enqueue(t, st, outbox.Message{Key: "bad", Channel: outbox.Webhook, Recipient: "ftp://nowhere", Body: `{}`})
	enqueue(t, st, outbox.Message{Key: "mail", Channel: outbox.Email, Recipient: "a@example.com"})
	w := outbox.NewWorker(st, map[string]outbox.Sender{outbox.Webhook: outbox.WebhookSender{Key: signingKey, AllowPrivate: true}, outbox.Email: outbox.EmailSender{}},
		outbox.Options{Metrics: m})
	_, err := w.Pass(ctx)
	require.NoError(t, err)
	mfs, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			name := mf.GetName()
			for _, l := range mt.GetLabel() {
				name += "," + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case mt.Counter != nil:
				got[name] = mt.Counter.GetValue()
			case mt.Gauge != nil:
				got[name] = mt.Gauge.GetValue()
			case mt.Histogram != nil:
				got[name] = float64(mt.Histogram.GetSampleCount())
			}
		}
	}
	for series, want := range map[string]float64{
		"sluice_outbox_deliveries_total,channel=email,result=unconfigured": 1,
		"sluice_outbox_deliveries_total,channel=webhook,result=dead":       1,
		"sluice_outbox_deliveries_total,channel=webhook,result=sent":       1,
		"sluice_outbox_pending,channel=email":                              1,
		"sluice_outbox_pending,channel=webhook":                            0,
		"sluice_outbox_dead,channel=email":                                 0,
		"sluice_outbox_dead,channel=webhook":                               1,
		"sluice_outbox_delivery_lag_seconds,channel=webhook":               1,
		"sluice_outbox_delivery_duration_seconds,channel=webhook":          2,
	} {
		v, ok := got[series]
		require.True(t, ok, "missing %s in %v", series, got)
		require.Equal(t, want, v, series)
	}
	require.Greater(t, got["sluice_outbox_oldest_pending_age_seconds"], 0.0)
}

// The TLS modes: starttls upgrades a plain connection (and refuses a server that does
// not offer it), tls speaks TLS from the start, none stays plain.
func TestEmailTLSModes(t *testing.T) {
	for _, tc := range []struct {
		server, mode string
		sent, tls    bool
	}{
		{"starttls", outbox.TLSStartTLS, true, true},
		{"tls", outbox.TLSImplicit, true, true},
		{"", outbox.TLSNone, true, false},
		{"", outbox.TLSStartTLS, false, false}, // the server offers no STARTTLS: never plain text
	} {
		t.Run(tc.server+"/"+tc.mode, func(t *testing.T) {
			st := storetest.SQLite(t)
			var srv *outboxtest.SMTP
			var client *tls.Config
			if tc.server == "" {
				srv = outboxtest.NewSMTP(t)
			} else {
				srv, client = outboxtest.NewSMTPWithTLS(t, tc.server)
			}
			m := enqueue(t, st, outbox.Message{Key: "k", Channel: outbox.Email, Recipient: "buyer@example.com", Subject: "s", Body: "b"})
			w := outbox.NewWorker(st, map[string]outbox.Sender{outbox.Email: outbox.EmailSender{C: outbox.SMTP{
				Host: srv.Host, Port: srv.Port, From: "orders@example.com", TLS: tc.mode, TLSConfig: client, Timeout: 5 * time.Second}}}, outbox.Options{})
			n, err := w.Pass(ctx)
			require.NoError(t, err)
			if !tc.sent {
				require.Zero(t, n)
				got := get(t, st, m.ID)
				require.Equal(t, outbox.Pending, got.Status)
				require.Equal(t, 1, got.Attempts)
				require.NotEmpty(t, got.LastError)
				require.Empty(t, srv.Mails())
				return
			}
			require.Equal(t, 1, n)
			mails := srv.Mails()
			require.Len(t, mails, 1)
			require.Equal(t, tc.tls, mails[0].TLS)
		})
	}
}

// With smtp.username set the sender authenticates; a wrong password is a failed
// attempt (retried), not a silent drop.
func TestEmailAuth(t *testing.T) {
	srv, client := outboxtest.NewSMTPWithTLS(t, "starttls")
	srv.User, srv.Password = "orders", "s3cret"
	for _, tc := range []struct {
		password string
		sent     bool
	}{{"wrong", false}, {"s3cret", true}} {
		st := storetest.SQLite(t)
		m := enqueue(t, st, outbox.Message{Key: "k", Channel: outbox.Email, Recipient: "buyer@example.com", Subject: "s", Body: "b"})
		w := outbox.NewWorker(st, map[string]outbox.Sender{outbox.Email: outbox.EmailSender{C: outbox.SMTP{
			Host: srv.Host, Port: srv.Port, From: "orders@example.com", TLS: outbox.TLSStartTLS, TLSConfig: client,
			Username: "orders", Password: tc.password}}}, outbox.Options{})
		n, err := w.Pass(ctx)
		require.NoError(t, err)
		got := get(t, st, m.ID)
		if tc.sent {
			require.Equal(t, 1, n)
			require.Equal(t, outbox.Sent, got.Status)
			continue
		}
		require.Zero(t, n)
		require.Equal(t, outbox.Pending, got.Status)
		require.NotContains(t, got.LastError, tc.password, "the password never reaches the error")
	}
	require.Len(t, srv.Mails(), 1)
}
