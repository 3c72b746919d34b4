//go:build unix

package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"sluice/backend/checkpoint"
	"sluice/backend/config"
	"sluice/backend/ent"
	"sluice/backend/ent/channel"
	"sluice/backend/ent/outboxmessage"
	"sluice/backend/inbound"
	"sluice/backend/lifecycle"
	"sluice/backend/outbox"
	"sluice/backend/outbox/outboxtest"
	"sluice/backend/seal"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

type served struct {
	addr    chan string
	ready   chan struct{}
	done    chan error
	cancel  context.CancelFunc
	release chan struct{} // lets /slow answer
	entered chan struct{} // /slow has started
	hooks   atomic.Int32
}

// startServe runs `sluice serve` in-process on a free port.
func startServe(t *testing.T, url string, args ...string) *served {
	t.Helper()
	s := &served{addr: make(chan string, 1), ready: make(chan struct{}), done: make(chan error, 1),
		release: make(chan struct{}), entered: make(chan struct{}, 1)}
	h := &serveHooks{
		listening: func(addr string) { s.addr <- addr },
		ready:     func() { close(s.ready) },
		wrap: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/slow" {
					s.entered <- struct{}{}
					<-s.release
					io.WriteString(w, "finished")
					return
				}
				next.ServeHTTP(w, r)
			})
		},
		lifecycle: func(l *lifecycle.Hooks) {
			l.OnShutdown("test-ws", func(ctx context.Context) error { s.hooks.Add(1); return nil })
			l.AfterDrain("test-outbox", func(ctx context.Context) error { s.hooks.Add(10); return nil })
		},
	}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), serveHooksKey{}, h))
	s.cancel = cancel
	t.Setenv("SLUICE_ADMIN_PASSWORD", "admin-pass-123")
	go func() {
		var out strings.Builder
		s.done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", url, "--log-format", "json"}, args...), io.Discard, &out)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
		}
	})
	return s
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// While migrations run (here: while another process holds the migration lock) the
// process is healthy but not ready; once they are done it is ready.
func TestReadinessWaitsForMigrations(t *testing.T) {
	url := storetest.SQLiteURL(t)
	lockPath := store.SQLitePath(url) + "-migrate.lock"
	os.MkdirAll(strings.TrimSuffix(lockPath, "/sluice.db-migrate.lock"), 0o755)
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, url)
	base := "http://" + <-s.addr
	if code, body := get(t, base+"/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("healthz while migrating: %d %s", code, body)
	}
	for _, p := range []string{"/readyz", "/api/v1/me"} {
		if code, body := get(t, base+p); code != 503 || !strings.Contains(body, "migrations running") {
			t.Fatalf("%s while migrating: %d %s", p, code, body)
		}
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	select {
	case <-s.ready:
	case err := <-s.done:
		t.Fatalf("serve ended: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("not ready 20s after the lock was released")
	}
	if code, body := get(t, base+"/readyz"); code != 200 || !strings.Contains(body, "ready") {
		t.Fatalf("readyz after migrating: %d %s", code, body)
	}
}

// SIGTERM (here: the context ending) stops accepting, lets the request in flight finish,
// runs the shutdown hooks, then returns cleanly.
func TestGracefulShutdown(t *testing.T) {
	s := startServe(t, storetest.SQLiteURL(t))
	addr := <-s.addr
	<-s.ready
	slow := make(chan string, 1)
	go func() {
		res, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			slow <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		slow <- string(b)
	}()
	<-s.entered
	s.cancel()
	// New connections are refused soon after the shutdown begins.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		res, err := c.Get("http://" + addr + "/healthz")
		if err != nil {
			break
		}
		res.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections 5s into the shutdown")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-s.done:
		t.Fatalf("serve returned (%v) while a request was in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	if got := s.hooks.Load(); got != 1 {
		t.Fatalf("hooks %d: the OnShutdown hook should have run, the AfterDrain one not yet", got)
	}
	close(s.release)
	if got := <-slow; got != "finished" {
		t.Fatalf("the request in flight got %q", got)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after the last request finished")
	}
	if got := s.hooks.Load(); got != 11 {
		t.Fatalf("hooks %d: both should have run", got)
	}
}

// The admin status endpoint answers holders of users.manage or audit.read only.
func TestServeAdminStatus(t *testing.T) {
	s := startServe(t, storetest.SQLiteURL(t), "--demo")
	base := "http://" + <-s.addr
	<-s.ready
	login := func(user, pw string) string {
		res, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"`+user+`","password":"`+pw+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct{ Token string }
		json.NewDecoder(res.Body).Decode(&out)
		if out.Token == "" {
			t.Fatalf("login %s: %d", user, res.StatusCode)
		}
		return out.Token
	}
	status := func(token string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", base+"/api/v1/admin/status", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	code, st := status(login("admin", "admin-pass-123"))
	db, _ := st["database"].(map[string]any)
	if code != 200 || db["dialect"] != "sqlite" || db["schema_version"] != float64(store.LatestVersion()) || st["build"] == nil {
		t.Fatalf("admin: %d %v", code, st)
	}
	if _, has := st["last_backup"]; !has {
		t.Fatalf("no last_backup field: %v", st)
	}
	if code, _ := status(login("clerk", "sluice-demo")); code != 403 {
		t.Fatalf("clerk: %d", code)
	}
}

// On shutdown the outbox makes a last pass after the requests drained: a message queued
// after the last regular pass still goes out before the process exits.
func TestServeFlushesOutboxOnShutdown(t *testing.T) {
	mail := outboxtest.NewSMTP(t)
	url := storetest.SQLiteURL(t)
	s := startServe(t, url, "--outbox-poll-interval", "1h", "--smtp-host", mail.Host, "--smtp-port", strconv.Itoa(mail.Port),
		"--smtp-tls", "none", "--smtp-from", "orders@example.com")
	<-s.addr
	<-s.ready
	st, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Tx(context.Background(), func(tx *ent.Tx) error {
		_, err := outbox.Enqueue(context.Background(), tx.Client(), outbox.Message{Key: "flush-me", Channel: outbox.Email,
			Recipient: "buyer@example.com", Subject: "訂單確認：SO-1", Body: "再見"})
		return err
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(mail.Mails()); n != 0 {
		t.Fatalf("%d mails before the shutdown (poll interval 1h)", n)
	}
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not return")
	}
	got := mail.Mails()
	if len(got) != 1 || got[0].Subject != "訂單確認：SO-1" || got[0].To[0] != "buyer@example.com" {
		t.Fatalf("mails after shutdown: %+v", got)
	}
}

// With SLUICE_SECRETS_KEY the server seals the demo channel's secret at start (the row no
// longer holds it) and still verifies the channel's webhooks with it.
func TestServeSealsChannelSecrets(t *testing.T) {
	t.Setenv("SLUICE_SECRETS_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	url := storetest.SQLiteURL(t)
	s := startServe(t, url, "--demo")
	base := "http://" + <-s.addr
	<-s.ready
	st, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.Read.Channel.Query().Where(channel.Key("shop")).Only(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !seal.Sealed(c.Secret) || strings.Contains(c.Secret, "sluice-demo-shop-secret") {
		t.Fatalf("the demo channel's secret is stored as %q", c.Secret)
	}
	// signed with the demo secret: the signature checks out (a payload that does not fit
	// the mapping gets past it to a 422, a wrong secret would be 401)
	body := []byte(`{"id":"S-1"}`)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest("POST", base+"/api/v1/channels/shop/orders", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Sluice-Timestamp", ts)
	req.Header.Set("X-Sluice-Signature", inbound.Sign("sluice-demo-shop-secret", ts, body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 422 {
		t.Fatalf("webhook signed with the demo secret: %d, want 422 (past the signature)", res.StatusCode)
	}
}

// secrets.previous_key alone is a mistake (nothing would seal with a new key): refused.
func TestPreviousSecretsKeyNeedsAKey(t *testing.T) {
	cfg := &config.Config{SecretsPreviousKey: config.NewSecret("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")}
	err := sealSecrets(context.Background(), cfg, nil, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "secrets.key") {
		t.Fatalf("previous key without a key: %v", err)
	}
}

// With audit.checkpoints the server checkpoints the head at start and again at a clean
// shutdown (after its last writes), into its own file of the directory, and hands each
// checkpoint to the outbox for the webhook; audit verify accepts them.
func TestServeCheckpointsTheAuditHead(t *testing.T) {
	t.Setenv("SLUICE_AUDIT_CHECKPOINT_KEY", testCheckpointKey)
	url := storetest.SQLiteURL(t)
	dir := t.TempDir()
	s := startServe(t, url, "--demo", "--audit-checkpoints", dir, "--audit-instance", "sluice-a",
		"--audit-checkpoint-interval", "1h", "--audit-checkpoint-webhook", "http://127.0.0.1:9/checkpoints")
	<-s.addr
	<-s.ready
	file := filepath.Join(dir, "sluice-a.jsonl")
	var lines []checkpoint.Line
	deadline := time.Now().Add(30 * time.Second)
	for len(lines) == 0 && time.Now().Before(deadline) {
		lines, _ = checkpoint.Read(file)
		time.Sleep(20 * time.Millisecond)
	}
	if len(lines) != 1 {
		t.Fatalf("checkpoints at start: %+v", lines)
	}
	st, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Tx(context.Background(), func(tx *ent.Tx) error {
		j, err := store.Begin(context.Background(), tx, "test")
		if err != nil {
			return err
		}
		if err := j.Audit(context.Background(), store.Audit{Actor: "admin", Action: "test"}); err != nil {
			return err
		}
		return j.Close(context.Background())
	})
	if err != nil {
		t.Fatal(err)
	}
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not return")
	}
	headSeq, headHash, err := st.AnchorHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	lines, err = checkpoint.Read(file)
	if err != nil || len(lines) != 2 || lines[1].Seq != headSeq || lines[1].Hash != headHash {
		t.Fatalf("checkpoints after shutdown (head %d): %+v %v", headSeq, lines, err)
	}
	for _, l := range lines {
		key := "audit-checkpoint:sluice-a:" + strconv.FormatInt(l.Seq, 10)
		if n, err := st.Read.OutboxMessage.Query().Where(outboxmessage.Key(key), outboxmessage.Channel(outbox.Webhook)).Count(context.Background()); err != nil || n != 1 {
			t.Fatalf("outbox message %s: %d %v", key, n, err)
		}
	}
	if out, code := runCmd(t, "audit", "verify", "--db", url, "--checkpoints", dir); code != 0 || !strings.Contains(out, "checkpoints verified: 2") {
		t.Fatalf("verify: %d\n%s", code, out)
	}
}

// Checkpoints without their key, or a webhook without the file, refuse to start.
func TestCheckpointSettingsChecked(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, a := range []config.Audit{{Checkpoints: t.TempDir()}, {CheckpointWebhook: "https://example.com/cp"}} {
		if _, err := checkpointWriter(&config.Config{Audit: a}, nil, log); err == nil {
			t.Errorf("%+v: accepted", a)
		}
	}
	if w, err := checkpointWriter(&config.Config{}, nil, log); w != nil || err != nil {
		t.Fatalf("off: %v %v", w, err)
	}
}
