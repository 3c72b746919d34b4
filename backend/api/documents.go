package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"sluice/backend/documents"
	"sluice/backend/fulfilment"
	"sluice/backend/service"
)

// docParam is the path parameter of GET /orders/:id/documents/:name.pdf. gin takes a
// parameter up to the next slash, so its name includes ".pdf" and its value is the
// whole last segment ("order.pdf"); OpenAPI reads the route as {name}.pdf.
const docParam = "name.pdf"

// getDocument answers GET /orders/{id}/documents/{name}.pdf[?lang=]: a view (preview,
// download) that writes nothing.
func (h *handlers) getDocument(c *gin.Context) { h.document(c, false) }

// postDocument answers POST /orders/{id}/documents/{name}.pdf[?lang=]: a print, recorded
// in the audit trail (document.printed) before the PDF is answered.
func (h *handlers) postDocument(c *gin.Context) { h.document(c, true) }

func (h *handlers) document(c *gin.Context, record bool) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	name, ok := strings.CutSuffix(c.Param(docParam), ".pdf")
	if _, known := documents.Templates[name]; !ok || !known {
		problem(c, http.StatusNotFound, "problem.no_such_document", nil)
		return
	}
	var lang documents.Lang
	if s, given := c.GetQuery("lang"); given {
		l, ok := documents.ParseLang(s)
		if !ok {
			problem(c, http.StatusBadRequest, "problem.unknown_language", nil, service.FieldErr("/lang", "language.unknown", nil))
			return
		}
		lang = l
	}
	d, err := h.svc.PrintDocument(c.Request.Context(), actor(c), id, name, lang, record)
	if err != nil {
		h.fail(c, err)
		return
	}
	sendPDF(c, d)
}

// postDocumentsBatch answers POST /documents/batch: one PDF for many orders.
func (h *handlers) postDocumentsBatch(c *gin.Context) {
	var req fulfilment.BatchPrintRequest
	if !bind(c, &req) {
		return
	}
	d, err := h.svc.PrintBatch(c.Request.Context(), actor(c), req)
	if err != nil {
		h.fail(c, err)
		return
	}
	sendPDF(c, d)
}

func sendPDF(c *gin.Context, d *fulfilment.PrintedDocument) {
	c.Header("Content-Disposition", `inline; filename="`+d.Filename+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/pdf", d.PDF)
}
