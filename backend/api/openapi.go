package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openapiDoc is the OpenAPI 3.1 description of this server's routes. openapi_test.go
// checks that it documents every registered route and that its references resolve.
//
//go:embed openapi.json
var openapiDoc []byte

// openapi serves the OpenAPI document (GET /api/v1/openapi.json, no login needed).
func (h *handlers) openapi(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json", openapiDoc)
}
