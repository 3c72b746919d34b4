package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// getAdminStatus shows version, database, counts and the last backup to holders of
// users.manage or audit.read.
func (h *handlers) getAdminStatus(c *gin.Context) {
	st, err := h.svc.Status(c.Request.Context(), actor(c))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}
