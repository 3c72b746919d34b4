package api

import (
	"net/http"
	"sluice/backend/inbound"

	"github.com/gin-gonic/gin"
)

func (h *handlers) getCustomers(c *gin.Context) {
	limit, ok := queryLimit(c)
	if !ok {
		return
	}
	p, err := h.svc.ListCustomers(c.Request.Context(), actor(c), inbound.CustomerFilter{Q: c.Query("q"), Blocked: c.Query("blocked"),
		Cursor: c.Query("cursor"), Limit: limit})
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (h *handlers) postCustomers(c *gin.Context) {
	var in inbound.CustomerInput
	if !bind(c, &in) {
		return
	}
	v, err := h.svc.CreateCustomer(c.Request.Context(), actor(c), in)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, v)
}

func (h *handlers) putCustomer(c *gin.Context) {
	var in inbound.CustomerInput
	if !bind(c, &in) {
		return
	}
	v, err := h.svc.UpdateCustomer(c.Request.Context(), actor(c), c.Param("code"), in)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}
