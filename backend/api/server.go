// Package api is Sluice's HTTP layer: gin routes that authenticate, decode strictly,
// call one service method and translate its answer. No business rules live here.
package api

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"sluice/backend/app"
	"sluice/backend/auth"
	"sluice/backend/i18n"
	"sluice/backend/live"
	"sluice/backend/outbox"
	"sluice/backend/service"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

const (
	ctxActor     = "sluice.actor"
	ctxToken     = "sluice.token"
	ctxRequestID = "sluice.request_id"
	ctxLang      = "sluice.lang"
	ctxBody      = "sluice.body"
	cookieName   = "sluice_session"
	csrfCookie   = "sluice_csrf"
	csrfHeader   = "X-CSRF-Token"
)

// Options configure the HTTP server.
type Options struct {
	// App is the built front end, served at / with a fallback to index.html.
	App fs.FS
	// TrustedProxies lists proxies whose X-Forwarded-For is believed (none by default).
	TrustedProxies []string
	// SecureCookies marks cookies Secure (behind TLS).
	SecureCookies bool
	// Ready reports readiness beyond the database ping (e.g. migrations done).
	Ready func(ctx context.Context) error
	// Live is the websocket hub behind GET /api/v1/live, started by the caller (the
	// composition root, backend/cmd); when nil, /live answers 503.
	Live *live.Hub
	// MetricsToken, when set, lets a scraper read /metrics with
	// "Authorization: Bearer <token>"; an admin's session may always read it.
	MetricsToken string
	// BodyTimeout bounds how long a client may take to send a request body, and
	// UploadTimeout a spreadsheet import's (0: no limit). A request without a body (the
	// live websocket's handshake) gets none.
	BodyTimeout, UploadTimeout time.Duration
	// Outbox are the metrics of this process's outbox worker (/metrics); when nil the
	// backlog gauges are still served, from the database.
	Outbox *outbox.Metrics
}

type handlers struct {
	svc   *app.Service
	log   *slog.Logger
	opt   Options
	login *auth.LoginGuard
}

// New builds the router.
func New(svc *app.Service, opt Options) (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(opt.TrustedProxies); err != nil {
		return nil, err
	}
	h := &handlers{svc: svc, log: svc.Log, opt: opt, login: auth.NewLoginGuard(auth.DefaultLoginPolicy)}
	m := newMetrics(svc)
	m.outbox(svc, opt.Outbox)
	if opt.Live != nil {
		m.live(opt.Live)
	}
	r.Use(securityHeaders, h.recover, h.requestID, h.logRequests, m.observe, h.bodyDeadline, limitBody, checkRequestText)
	r.GET("/metrics", h.metricsAccess, m.handler())
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", h.readyz)

	v1 := r.Group("/api/v1")
	v1.POST("/auth/login", h.postLogin)
	v1.GET("/openapi.json", h.openapi)
	a := v1.Group("", h.authenticate)
	a.POST("/auth/logout", h.postLogout)
	a.POST("/auth/reauth", h.postReauth)
	a.GET("/me", h.getMe)
	a.PATCH("/me", h.patchMe)
	a.GET("/users", h.getUsers)
	a.POST("/users", h.postUsers)
	a.POST("/users/:username/disable", h.postUserDisabled(true))
	a.POST("/users/:username/enable", h.postUserDisabled(false))
	a.DELETE("/users/:username/sessions", h.deleteUserSessions)
	a.DELETE("/me/sessions", h.deleteMyOtherSessions)
	a.GET("/departments", h.getDepartments)
	a.POST("/departments", h.postDepartments)
	a.GET("/definitions/:kind", h.getDefinitions)
	a.GET("/definitions/:kind/:key", h.getDefinition)
	a.PUT("/definitions/:kind/:key", h.putDefinition)
	a.POST("/definitions/:kind/:key/publish", h.publishDefinition)
	a.POST("/definitions/:kind/:key/retire", h.retireFlow)
	a.POST("/definitions/:kind/:key/restore", h.retireFlow)
	a.GET("/flows", h.getFlows)
	a.GET("/plugins", h.getPlugins)
	a.GET("/flows/:key/form", h.getFlowForm)
	a.POST("/flows/:key/simulate", h.postSimulate)
	a.POST("/flows/:key/migrations/preview", h.postMigrationPreview)
	a.POST("/flows/:key/migrations/apply", h.postMigrationApply)
	a.GET("/flows/:key/stats", h.getStats)
	a.POST("/flows/expressions/check", h.postExpressionCheck)
	a.POST("/reminders/schedules/check", h.postScheduleCheck)
	a.POST("/orders", h.postOrders)
	a.GET("/orders", h.getOrders)
	a.GET("/orders/:id", h.getOrder)
	a.GET("/orders/:id/history", h.getHistory)
	a.GET("/orders/:id/documents/:"+docParam, h.getDocument)
	a.POST("/orders/:id/documents/:"+docParam, h.postDocument)
	a.POST("/documents/batch", h.postDocumentsBatch)
	a.GET("/tasks", h.getTasks)
	a.POST("/tasks/:id/actions", h.postAction)
	v1.GET("/live", h.getLive) // authenticates itself: ticket, bearer or cookie
	a.POST("/live/ticket", h.postLiveTicket)
	a.GET("/notifications", h.getNotifications)
	a.POST("/notifications/read", h.postNotificationsRead)
	a.GET("/admin/status", h.getAdminStatus)
	a.GET("/admin/outbox", h.getOutbox)
	a.POST("/admin/outbox/:id/retry", h.postOutboxRetry)
	a.POST("/tasks/batch", h.postBatch)
	a.GET("/boards/:department", h.getBoard)
	a.POST("/orders/:id/lock", h.postLock)
	a.DELETE("/orders/:id/lock", h.deleteLock)
	a.GET("/orders/:id/comments", h.getComments)
	a.POST("/orders/:id/comments", h.postComment)
	a.GET("/orders/:id/shipments", h.getShipments)
	a.POST("/orders/:id/shipments", h.postShipment)
	a.GET("/carriers", h.getCarriers)
	a.POST("/imports", h.postImport)
	a.POST("/imports/preview", h.postImportPreview)
	a.GET("/imports", h.getImports)
	a.GET("/imports/:id", h.getImport)
	a.GET("/flows/:key/import-template.xlsx", h.getImportTemplate)
	a.GET("/orders/export.xlsx", h.getOrdersExport)
	a.GET("/channels", h.getChannels)
	a.POST("/channels", h.postChannel)
	a.PUT("/channels/:key", h.putChannel)
	v1.POST("/channels/:key/orders", h.postChannelOrder) // authenticated by its HMAC signature alone
	a.GET("/exceptions", h.getExceptions)
	a.GET("/exceptions/:id", h.getException)
	a.POST("/exceptions/:id/resolve", h.postResolveException)
	a.GET("/customers", h.getCustomers)
	a.POST("/customers", h.postCustomers)
	a.PUT("/customers/:code", h.putCustomer)
	a.GET("/products", h.getProducts)
	a.POST("/products", h.postProducts)
	a.PUT("/products/:sku", h.putProduct)
	a.GET("/warehouses", h.getWarehouses)
	a.POST("/warehouses", h.postWarehouses)
	a.GET("/stock", h.getStock)
	a.POST("/stock/adjustments", h.postAdjustment)
	a.GET("/stock/moves", h.getMoves)
	a.GET("/notify/channels", h.getNotifyChannels)
	a.POST("/notify/channels", h.postNotifyChannel)
	a.PUT("/notify/channels/:id", h.putNotifyChannel)
	a.DELETE("/notify/channels/:id", h.deleteNotifyChannel)
	a.PUT("/notify/channels/:id/kinds", h.putNotifyKinds)
	a.GET("/act/:token", h.getActLink) // a message's link, with the session: both or nothing
	a.POST("/act/:token", h.postActLink)

	r.NoRoute(h.spa)
	return r, nil
}

