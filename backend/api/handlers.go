package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"sluice/backend/access"
	"sluice/backend/catalogue"
	"sluice/backend/service"
)

type loginRequest struct {
	Username string `json:"username" max:"200"`
	Password string `json:"password" max:"256"`
}

func (h *handlers) postLogin(c *gin.Context) {
	var req loginRequest
	if !bind(c, &req) {
		return
	}
	// ClientIP believes X-Forwarded-For only from Options.TrustedProxies.
	ticket, ok, wait := h.login.Allow(req.Username, c.ClientIP())
	if !ok {
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		problem(c, http.StatusTooManyRequests, "problem.too_many_logins", nil)
		return
	}
	token, csrf, u, err := h.svc.Login(c.Request.Context(), req.Username, req.Password, c.GetString(ctxRequestID))
	if err != nil {
		h.fail(c, err)
		return
	}
	ticket.Succeeded() // only failed attempts count against the limits
	maxAge := int(access.SessionTTL / time.Second)
	c.SetSameSite(http.SameSiteLaxMode)
	c.SetCookie(cookieName, token, maxAge, "/", "", h.opt.SecureCookies, true)
	c.SetCookie(csrfCookie, csrf, maxAge, "/", "", h.opt.SecureCookies, false)
	c.JSON(http.StatusOK, gin.H{"token": token, "user": u})
}

// postReauth is a fresh sign-in: the caller's password again, for the approvals a node
// lets only a recent sign-in make. The session is replaced (new cookie and token).
func (h *handlers) postReauth(c *gin.Context) {
	var req struct {
		Password string `json:"password" max:"256"`
	}
	if !bind(c, &req) {
		return
	}
	a := actor(c)
	ticket, ok, wait := h.login.Allow(a.Username, c.ClientIP())
	if !ok {
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		problem(c, http.StatusTooManyRequests, "problem.too_many_logins", nil)
		return
	}
	token, csrf, err := h.svc.Reauth(c.Request.Context(), a, c.GetString(ctxToken), req.Password)
	if err != nil {
		h.fail(c, err)
		return
	}
	ticket.Succeeded()
	maxAge := int(access.SessionTTL / time.Second)
	c.SetSameSite(http.SameSiteLaxMode)
	c.SetCookie(cookieName, token, maxAge, "/", "", h.opt.SecureCookies, true)
	c.SetCookie(csrfCookie, csrf, maxAge, "/", "", h.opt.SecureCookies, false)
	c.JSON(http.StatusOK, gin.H{"token": token})
}

func (h *handlers) postLogout(c *gin.Context) {
	if err := h.svc.Logout(c.Request.Context(), actor(c), c.GetString(ctxToken)); err != nil {
		h.fail(c, err)
		return
	}
	c.SetSameSite(http.SameSiteLaxMode)
	c.SetCookie(cookieName, "", -1, "/", "", h.opt.SecureCookies, true)
	c.SetCookie(csrfCookie, "", -1, "/", "", h.opt.SecureCookies, false)
	c.Status(http.StatusNoContent)
}

func (h *handlers) getMe(c *gin.Context) {
	u, err := h.svc.Me(c.Request.Context(), actor(c))
	if err != nil {
		h.fail(c, err)
		return
	}
	perms, err := h.svc.MyPermissions(c.Request.Context(), actor(c))
	if err != nil {
		h.fail(c, err)
		return
	}
	ms := u.Memberships
	u.Memberships = nil
	c.JSON(http.StatusOK, gin.H{"user": u, "memberships": ms, "permissions": perms})
}

// patchMe changes the caller's own settings (their language) and answers GET /me's user.
func (h *handlers) patchMe(c *gin.Context) {
	var p access.MyProfile
	if !bind(c, &p) {
		return
	}
	u, err := h.svc.UpdateMe(c.Request.Context(), actor(c), p)
	if err != nil {
		h.fail(c, err)
		return
	}
	u.Memberships = nil
	c.JSON(http.StatusOK, gin.H{"user": u})
}

func (h *handlers) getUsers(c *gin.Context) {
	us, err := h.svc.ListUsers(c.Request.Context(), actor(c))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": us})
}

