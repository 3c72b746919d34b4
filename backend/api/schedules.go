package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"sluice/backend/definitions"
)

// The reminder editor's schedule preview: the same parsing as publishing a reminder
// definition (definitions.ParseSchedule), so the editor accepts what the server accepts.

type scheduleCheck struct {
	Cron     string `json:"cron"`
	TimeZone string `json:"time_zone"`
	Count    int    `json:"count"`
}

type scheduleResult struct {
	OK     bool                  `json:"ok"`
	Next   []time.Time           `json:"next"`
	Errors []definitions.Problem `json:"errors"`
}

func (h *handlers) postScheduleCheck(c *gin.Context) {
	var req scheduleCheck
	if !bind(c, &req) {
		return
	}
	if req.Count == 0 {
		req.Count = 5
	}
	next, p := definitions.PreviewSchedule(req.Cron, req.TimeZone, time.Now(), req.Count)
	res := scheduleResult{OK: p == nil, Next: next, Errors: []definitions.Problem{}}
	if p != nil {
		res.Next, res.Errors = []time.Time{}, []definitions.Problem{*p}
	}
	c.JSON(http.StatusOK, res)
}
