package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"sluice/backend/service"
)

func (h *handlers) getExceptions(c *gin.Context) {
	limit, ok := queryLimit(c)
	if !ok {
		return
	}
	p, err := h.svc.ListExceptions(c.Request.Context(), actor(c), service.ExceptionFilter{Status: c.Query("status"),
		Reason: c.Query("reason"), Department: c.Query("department"), Flow: c.Query("flow"), Cursor: c.Query("cursor"), Limit: limit})
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (h *handlers) getException(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	e, err := h.svc.GetException(c.Request.Context(), actor(c), id)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, e)
}

func (h *handlers) postResolveException(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	var req service.ResolveRequest
	if !bind(c, &req) {
		return
	}
	res, err := h.svc.ResolveException(c.Request.Context(), actor(c), id, req)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}