func (h *handlers) recover(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			id := c.GetString(ctxRequestID)
			h.log.Error("panic", "panic", p, "path", c.Request.URL.Path, "request_id", id)
			problem(c, http.StatusInternalServerError, "problem.internal", i18n.Params{"RequestID": id})
		}
	}()
	c.Next()
}

// requestIDPattern is what an incoming X-Request-Id must look like to be kept (a
// proxy's or a client's id, so one id follows a request across systems); anything else
// is replaced, so logs and audit entries never carry arbitrary client text.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

func (h *handlers) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if !requestIDPattern.MatchString(id) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-Id", id)
	c.Next()
}

func (h *handlers) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		h.log.Debug("request", "method", c.Request.Method, "path", c.FullPath(), "status", c.Writer.Status(),
			"ms", time.Since(start).Milliseconds(), "request_id", c.GetString(ctxRequestID))
	}
}

// contentSecurityPolicy is sent with every response (the app's documents and the API
// alike). The built front end loads only its own /assets (no inline script); antd and
// rjsf style elements at run time (inline styles: 'unsafe-inline' for styles only); Ajv,
// rjsf's JSON Schema validator, compiles each form's schema with new Function
// ('unsafe-eval'; no inline script and no other origin is allowed); the live websocket
// is same-origin ('self' covers ws: and wss: on the same host). Nobody may frame it.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; " +
	"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders keeps browsers from framing the app (clickjacking), sniffing content
// types, running injected or foreign script and leaking URLs in Referer headers.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	c.Next()
}

// bodyDeadline cuts a client that trickles its body: it sets the connection's read
// deadline for the body. net/http clears it once the body has been read to its end (it
// then watches the connection with no deadline), so a handler that works long after
// reading is not cut off; a body left unread keeps the deadline, which also bounds the
// server's draining of it. Per request rather than http.Server.ReadTimeout, so the
// spreadsheet import has its own, and a request without a body (the websocket's
// handshake) none.
func (h *handlers) bodyDeadline(c *gin.Context) {
	d := h.opt.BodyTimeout
	if isUpload(c) {
		d = h.opt.UploadTimeout
	}
	if d > 0 && c.Request.Body != nil && c.Request.Body != http.NoBody {
		// Fails only for writers without deadlines (tests' recorders): no limit then.
		_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(d))
	}
	c.Next()
}

