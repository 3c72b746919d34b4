package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"sluice/backend/catalogue"
	"sluice/backend/reporting"
)

// Dashboards (reporting/stats.go) and the designer's expression check (catalogue/flows.go).

func (h *handlers) getStats(c *gin.Context) {
	st, err := h.svc.Stats(c.Request.Context(), actor(c), reporting.StatsFilter{
		Flow: c.Param("key"), Department: c.Query("department"), From: c.Query("from"), To: c.Query("to")})
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

func (h *handlers) postExpressionCheck(c *gin.Context) {
	var req catalogue.ExpressionCheck
	if !bind(c, &req) {
		return
	}
	res, err := h.svc.CheckExpression(c.Request.Context(), actor(c), req)
	if err != nil {
		h.fail(c, err)
		return
	}
	// what to fix, in the reader's language (the code stays)
	l := lang(c)
	for i, e := range res.Errors {
		res.Errors[i].Message = e.Localized(l)
	}
	c.JSON(http.StatusOK, res)
}
