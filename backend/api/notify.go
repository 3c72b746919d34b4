package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"sluice/backend/notify"
)

// getNotifyChannels lists the caller's notification channels and the company's.
func (h *handlers) getNotifyChannels(c *gin.Context) {
	l, err := h.svc.ListNotifyChannels(c.Request.Context(), actor(c))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, l)
}

func (h *handlers) postNotifyChannel(c *gin.Context) {
	var in notify.ChannelInput
	if !bind(c, &in) {
		return
	}
	v, err := h.svc.CreateNotifyChannel(c.Request.Context(), actor(c), in)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, v)
}

func (h *handlers) putNotifyChannel(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	var in notify.ChannelInput
	if !bind(c, &in) {
		return
	}
	v, err := h.svc.UpdateNotifyChannel(c.Request.Context(), actor(c), id, in)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (h *handlers) deleteNotifyChannel(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	if err := h.svc.DeleteNotifyChannel(c.Request.Context(), actor(c), id); err != nil {
		h.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *handlers) putNotifyKinds(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	var in notify.KindsInput
	if !bind(c, &in) {
		return
	}
	v, err := h.svc.ChooseNotifyKinds(c.Request.Context(), actor(c), id, in)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// getActLink shows what a message's link decides, to its signed-in recipient.
func (h *handlers) getActLink(c *gin.Context) {
	v, err := h.svc.OpenLink(c.Request.Context(), actor(c), c.Param("token"))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// postActLink takes the decision a message's link carries: the link and the session
// together, never the link alone.
func (h *handlers) postActLink(c *gin.Context) {
	var d notify.LinkDecision
	if !bind(c, &d) {
		return
	}
	res, err := h.svc.DecideByLink(c.Request.Context(), actor(c), c.Param("token"), d)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}