func isUpload(c *gin.Context) bool {
	return c.Request.Method == http.MethodPost && (c.FullPath() == "/api/v1/imports" || c.FullPath() == "/api/v1/imports/preview")
}

func limitBody(c *gin.Context) {
	limit := int64(MaxBody)
	if isUpload(c) {
		limit = MaxUpload // spreadsheets are bigger than JSON requests
	}
	if c.Request.ContentLength > limit {
		problem(c, http.StatusRequestEntityTooLarge, "problem.body_too_large", i18n.Params{"Limit": limit})
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	c.Next()
}

// authenticate accepts a bearer token or the session cookie; cookie-authenticated
// unsafe requests must echo the CSRF token in a header (double submit), which a
// cross-site form cannot do.
func (h *handlers) authenticate(c *gin.Context) {
	a, token, ok := h.session(c)
	if !ok {
		return
	}
	c.Set(ctxActor, *a)
	c.Set(ctxToken, token)
	c.Set(ctxLang, "") // resolved again with the user's own setting
	c.Request = c.Request.WithContext(i18n.WithLang(c.Request.Context(), lang(c)))
	c.Next()
}

// session resolves the request's bearer token or session cookie to its actor, checking
// the CSRF header on cookie-authenticated unsafe requests. When it reports false it has
// answered (401, 403 or 500).
func (h *handlers) session(c *gin.Context) (a *service.Actor, token string, ok bool) {
	token, viaCookie := bearer(c), false
	if token == "" {
		if ck, err := c.Cookie(cookieName); err == nil {
			token, viaCookie = ck, true
		}
	}
	a, csrf, err := h.svc.Authenticate(c.Request.Context(), token)
	if err != nil {
		h.fail(c, err)
		return nil, "", false
	}
	if a == nil {
		problem(c, http.StatusUnauthorized, "problem.log_in_first", nil)
		return nil, "", false
	}
	if viaCookie && !safeMethod(c.Request.Method) && c.GetHeader(csrfHeader) != csrf {
		problem(c, http.StatusForbidden, "problem.csrf", i18n.Params{"Header": csrfHeader})
		return nil, "", false
	}
	a.RequestID = c.GetString(ctxRequestID)
	return a, token, true
}

// bearer is the request's "Authorization: Bearer" token, or "".
func bearer(c *gin.Context) string {
	if ah := c.GetHeader("Authorization"); strings.HasPrefix(ah, "Bearer ") {
		return strings.TrimSpace(strings.TrimPrefix(ah, "Bearer "))
	}
	return ""
}

// metricsAccess lets the configured scraper token or an admin's session through to
// /metrics: the figures (routes, volumes, backlog) are not for everyone.
func (h *handlers) metricsAccess(c *gin.Context) {
	if want := h.opt.MetricsToken; want != "" && subtle.ConstantTimeCompare([]byte(bearer(c)), []byte(want)) == 1 {
		return
	}
	c.Header("WWW-Authenticate", `Bearer realm="sluice"`) // for a 401; removed when let through
	a, _, ok := h.session(c)
	if !ok {
		return
	}
	c.Writer.Header().Del("WWW-Authenticate")
	if !a.IsAdmin {
		problem(c, http.StatusForbidden, "problem.metrics_forbidden", nil)
	}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func actor(c *gin.Context) service.Actor {
	a, _ := c.Get(ctxActor)
	return a.(service.Actor)
}

func (h *handlers) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := h.svc.Store.Ping(ctx); err != nil {
		problem(c, http.StatusServiceUnavailable, "problem.database_unreachable", nil)
		return
	}
	if h.opt.Ready != nil {
		if err := h.opt.Ready(ctx); err != nil {
			rawProblem(c, http.StatusServiceUnavailable, err.Error()) // an operator's probe: the process's own reason
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// spa serves the embedded front end; unknown non-API paths get index.html so client
// routes survive a reload.
func (h *handlers) spa(c *gin.Context) {
	p := c.Request.URL.Path
	if strings.HasPrefix(p, "/api/") || h.opt.App == nil || (c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead) {
		problem(c, http.StatusNotFound, "problem.no_such_endpoint", nil)
		return
	}
	name := strings.TrimPrefix(p, "/")
	if name != "" && name != "index.html" {
		if st, err := fs.Stat(h.opt.App, name); err == nil && !st.IsDir() {
			if strings.HasPrefix(name, "assets/") {
				c.Header("Cache-Control", "public, max-age=31536000, immutable")
			}
			c.FileFromFS(name, http.FS(h.opt.App))
			return
		}
	}
	index, err := fs.ReadFile(h.opt.App, "index.html")
	if err != nil {
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte("<!doctype html><title>Sluice</title><p>The front end is not built. Run <code>make run</code>."))
		return
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/html; charset=utf-8", index)
}
