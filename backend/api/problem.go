package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"sluice/backend/flowcheck"
	"sluice/backend/service"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string               `json:"type"`
	Title  string               `json:"title"`
	Status int                  `json:"status"`
	Detail string               `json:"detail,omitempty"`
	Errors []service.FieldError `json:"errors,omitempty"`
	// Code and Counterexample extend the problem when the service gives them (a flow
	// the flow checker refused).
	Code           string           `json:"code,omitempty"`
	Counterexample []flowcheck.Step `json:"counterexample,omitempty"`
}

func problem(c *gin.Context, status int, detail string, errs ...service.FieldError) {
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Errors: errs}
	b, _ := json.Marshal(p)
	c.Abort()
	c.Data(status, "application/problem+json", b)
}

// fail answers an error from the service: its own status for refusals, 500 otherwise
// (logged, with no internals in the body).
func (h *handlers) fail(c *gin.Context, err error) {
	if e, ok := service.AsError(err); ok {
		if e.Status == http.StatusTooManyRequests {
			c.Header("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())+1))
		}
		if e.Code != "" {
			b, _ := json.Marshal(Problem{Type: "about:blank", Title: http.StatusText(e.Status), Status: e.Status, Detail: e.Detail,
				Errors: e.Errors, Code: e.Code, Counterexample: e.Counterexample})
			c.Abort()
			c.Data(e.Status, "application/problem+json", b)
			return
		}
		problem(c, e.Status, e.Detail, e.Errors...)
		return
	}
	h.log.Error("request failed", "err", err, "path", c.FullPath(), "request_id", c.GetString(ctxRequestID))
	problem(c, http.StatusInternalServerError, "internal error; the request id is "+c.GetString(ctxRequestID))
}

// bind decodes a JSON body strictly: unknown fields and wrong types are 400 with the
// pointer of the field, an oversized body 413. It reports whether it succeeded (and has
// answered when it did not).
func bind(c *gin.Context, v any) bool {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			problem(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", mbe.Limit))
			return false
		}
		problem(c, http.StatusBadRequest, "could not read the body")
		return false
	}
	c.Set(ctxBody, body)
	return decodeStrict(c, body, v)
}

func decodeStrict(c *gin.Context, body []byte, v any) bool {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("unexpected data after the JSON value")
	}
	if err == nil {
		return true
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		ptr := "/" + strings.ReplaceAll(te.Field, ".", "/")
		problem(c, http.StatusBadRequest, "a field has the wrong type",
			service.FieldError{Pointer: ptr, Message: fmt.Sprintf("expected %s, got JSON %s", te.Type, te.Value)})
	case errors.As(err, &se):
		problem(c, http.StatusBadRequest, fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		problem(c, http.StatusBadRequest, "unknown field", service.FieldError{Pointer: "/" + name, Message: "this field is not part of the request"})
	case errors.Is(err, io.EOF):
		problem(c, http.StatusBadRequest, "the body is empty; a JSON object is expected")
	default:
		problem(c, http.StatusBadRequest, "malformed JSON: "+err.Error())
	}
	return false
}
