package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"sluice/backend/fulfilment"
	"sluice/backend/i18n"
)

// postShipment answers POST /orders/{id}/shipments.
func (h *handlers) postShipment(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	var req fulfilment.ShipmentRequest
	if !bind(c, &req) {
		return
	}
	if len(c.GetHeader("Idempotency-Key")) > 200 {
		problem(c, http.StatusBadRequest, "problem.idempotency_key_too_long", i18n.Params{"Max": 200})
		return
	}
	res, rp, err := h.svc.Ship(c.Request.Context(), actor(c), id, req, idem(c, "shipments"))
	if err != nil {
		h.fail(c, err)
		return
	}
	if rp != nil {
		replay(c, rp)
		return
	}
	c.JSON(http.StatusCreated, res)
}

// getShipments answers GET /orders/{id}/shipments.
func (h *handlers) getShipments(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	items, err := h.svc.Shipments(c.Request.Context(), actor(c), id)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// getCarriers answers GET /carriers.
func (h *handlers) getCarriers(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"items": h.svc.Carriers()})
}
