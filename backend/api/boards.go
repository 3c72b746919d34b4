package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"sluice/backend/reporting"
)

// Department boards, soft locks and comments (reporting/boards.go).

func (h *handlers) getBoard(c *gin.Context) {
	limit, ok := queryLimit(c)
	if !ok {
		return
	}
	b, err := h.svc.Board(c.Request.Context(), actor(c), c.Param("department"), reporting.BoardFilter{
		Flow: c.Query("flow"), Q: c.Query("q"), Status: c.Query("status"), Assignee: c.Query("assignee"),
		Node: c.Query("node"), Cursor: c.Query("cursor"), Limit: limit})
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, b)
}

// lockProblem is the 409 of a lock held by someone else: a problem with the lock.
type lockProblem struct {
	Problem
	Lock reporting.LockView `json:"lock"`
}

func (h *handlers) failLock(c *gin.Context, err error) {
	var lc *reporting.LockConflict
	if errors.As(err, &lc) {
		b, _ := json.Marshal(lockProblem{Problem{Type: "about:blank", Title: title(lang(c), lc.Problem.Status),
			Status: lc.Problem.Status, Detail: lc.Problem.LocalizedDetail(lang(c))}, lc.Lock})
		c.Abort()
		c.Data(lc.Problem.Status, "application/problem+json", b)
		return
	}
	h.fail(c, err)
}

func (h *handlers) postLock(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	var req reporting.LockRequest
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		problem(c, http.StatusBadRequest, "problem.body_unreadable", nil)
		return
	}
	if strings.TrimSpace(string(body)) != "" && !decodeStrict(c, body, &req) {
		return
	}
	l, err := h.svc.LockOrder(c.Request.Context(), actor(c), id, req)
	if err != nil {
		h.failLock(c, err)
		return
	}
	c.JSON(http.StatusOK, l)
}

func (h *handlers) deleteLock(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	if err := h.svc.UnlockOrder(c.Request.Context(), actor(c), id); err != nil {
		h.failLock(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *handlers) getComments(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	items, err := h.svc.Comments(c.Request.Context(), actor(c), id)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (h *handlers) postComment(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	var req reporting.CommentRequest
	if !bind(c, &req) {
		return
	}
	cm, err := h.svc.AddComment(c.Request.Context(), actor(c), id, req)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, cm)
}