func (h *handlers) postUsers(c *gin.Context) {
	var req access.NewUser
	if !bind(c, &req) {
		return
	}
	u, err := h.svc.CreateUser(c.Request.Context(), actor(c), req)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

// postUserDisabled disables (true) or re-enables a user.
func (h *handlers) postUserDisabled(disabled bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		u, err := h.svc.SetUserDisabled(c.Request.Context(), actor(c), c.Param("username"), disabled)
		if err != nil {
			h.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, u)
	}
}

func (h *handlers) deleteUserSessions(c *gin.Context) {
	n, err := h.svc.EndUserSessions(c.Request.Context(), actor(c), c.Param("username"))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"ended": n})
}

func (h *handlers) deleteMyOtherSessions(c *gin.Context) {
	n, err := h.svc.EndOtherSessions(c.Request.Context(), actor(c), c.GetString(ctxToken))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"ended": n})
}

func (h *handlers) getDepartments(c *gin.Context) {
	ds, err := h.svc.ListDepartments(c.Request.Context(), actor(c))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": ds})
}

func (h *handlers) postDepartments(c *gin.Context) {
	var req access.DepartmentView
	if !bind(c, &req) {
		return
	}
	d, err := h.svc.CreateDepartment(c.Request.Context(), actor(c), req)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, d)
}

// kind maps the path's plural kind; unknown kinds are 404 (no such collection).
func kind(c *gin.Context) (string, bool) {
	k, ok := catalogue.Kinds[c.Param("kind")]
	if !ok {
		problem(c, http.StatusNotFound, "problem.no_such_kind", nil)
	}
	return k, ok
}

func (h *handlers) getDefinitions(c *gin.Context) {
	k, ok := kind(c)
	if !ok {
		return
	}
	ds, err := h.svc.ListDefinitions(c.Request.Context(), actor(c), k)
	if err != nil {
		h.fail(c, err)
		return
	}
	if ds == nil {
		ds = []catalogue.DefinitionView{}
	}
	c.JSON(http.StatusOK, gin.H{"items": ds})
}

func (h *handlers) getDefinition(c *gin.Context) {
	k, ok := kind(c)
	if !ok {
		return
	}
	v := 0
	if s := c.Query("version"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			problem(c, http.StatusBadRequest, "problem.version_not_positive", nil)
			return
		}
		v = n
	}
	d, err := h.svc.GetDefinition(c.Request.Context(), actor(c), k, c.Param("key"), v)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

func (h *handlers) putDefinition(c *gin.Context) {
	k, ok := kind(c)
	if !ok {
		return
	}
	var raw json.RawMessage
	if !bind(c, &raw) {
		return
	}
	d, err := h.svc.SaveDraft(c.Request.Context(), actor(c), k, c.Param("key"), raw)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

func (h *handlers) publishDefinition(c *gin.Context) {
	k, ok := kind(c)
	if !ok {
		return
	}
	v, err := h.svc.Publish(c.Request.Context(), actor(c), k, c.Param("key"))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"kind": k, "key": c.Param("key"), "version": v})
}

// retireFlow retires (…/retire) or restores (…/restore) a flow; other kinds have no lifecycle.
func (h *handlers) retireFlow(c *gin.Context) {
	k, ok := kind(c)
	if !ok {
		return
	}
	if k != "flow" {
		h.fail(c, service.NotFound("only flows are retired; "+c.Param("kind")))
		return
	}
	retire := h.svc.RetireFlow
	if strings.HasSuffix(c.FullPath(), "/restore") {
		retire = h.svc.RestoreFlow
	}
	v, err := retire(c.Request.Context(), actor(c), c.Param("key"))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (h *handlers) getFlows(c *gin.Context) {
	fs, err := h.svc.StartableFlows(c.Request.Context(), actor(c))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": fs})
}

func (h *handlers) getFlowForm(c *gin.Context) {
	f, err := h.svc.FlowForm(c.Request.Context(), actor(c), c.Param("key"))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, f)
}

// idem reads the Idempotency-Key header; the request hash covers method, path and body
// so a reused key with another request is caught.
func idem(c *gin.Context, scope string) *service.Idem {
	key := c.GetHeader("Idempotency-Key")
	if key == "" {
		return nil
	}
	body, _ := c.Get(ctxBody)
	b, _ := body.([]byte)
	sum := sha256.Sum256(append([]byte(c.Request.Method+" "+c.Request.URL.Path+"\n"), b...))
	return &service.Idem{Key: key, Scope: scope, RequestHash: hex.EncodeToString(sum[:]), Encode: json.Marshal}
}

