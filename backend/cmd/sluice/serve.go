package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only when pprof_addr is set
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"sluice/backend/api"
	"sluice/backend/app"
	"sluice/backend/checkpoint"
	"sluice/backend/config"
	"sluice/backend/inbound"
	"sluice/backend/lifecycle"
	"sluice/backend/live"
	"sluice/backend/notify"
	"sluice/backend/outbox"
	"sluice/backend/periodic"
	"sluice/backend/remind"
	"sluice/backend/seal"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/frontend"
)

// maxHeaderBytes bounds a request's head (Go's default is 1 MiB; cookies and a bearer
// token need a few KiB).
const maxHeaderBytes = 64 << 10

// serveHooks let tests watch and steer serve; production passes none.
type serveHooks struct {
	listening func(addr string)               // the listener is open (migrations not yet run)
	ready     func()                          // the full API is being served
	wrap      func(http.Handler) http.Handler // wraps the API handler
	lifecycle func(*lifecycle.Hooks)          // register shutdown hooks
}

type serveHooksKey struct{}

func hooksFrom(ctx context.Context) *serveHooks {
	if h, ok := ctx.Value(serveHooksKey{}).(*serveHooks); ok {
		return h
	}
	return &serveHooks{}
}

// gate answers for the server until the API is ready: /healthz says the process is up,
// /readyz and everything else say 503 (migrations running), so a load balancer sends no
// traffic to an instance that is still migrating. Once ready it hands every request to
// the API.
type gate struct {
	api   atomic.Pointer[http.Handler]
	state atomic.Pointer[string] // why not ready
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := g.api.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	if r.URL.Path == "/healthz" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
		return
	}
	why := "starting"
	if s := g.state.Load(); s != nil {
		why = *s
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Retry-After", "5")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = fmt.Fprintf(w, `{"type":"about:blank","title":"Service Unavailable","status":503,"detail":%q}`, "not ready: "+why)
}

func (g *gate) set(why string) { g.state.Store(&why) }

// serve runs the server until ctx ends or SIGINT/SIGTERM arrives, then shuts down
// gracefully: not ready at once, no new connections, the OnShutdown hooks (websockets)
// while requests in flight finish, then the AfterDrain hooks (queues), then the
// database closes.
func serve(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, _, err := loadConfig("serve", args, nil, nil)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg)
	th := hooksFrom(ctx)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	// Listen first, so health checks see the process while migrations run.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	g := &gate{}
	g.set("migrations running")
	srv := &http.Server{Handler: g, ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout, IdleTimeout: cfg.HTTP.IdleTimeout,
		MaxHeaderBytes: maxHeaderBytes, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	// No ReadTimeout: it would cut the live websocket (hijacked, long-lived) and bound
	// every request alike; the API sets a deadline on each request's body instead
	// (http.body_timeout, http.upload_timeout).
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	if th.listening != nil {
		th.listening(addr)
	}
	log.Info("listening; preparing the database", "addr", addr, "db", store.Redact(cfg.DB), "config", cfg.File)

	hooks := &lifecycle.Hooks{}
	var stopping atomic.Bool
	s, err := prepare(ctx, cfg, log, hooks, &stopping)
	if err != nil {
		_ = srv.Close()
		return err
	}
	defer s.store.Close()
	if th.lifecycle != nil {
		th.lifecycle(hooks)
	}
	var h http.Handler = s.router
	if th.wrap != nil {
		h = th.wrap(h)
	}
	g.api.Store(&h)
	if cfg.PprofAddr != "" {
		// Profiling on its own listener (never the public one), for diagnosing load.
		go func() { log.Warn("pprof", "err", http.ListenAndServe(cfg.PprofAddr, nil)) }()
	}
	log.Info("sluice is serving", "url", "http://"+addr, "db", store.Redact(cfg.DB))
	if th.ready != nil {
		th.ready()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}

	log.Info("shutting down: no new connections, finishing requests in flight", "timeout", cfg.HTTP.ShutdownTimeout.String())
	stopping.Store(true)
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.HTTP.ShutdownTimeout)
	defer cancel()
	hooksDone := make(chan error, 1)
	go func() { hooksDone <- hooks.Shutdown(shut) }()
	err = srv.Shutdown(shut)
	if herr := <-hooksDone; herr != nil {
		log.Error("shutdown hooks", "err", herr)
	}
	if err != nil {
		log.Error("requests still in flight at the shutdown timeout were cut off", "err", err)
		_ = srv.Close()
	}
	if derr := hooks.Drained(shut); derr != nil {
		log.Error("after-drain hooks", "err", derr)
	}
	log.Info("stopped")
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: requests still running after %s", cfg.HTTP.ShutdownTimeout)
	}
	return nil
}

