package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"sluice/backend/definitions"
	"sluice/backend/service"
)

// The reminder editor's schedule preview: the same parsing as publishing a reminder
// definition (definitions.ParseSchedule), so the editor accepts what the server accepts.

type scheduleCheck struct {
	Cron     string `json:"cron"`
	TimeZone string `json:"time_zone"`
	Count    int    `json:"count"`
}

type scheduleResult struct {
	OK     bool                 `json:"ok"`
	Next   []time.Time          `json:"next"`
	Errors []service.FieldError `json:"errors"`
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
	res := scheduleResult{OK: p == nil, Next: next, Errors: []service.FieldError{}}
	if p != nil {
		// as a field error of a problem reads: its code, and its message in the reader's language
		f := service.FromProblem(p.Pointer, *p)
		f.Message = f.Localized(lang(c))
		res.Next, res.Errors = []time.Time{}, []service.FieldError{f}
	}
	c.JSON(http.StatusOK, res)
}