func replay(c *gin.Context, r *service.Replay) {
	c.Header("Idempotent-Replayed", "true")
	c.Data(r.Status, "application/json; charset=utf-8", r.Body)
}

func (h *handlers) postOrders(c *gin.Context) {
	var req service.SubmitRequest
	if !bind(c, &req) {
		return
	}
	o, rp, err := h.svc.Submit(c.Request.Context(), actor(c), req, idem(c, "orders"))
	if err != nil {
		h.fail(c, err)
		return
	}
	if rp != nil {
		replay(c, rp)
		return
	}
	c.Header("Location", "/api/v1/orders/"+strconv.Itoa(o.ID))
	c.JSON(http.StatusCreated, o)
}

// queryLimit reads ?limit= (absent: the service's default).
func queryLimit(c *gin.Context) (int, bool) {
	s := c.Query("limit")
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		problem(c, http.StatusBadRequest, "problem.limit_not_positive", nil)
		return 0, false
	}
	return n, true
}

func (h *handlers) getOrders(c *gin.Context) {
	limit, ok := queryLimit(c)
	if !ok {
		return
	}
	p, err := h.svc.ListOrders(c.Request.Context(), actor(c), service.OrderFilter{Status: c.Query("status"), Node: c.Query("node"),
		Department: c.Query("department"), Q: c.Query("q"), Cursor: c.Query("cursor"), Limit: limit})
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func pathID(c *gin.Context) (int, bool) {
	id, err := strconv.Atoi(c.Param("id"))
	if err != nil || id < 1 {
		problem(c, http.StatusNotFound, "problem.no_such_id", nil)
		return 0, false
	}
	return id, true
}

func (h *handlers) getOrder(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	o, err := h.svc.GetOrder(c.Request.Context(), actor(c), id)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, o)
}

func (h *handlers) getHistory(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	limit, ok := queryLimit(c)
	if !ok {
		return
	}
	p, err := h.svc.History(c.Request.Context(), actor(c), id, service.HistoryFilter{Cursor: c.Query("cursor"), Limit: limit})
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (h *handlers) getTasks(c *gin.Context) {
	limit, ok := queryLimit(c)
	if !ok {
		return
	}
	p, err := h.svc.Tasks(c.Request.Context(), actor(c), service.TaskFilter{Scope: c.Query("scope"), Cursor: c.Query("cursor"), Limit: limit, Sort: c.Query("sort")})
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (h *handlers) postAction(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	var req service.ActionRequest
	if !bind(c, &req) {
		return
	}
	res, rp, err := h.svc.Act(c.Request.Context(), actor(c), id, req, idem(c, "actions"))
	if err != nil {
		h.fail(c, err)
		return
	}
	if rp != nil {
		replay(c, rp)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (h *handlers) postSimulate(c *gin.Context) {
	var req catalogue.SimulateRequest
	if !bind(c, &req) {
		return
	}
	res, err := h.svc.Simulate(c.Request.Context(), actor(c), c.Param("key"), req)
	if err != nil {
		h.fail(c, err)
		return
	}
	// a sample's field errors read as a problem's do: in the reader's language
	l := lang(c)
	for i := range res.Results {
		for j, f := range res.Results[i].Errors {
			res.Results[i].Errors[j].Message = f.Localized(l)
		}
	}
	c.JSON(http.StatusOK, res)
}

func (h *handlers) postBatch(c *gin.Context) {
	var req service.BatchRequest
	if !bind(c, &req) {
		return
	}
	items, err := h.svc.Batch(c.Request.Context(), actor(c), req)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (h *handlers) postMigrationPreview(c *gin.Context) {
	var req catalogue.MigrationRequest
	if !bind(c, &req) {
		return
	}
	items, err := h.svc.PreviewMigration(c.Request.Context(), actor(c), c.Param("key"), req)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (h *handlers) postMigrationApply(c *gin.Context) {
	var req catalogue.MigrationRequest
	if !bind(c, &req) {
		return
	}
	items, err := h.svc.ApplyMigration(c.Request.Context(), actor(c), c.Param("key"), req)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (h *handlers) getPlugins(c *gin.Context) {
	items, err := h.svc.Plugins(actor(c))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}
