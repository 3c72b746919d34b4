package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"sluice/backend/fulfilment"
	"sluice/backend/service"
)

func (h *handlers) getProducts(c *gin.Context) {
	ps, err := h.svc.ListProducts(c.Request.Context(), actor(c), c.Query("q"))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, ps)
}

func (h *handlers) postProducts(c *gin.Context) {
	var in fulfilment.ProductInput
	if !bind(c, &in) {
		return
	}
	v, err := h.svc.CreateProduct(c.Request.Context(), actor(c), in)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, v)
}

func (h *handlers) putProduct(c *gin.Context) {
	var in fulfilment.ProductInput
	if !bind(c, &in) {
		return
	}
	v, err := h.svc.UpdateProduct(c.Request.Context(), actor(c), c.Param("sku"), in)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (h *handlers) getWarehouses(c *gin.Context) {
	ws, err := h.svc.ListWarehouses(c.Request.Context(), actor(c))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, ws)
}

func (h *handlers) postWarehouses(c *gin.Context) {
	var in fulfilment.WarehouseInput
	if !bind(c, &in) {
		return
	}
	v, err := h.svc.CreateWarehouse(c.Request.Context(), actor(c), in)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, v)
}

func (h *handlers) getStock(c *gin.Context) {
	low := false
	switch c.Query("low") {
	case "", "false":
	case "true":
		low = true
	default:
		problem(c, http.StatusUnprocessableEntity, "problem.query_invalid", nil, service.FieldErr("/low", "query.boolean", nil))
		return
	}
	rows, err := h.svc.ListStock(c.Request.Context(), actor(c), c.Query("sku"), c.Query("warehouse"), low)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rows)
}

func (h *handlers) postAdjustment(c *gin.Context) {
	var in fulfilment.AdjustmentRequest
	if !bind(c, &in) {
		return
	}
	v, err := h.svc.Adjust(c.Request.Context(), actor(c), in)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, v)
}

func (h *handlers) getMoves(c *gin.Context) {
	limit, ok := queryLimit(c)
	if !ok {
		return
	}
	p, err := h.svc.ListMoves(c.Request.Context(), actor(c), fulfilment.MoveFilter{SKU: c.Query("sku"), Warehouse: c.Query("warehouse"),
		Order: c.Query("order"), Cursor: c.Query("cursor"), Limit: limit})
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}