// liveOptions maps the live.* settings onto the websocket hub.
func liveOptions(cfg *config.Config) live.Options {
	o := live.Options{AllowedOrigins: cfg.Live.Origins, Retention: cfg.Live.Retention, PollInterval: cfg.Live.PollInterval}
	if o.Retention == 0 {
		o.Retention = -1 // forever
	}
	return o
}

// firstStart builds the service and does the writes every start makes sure of: the
// admin user, the demo seed (--demo) and the channel secrets sealed with secrets.key.
func firstStart(ctx context.Context, cfg *config.Config, log *slog.Logger, s *store.Store) (*app.Service, error) {
	svc, err := app.New(ctx, s, log)
	if err != nil {
		return nil, err
	}
	svc.AllowPrivateWebhooks = cfg.Webhook.AllowPrivate
	created, pw, err := svc.EnsureAdmin(ctx, cfg.AdminPassword.Value())
	if err != nil {
		return nil, err
	}
	if created && pw != "" {
		log.Warn("created user admin with a random password; set SLUICE_ADMIN_PASSWORD (or SLUICE_ADMIN_PASSWORD_FILE) to choose one", "password", pw)
	}
	if cfg.Demo {
		if err := svc.SeedDemo(ctx); err != nil {
			return nil, fmt.Errorf("demo seed: %w", err)
		}
		log.Info("demo seed ready", "users", "clerk manager manager2 finance finance2 warehouse service", "password", app.DemoPassword)
	}
	if err := sealSecrets(ctx, cfg, svc, log); err != nil {
		return nil, err
	}
	return svc, nil
}

type prepared struct {
	store  *store.Store
	router http.Handler
}

