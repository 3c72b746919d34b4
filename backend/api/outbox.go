package api

import (
	"net/http"
	"sluice/backend/inbound"

	"github.com/gin-gonic/gin"
)

// getOutbox lists outgoing messages (emails, webhooks) newest first, to admins.
func (h *handlers) getOutbox(c *gin.Context) {
	limit, ok := queryLimit(c)
	if !ok {
		return
	}
	p, err := h.svc.ListOutbox(c.Request.Context(), actor(c), inbound.OutboxFilter{Status: c.Query("status"), Cursor: c.Query("cursor"), Limit: limit})
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

// postOutboxRetry puts a dead message back in the queue.
func (h *handlers) postOutboxRetry(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	m, err := h.svc.RetryOutbox(c.Request.Context(), actor(c), id)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}
