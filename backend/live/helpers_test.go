package live_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sluice/backend/api"
	"sluice/backend/app"
	"sluice/backend/ent"
	"sluice/backend/ent/event"
	"sluice/backend/live"
	"sluice/backend/store"
	_ "sluice/plugins/all"
)

// env is one Sluice instance: service, hub and HTTP server over a store.
type env struct {
	t   testing.TB
	s   *store.Store
	svc *app.Service
	hub *live.Hub
	srv *httptest.Server
}

// start serves the demo set with a hub; seed=false for a second instance on the same
// database.
func start(t testing.TB, s *store.Store, opt live.Options, seed bool) *env {
	t.Helper()
	ctx := context.Background()
	svc, err := app.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if seed {
		if _, _, err := svc.EnsureAdmin(ctx, "admin-pass-123"); err != nil {
			t.Fatal(err)
		}
		if err := svc.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		if err := svc.Authz.Reload(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if opt.PollInterval == 0 {
		opt.PollInterval = time.Hour // tests prove the wake-ups, not the safety-net poll
	}
	hub := live.New(svc.Service, opt)
	if err := hub.Start(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := api.New(svc, api.Options{Live: hub})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(func() {
		hub.Close()
		srv.Close()
	})
	return &env{t: t, s: s, svc: svc, hub: hub, srv: srv}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(method, path, token string, body any, hdr ...string) resp {
	e.t.Helper()
	return doHTTP(e.t, e.srv.URL, method, path, token, body, hdr...)
}

func doHTTP(t testing.TB, base, method, path, token string, body any, hdr ...string) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

func (r resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %d %s: %v", r.status, r.body, err)
	}
}

func login(t testing.TB, base, user string) string {
	t.Helper()
	pw := app.DemoPassword
	if user == "admin" {
		pw = "admin-pass-123"
	}
	r := doHTTP(t, base, "POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": pw})
	if r.status != 200 {
		t.Fatalf("login %s: %d %s", user, r.status, r.body)
	}
	var out struct{ Token string }
	r.json(t, &out)
	return out.Token
}

func (e *env) login(user string) string { e.t.Helper(); return login(e.t, e.srv.URL, user) }

func wsURL(base, query string) string {
	return "ws" + strings.TrimPrefix(base, "http") + "/api/v1/live" + query
}

// wsc is a client socket whose reads run in one goroutine (started by the first read),
// so a read that times out leaves the socket usable (gorilla's are not after a timeout).
type wsc struct {
	*websocket.Conn
	once sync.Once
	in   chan result
}

type result struct {
	m   msg
	err error
}

var errTimeout = errors.New("timeout: nothing arrived")

func (w *wsc) start() {
	w.once.Do(func() {
		w.in = make(chan result, 4096)
		go func() {
			for {
				_, b, err := w.Conn.ReadMessage()
				if err != nil {
					w.in <- result{err: err}
					close(w.in)
					return
				}
				m, err := decodeMsg(b)
				w.in <- result{m, err}
			}
		}()
	})
}

func (w *wsc) read(d time.Duration) (msg, error) {
	w.start()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case r, ok := <-w.in:
		if !ok {
			return msg{}, errors.New("read after the socket ended")
		}
		return r.m, r.err
	case <-t.C:
		return msg{}, errTimeout
	}
}

// dial opens a socket with a bearer token (or none) and extra headers.
func dial(base, token, query string, hdr ...string) (*wsc, *http.Response, error) {
	return dialWith(websocket.Dialer{HandshakeTimeout: 5 * time.Second}, base, token, query, hdr...)
}

func dialWith(d websocket.Dialer, base, token, query string, hdr ...string) (*wsc, *http.Response, error) {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	c, res, err := d.Dial(wsURL(base, query), h)
	if err != nil {
		return nil, res, err
	}
	return &wsc{Conn: c}, res, nil
}

func (e *env) dial(token, query string, hdr ...string) *wsc {
	e.t.Helper()
	return mustDial(e.t, e.srv.URL, token, query, hdr...)
}

func mustDial(t testing.TB, base, token, query string, hdr ...string) *wsc {
	t.Helper()
	c, res, err := dial(base, token, query, hdr...)
	if err != nil {
		var body []byte
		if res != nil {
			body, _ = io.ReadAll(res.Body)
		}
		t.Fatalf("dial %s: %v %s", query, err, body)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// msg is any server message.
type msg struct {
	Seq   int64     `json:"seq"`
	Type  string    `json:"type"`
	Topic string    `json:"topic"`
	At    time.Time `json:"at"`
	// Committed is set on live deliveries only.
	Committed *time.Time     `json:"committed_at"`
	Data      map[string]any `json:"data"`
}

// decodeMsg decodes a server message; the data of big ones (the slow-client test's
// padding) is skipped, which spares the race detector megabytes of JSON.
func decodeMsg(b []byte) (msg, error) {
	var raw struct {
		msg
		Seq   *int64          `json:"seq"`
		Topic *string         `json:"topic"`
		Data  json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return msg{}, fmt.Errorf("decode %.200s: %w", b, err)
	}
	// The documented contract (openapi.json, GET /live): only events carry seq (and a
	// topic, and a type with a dot); control messages are {type, data}, of four types.
	if raw.Seq != nil {
		if *raw.Seq < 1 || raw.Topic == nil || !strings.Contains(raw.Type, ".") {
			return msg{}, fmt.Errorf("an event without its seq, topic or dotted type: %.200s", b)
		}
	} else if raw.Topic != nil || !slices.Contains([]string{"subscribed", "unsubscribed", "resync", "error"}, raw.Type) {
		return msg{}, fmt.Errorf("a message without seq that is not a control message: %.200s", b)
	}
	m := raw.msg
	if raw.Seq != nil {
		m.Seq, m.Topic = *raw.Seq, *raw.Topic
	}
	if len(raw.Data) > 0 && len(raw.Data) < 16<<10 {
		if err := json.Unmarshal(raw.Data, &m.Data); err != nil {
			return msg{}, fmt.Errorf("decode data %.200s: %w", raw.Data, err)
		}
	}
	return m, nil
}

func next(t testing.TB, c *wsc) msg {
	t.Helper()
	m, err := c.read(10 * time.Second)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return m
}

// expectType reads the next message, which must be of type typ.
func expectType(t testing.TB, c *wsc, typ string) msg {
	t.Helper()
	m := next(t, c)
	if m.Type != typ {
		t.Fatalf("got %+v, want a %q message", m, typ)
	}
	return m
}

// events reads until n events (seq > 0) arrived, failing on control messages other
// than those in allow.
func events(t testing.TB, c *wsc, n int, allow ...string) []msg {
	t.Helper()
	var out []msg
	for len(out) < n {
		m, err := c.read(10 * time.Second)
		if err != nil {
			t.Fatalf("read after %d of %d events: %v", len(out), n, err)
		}
		if m.Seq == 0 {
			if !slices.Contains(allow, m.Type) {
				t.Fatalf("unexpected control message %+v", m)
			}
			continue
		}
		out = append(out, m)
	}
	return out
}

// quiet checks nothing arrives for d.
func quiet(t testing.TB, c *wsc, d time.Duration) {
	t.Helper()
	if m, err := c.read(d); err != errTimeout {
		t.Fatalf("expected silence, got %+v %v", m, err)
	}
}

func closeCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}

// waitClosed reads until the socket closes and returns the close code.
func waitClosed(t testing.TB, c *wsc, d time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		_, err := c.read(time.Until(deadline))
		if err != nil {
			if code := closeCode(err); code != -1 {
				return code
			}
			t.Fatalf("socket did not close with a code: %v", err)
		}
	}
}

// emit appends events through the journal, one transaction per call, as a state
// change does.
func emit(t testing.TB, s *store.Store, topic string, data map[string]any, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	var seqs []int64
	err := s.Tx(ctx, func(tx *ent.Tx) error {
		j, err := store.Begin(ctx, tx, "test")
		if err != nil {
			return err
		}
		for range n {
			if _, err := j.Event(ctx, "test.event", topic, data); err != nil {
				return err
			}
		}
		if err := j.Close(ctx); err != nil {
			return err
		}
		seqs = j.EventSeqs()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return seqs
}

// stored lists the seqs of the events of topics with seq > after, from the table.
func stored(t testing.TB, s *store.Store, after int64, topics ...string) []int64 {
	t.Helper()
	rows, err := s.Read.Event.Query().Where(event.SeqGT(after), event.TopicIn(topics...)).Order(ent.Asc(event.FieldSeq)).All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.Seq
	}
	return out
}

func seqs(ms []msg) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.Seq
	}
	return out
}

func position(t testing.TB, s *store.Store) int64 {
	t.Helper()
	_, e, err := s.Heads(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return e
}