// prepare migrates the database, creates the admin user, seeds the demo if asked,
// seals the channel secrets and builds the API. Everything up to the API happens under
// the migration lock, so that instances starting together on an empty database do it
// once: the others wait, then find it done.
func prepare(ctx context.Context, cfg *config.Config, log *slog.Logger, hooks *lifecycle.Hooks, stopping *atomic.Bool) (*prepared, error) {
	started := time.Now()
	var svc *app.Service
	s, err := openMigrated(ctx, cfg.DB, func(ctx context.Context, s *store.Store) error {
		ver, _ := s.SchemaVersion(ctx)
		log.Info("database ready", "dialect", s.Dialect, "schema_version", ver, "ms", time.Since(started).Milliseconds())
		var err error
		svc, err = firstStart(ctx, cfg, log, s)
		return err
	})
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	cw, err := checkpointWriter(cfg, s, log) // checked before anything starts
	if err != nil {
		return nil, err
	}
	linkSettings(cfg, svc, log)
	ow, om := outboxWorker(cfg, s, log, notify.ChatSender{DB: s.Client, Secrets: svc.Secrets, AllowPrivate: cfg.Webhook.AllowPrivate})
	hub, err := startLive(svc.Service, hooks, liveOptions(cfg))
	if err != nil {
		return nil, err
	}
	// Background imports stop between two orders and record where (StopImports).
	hooks.OnShutdown("imports", svc.StopImports)
	router, err := api.New(svc, api.Options{
		Outbox:         om,
		App:            frontend.App(),
		TrustedProxies: cfg.HTTP.TrustedProxies,
		SecureCookies:  cfg.HTTP.SecureCookies,
		MetricsToken:   cfg.MetricsToken.Value(),
		BodyTimeout:    cfg.HTTP.BodyTimeout,
		UploadTimeout:  cfg.HTTP.UploadTimeout,
		Live:           hub,
		Ready: func(context.Context) error {
			if stopping.Load() {
				return errors.New("shutting down")
			}
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	// The outbox: the first pass sends what was left when the server last stopped. Its
	// final flush is registered first so that it runs last (AfterDrain runs in reverse),
	// after the reminders stopped: an automatic action may still enqueue a message.
	ow.Start(context.WithoutCancel(ctx))
	hooks.AfterDrain("outbox", ow.Stop)
	// Audit checkpoints: registered after the outbox so that the last one, at shutdown,
	// comes after the reminders stopped (they audit too) and before the outbox's final
	// flush (which posts it to the webhook).
	if cw != nil {
		cw.Start(context.WithoutCancel(ctx), cfg.Audit.CheckpointInterval)
		hooks.AfterDrain("audit checkpoints", cw.Stop)
	}
	// Durable reminders: the first pass fires what fell due while no server ran.
	sched := remind.New(svc, remind.Options{Log: log, Every: cfg.Remind.Every, Lease: cfg.Remind.Lease})
	sched.Start(context.WithoutCancel(ctx))
	hooks.AfterDrain("reminders", sched.Stop)
	// Imports whose server died mid-way (a crash: a shutdown records where it stopped)
	// are marked failed once their heartbeat is well past, by whichever instance looks.
	var recovery periodic.Loop
	recovery.Start(context.WithoutCancel(ctx), time.Minute, func(ctx context.Context) {
		if _, err := svc.RecoverImports(ctx, 6*inbound.ImportHeartbeat); err != nil && ctx.Err() == nil {
			log.Warn("imports: recover interrupted ones", "err", err)
		}
	})
	hooks.AfterDrain("import recovery", recovery.Stop)
	// Audit anchors: the heads of the per-order chains that moved are folded into the
	// global chain every half minute, by whichever instances run (see store.Anchor).
	var anchors periodic.Loop
	anchors.Start(context.WithoutCancel(ctx), anchorEvery, func(ctx context.Context) {
		if _, err := s.Anchor(ctx); err != nil && ctx.Err() == nil {
			log.Warn("audit: anchor the chains' heads", "err", err)
		}
	})
	hooks.AfterDrain("audit anchors", anchors.Stop)
	ok = true
	return &prepared{store: s, router: router}, nil
}

// anchorEvery is how often an instance anchors the audit chains' heads.
const anchorEvery = 30 * time.Second

// sealSecrets gives the service secrets.key and seals the channel secrets stored before
// it was set (the key was checked when the configuration was read).
func sealSecrets(ctx context.Context, cfg *config.Config, svc *app.Service, log *slog.Logger) error {
	if !cfg.SecretsKey.IsSet() {
		if cfg.SecretsPreviousKey.IsSet() {
			return errors.New("secrets.previous_key is set without secrets.key: set the new key too")
		}
		log.Warn("secrets.key is not set: webhook channels' secrets are stored in the database as given")
		return nil
	}
	k, err := seal.ParseKey(cfg.SecretsKey.Value())
	if err != nil {
		return fmt.Errorf("secrets.key: %w", err)
	}
	if cfg.SecretsPreviousKey.IsSet() {
		prev, err := seal.ParseKey(cfg.SecretsPreviousKey.Value())
		if err != nil {
			return fmt.Errorf("secrets.previous_key: %w", err)
		}
		k = k.Rotating(prev)
	}
	svc.Secrets = k
	n, unreadable, err := svc.SealSecrets(ctx)
	if err != nil {
		return fmt.Errorf("sealing channel secrets: %w", err)
	}
	if len(unreadable) > 0 {
		log.Warn("channel secrets sealed with another key (set secrets.previous_key to the key before, or set these secrets again); their webhooks answer 503", "channels", unreadable)
	}
	if n > 0 {
		log.Info("sealed the channel secrets stored as given or with secrets.previous_key", "channels", n)
	}
	return nil
}

// outboxWorker builds the outbox worker from the smtp.*, webhook.* and outbox.*
// settings. A channel without settings does not stop the server: its messages wait,
// visibly pending, until it is configured.
func outboxWorker(cfg *config.Config, s *store.Store, log *slog.Logger, chat outbox.Sender) (*outbox.Worker, *outbox.Metrics) {
	outbox.SetDefaultMaxAttempts(cfg.Outbox.MaxAttempts)
	if cfg.SMTP.Host == "" {
		log.Warn("smtp.host is not set: customer emails wait in the outbox (pending, \"smtp not configured\")")
	} else if cfg.SMTP.From == "" {
		log.Warn("smtp.from is not set: customer emails wait in the outbox")
	}
	if !cfg.Webhook.SigningKey.IsSet() {
		log.Warn("webhook.signing_key is not set: outgoing webhooks wait in the outbox")
	}
	om := outbox.NewMetrics(s)
	senders := map[string]outbox.Sender{
		outbox.Email: outbox.EmailSender{C: outbox.SMTP{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
			Password: cfg.SMTP.Password.Value(), From: cfg.SMTP.From, TLS: cfg.SMTP.TLS}},
		outbox.Webhook: outbox.WebhookSender{Key: cfg.Webhook.SigningKey.Value(), AllowPrivate: cfg.Webhook.AllowPrivate},
		outbox.Chat:    chat,
	}
	return outbox.NewWorker(s, senders, outbox.Options{Every: cfg.Outbox.PollInterval, Log: log, Metrics: om}), om
}

// linkSettings gives the notify feature the notify.* settings: where links point, how
// long they work, and the key that signs them (notify.link_key, else one derived from
// secrets.key, so every instance sharing the key signs alike).
func linkSettings(cfg *config.Config, svc *app.Service, log *slog.Logger) {
	n := svc.Notify
	n.LinkBase, n.LinkTTL = cfg.Notify.BaseURL, cfg.Notify.LinkTTL
	if n.LinkBase == "" {
		n.LinkBase = "http://" + cfg.Addr
	}
	switch {
	case cfg.Notify.LinkKey.IsSet():
		n.LinkKey = []byte(cfg.Notify.LinkKey.Value())
	case cfg.SecretsKey.IsSet():
		m := hmac.New(sha256.New, []byte(cfg.SecretsKey.Value()))
		m.Write([]byte("sluice notify action links v1"))
		n.LinkKey = m.Sum(nil)
	default:
		log.Warn("neither notify.link_key nor secrets.key is set: email and chat messages carry no approve/reject links")
	}
}

// checkpointWriter builds the audit checkpoint writer from the audit.* settings; nil
// when audit.checkpoints is not set.
func checkpointWriter(cfg *config.Config, s *store.Store, log *slog.Logger) (*checkpoint.Writer, error) {
	a := cfg.Audit
	if a.Checkpoints == "" {
		if a.CheckpointWebhook != "" {
			return nil, errors.New("audit.checkpoint_webhook is set without audit.checkpoints: set the file or directory too")
		}
		log.Warn("audit.checkpoints is not set: the audit chain is anchored only in its own database (a cut-off tail shows only through the cross-check)")
		return nil, nil
	}
	if !a.CheckpointKey.IsSet() {
		return nil, errors.New("audit.checkpoints is set without audit.checkpoint_key: set SLUICE_AUDIT_CHECKPOINT_KEY or SLUICE_AUDIT_CHECKPOINT_KEY_FILE")
	}
	instance := a.Instance
	if instance == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("audit.instance is empty and the host name unknown: %w", err)
		}
		instance = h
	}
	w, err := checkpoint.NewWriter(s, checkpoint.Options{Path: a.Checkpoints, Key: []byte(a.CheckpointKey.Value()),
		Instance: instance, Webhook: a.CheckpointWebhook, Log: log})
	if err != nil {
		return nil, err
	}
	log.Info("audit checkpoints", "file", w.File(), "every", a.CheckpointInterval.String(), "webhook", a.CheckpointWebhook != "")
	return w, nil
}

// startLive makes and starts the websocket hub behind /api/v1/live, closing its sockets
// ("going away") when the shutdown begins.
func startLive(svc *service.Service, hooks *lifecycle.Hooks, lo live.Options) (*live.Hub, error) {
	lo.Log = svc.Log
	hub := live.New(svc, lo)
	if err := hub.Start(context.Background()); err != nil {
		return nil, err
	}
	hooks.OnShutdown("live", func(ctx context.Context) error {
		done := make(chan struct{})
		go func() { hub.Close(); close(done) }()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return errors.New("live: sockets still closing at the shutdown timeout")
		}
	})
	return hub, nil
}
