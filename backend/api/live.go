package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"sluice/backend/live"
	"sluice/backend/service"
)

// getLive upgrades to the live websocket. It authenticates by a one-time ticket
// (?ticket=, from POST /live/ticket), an Authorization bearer header, or the session
// cookie — never by a session token in the URL. The Origin must be allowed.
func (h *handlers) getLive(c *gin.Context) {
	hub := h.opt.Live
	if hub == nil {
		problem(c, http.StatusServiceUnavailable, "problem.live_disabled", nil)
		return
	}
	req, err := hub.Check(c.Request)
	if err != nil {
		var he *live.HTTPError
		if errors.As(err, &he) {
			rawProblem(c, he.Status, he.Detail) // the websocket handshake's own refusal (not localised)
			return
		}
		h.fail(c, err)
		return
	}
	var a *service.Actor
	var sid int
	if t := c.Query("ticket"); t != "" {
		a, sid, err = h.svc.RedeemLiveTicket(c.Request.Context(), t)
	} else if ah := c.GetHeader("Authorization"); strings.HasPrefix(ah, "Bearer ") {
		a, sid, err = h.svc.LiveSession(c.Request.Context(), strings.TrimSpace(strings.TrimPrefix(ah, "Bearer ")))
	} else if ck, cerr := c.Cookie(cookieName); cerr == nil {
		a, sid, err = h.svc.LiveSession(c.Request.Context(), ck)
	}
	if err != nil {
		h.fail(c, err)
		return
	}
	if a == nil {
		problem(c, http.StatusUnauthorized, "problem.live_log_in_first", nil)
		return
	}
	a.RequestID = c.GetString(ctxRequestID)
	c.Set(ctxActor, *a)
	hub.Serve(c.Writer, c.Request, req, live.Peer{Actor: *a, SessionID: sid})
}

// postLiveTicket issues a one-time ticket for one websocket handshake.
func (h *handlers) postLiveTicket(c *gin.Context) {
	t, exp, err := h.svc.IssueLiveTicket(c.Request.Context(), actor(c), c.GetString(ctxToken))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, LiveTicket{Ticket: t, ExpiresAt: exp})
}

// LiveTicket is the answer of POST /live/ticket.
type LiveTicket struct {
	Ticket    string    `json:"ticket"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (h *handlers) getNotifications(c *gin.Context) {
	var f service.NotificationFilter
	var errs []service.FieldError
	if v := c.Query("unread"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, service.FieldErr("/unread", "query.boolean", nil))
		}
		f.Unread = b
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"before", &f.Before}, {"limit", &f.Limit}} {
		if v := c.Query(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				errs = append(errs, service.FieldErr("/"+p.name, "query.positive_integer", nil))
			}
			*p.dst = n
		}
	}
	if len(errs) > 0 {
		problem(c, http.StatusUnprocessableEntity, "problem.query_invalid", nil, errs...)
		return
	}
	page, err := h.svc.Notifications(c.Request.Context(), actor(c), f)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

func (h *handlers) postNotificationsRead(c *gin.Context) {
	var req service.MarkReadRequest
	if !bind(c, &req) {
		return
	}
	n, err := h.svc.MarkNotificationsRead(c.Request.Context(), actor(c), req)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, n)
}
