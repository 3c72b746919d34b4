package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"sluice/backend/flowcheck"
	"sluice/backend/service"
	"sluice/backend/store"
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
	// Reason: why a task changed (type service.TypeTaskChanged): decided, cancelled or
	// moved.
	Reason string `json:"reason,omitempty"`
	// WithinMinutes: how recent a sign-in must be (type service.TypeReauthRequired).
	WithinMinutes int `json:"within_minutes,omitempty"`
}

func problem(c *gin.Context, status int, detail string, errs ...service.FieldError) {
	typedProblem(c, status, "", detail, errs...)
}

// Problem types of the database faults a client can act on (stable identifiers).
const (
	// ProblemDatabaseUnavailable: the database could not be reached or the connection
	// was lost before anything was saved; repeat the request after Retry-After.
	ProblemDatabaseUnavailable = "urn:sluice:problem:database-unavailable"
	// ProblemCommitUnknown: the connection was lost while the change was being saved, so
	// it may or may not have been; repeat it with the same Idempotency-Key (the answer
	// is then replayed if it was saved), or check before repeating it.
	ProblemCommitUnknown = "urn:sluice:problem:database-commit-unknown"
)

// typedProblem answers a problem of a stable type (service.Type*; "" is about:blank).
func typedProblem(c *gin.Context, status int, typ, detail string, errs ...service.FieldError) {
	if typ == "" {
		typ = "about:blank"
	}
	p := Problem{Type: typ, Title: http.StatusText(status), Status: status, Detail: detail, Errors: errs}
	b, _ := json.Marshal(p)
	c.Abort()
	c.Data(status, "application/problem+json", b)
}

// fail answers an error from the service: its own status for refusals, 503 when the
// database connection is lost (a restart or failover: worth repeating), 500 otherwise
// (logged, with no internals in the body).
func (h *handlers) fail(c *gin.Context, err error) {
	if e, ok := service.AsError(err); ok {
		if e.Status == http.StatusTooManyRequests {
			c.Header("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())+1))
		}
		if e.Code != "" || e.Reason != "" || e.WithinMinutes != 0 { // a flow the checker refused: its code and counterexample too; a task that changed: why; a fresh sign-in: how fresh
			typ := e.Type
			if typ == "" {
				typ = "about:blank"
			}
			b, _ := json.Marshal(Problem{Type: typ, Title: http.StatusText(e.Status), Status: e.Status, Detail: e.Detail,
				Errors: e.Errors, Code: e.Code, Counterexample: e.Counterexample, Reason: e.Reason, WithinMinutes: e.WithinMinutes})
			c.Abort()
			c.Data(e.Status, "application/problem+json", b)
			return
		}
		typedProblem(c, e.Status, e.Type, e.Detail, e.Errors...)
		return
	}
	id := c.GetString(ctxRequestID)
	if store.ConnLost(err) && c.Request.Context().Err() == nil {
		h.log.Warn("database connection lost", "err", err, "path", c.FullPath(), "request_id", id)
		typ, detail := ProblemDatabaseUnavailable, "the database is unavailable and nothing was changed; try again in a moment"
		if errors.Is(err, store.ErrCommitUnknown) {
			typ, detail = ProblemCommitUnknown, "the connection to the database was lost while saving, so the change may or may not be saved; "+
				"repeat it with the same Idempotency-Key, or check before repeating it"
		}
		c.Header("Retry-After", "1")
		typedProblem(c, http.StatusServiceUnavailable, typ, detail+"; the request id is "+id)
		return
	}
	h.log.Error("request failed", "err", err, "path", c.FullPath(), "request_id", id)
	problem(c, http.StatusInternalServerError, "internal error; the request id is "+id)
}

// bind decodes a JSON body strictly: unknown fields and wrong types are 400 with the
// pointer of the field, an oversized body 413, and so is what decodeStrict refuses. It reports whether it succeeded (and has
// answered when it did not).
func bind(c *gin.Context, v any) bool {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			problem(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", mbe.Limit))
			return false
		}
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			problem(c, http.StatusRequestTimeout, "the body arrived too slowly")
			return false
		}
		problem(c, http.StatusBadRequest, "could not read the body")
		return false
	}
	c.Set(ctxBody, body)
	return decodeStrict(c, body, v)
}

// decodeStrict is the one way request bodies are read (bind, and the lock's optional
// body): before decoding, the body must be one JSON object with no NUL, no invalid
// UTF-8, no string, list or number out of bounds (service.ScanJSON); after, the
// request's own `max` tags must hold (service.CheckLimits). Every refusal is a 400 with
// a stable type and the pointer of the field, before anything is read or written.
func decodeStrict(c *gin.Context, body []byte, v any) bool {
	if e := service.ScanJSON(body); e != nil {
		typedProblem(c, e.Status, e.Type, e.Detail, e.Errors...)
		return false
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("unexpected data after the JSON value")
	}
	if err == nil {
		if e := service.CheckLimits(v); e != nil {
			typedProblem(c, e.Status, e.Type, e.Detail, e.Errors...)
			return false
		}
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

// queryLimits are the query parameters longer than service.MaxQuery: a mapping (JSON)
// and the websocket's topics (up to live.Options.MaxTopics of them).
var queryLimits = map[string]int{"mapping": service.MaxText, "topics": service.MaxText}

// checkRequestText refuses, for every route, a path parameter, query parameter or
// Idempotency-Key that holds a NUL or invalid UTF-8 (PostgreSQL stores neither) or is
// too long: they reach the database (searches, lookups, keys) as they are.
func checkRequestText(c *gin.Context) {
	for _, p := range c.Params {
		if e := service.CheckText("/"+p.Key, p.Value, service.MaxQuery); e != nil {
			typedProblem(c, e.Status, e.Type, "the path parameter "+p.Key+" is not valid", e.Errors...)
			return
		}
	}
	// What parses is what the handlers' c.Query sees (malformed pairs are dropped
	// there as here), so the error is not an answer.
	q, _ := url.ParseQuery(c.Request.URL.RawQuery)
	for _, name := range slices.Sorted(maps.Keys(q)) { // the first bad one, always the same
		if e := service.CheckText("/"+name, name, service.MaxQuery); e != nil {
			typedProblem(c, e.Status, e.Type, "a query parameter's name is not valid", e.Errors...)
			return
		}
		max := service.MaxQuery
		if n, ok := queryLimits[name]; ok {
			max = n
		}
		for _, v := range q[name] {
			if e := service.CheckText("/"+name, v, max); e != nil {
				typedProblem(c, e.Status, e.Type, "the query parameter "+name+" is not valid", e.Errors...)
				return
			}
		}
	}
	// A header is named by a pointer of its name, as query parameters are.
	if e := service.CheckText("/Idempotency-Key", c.GetHeader("Idempotency-Key"), service.MaxIdempotencyKey); e != nil {
		typedProblem(c, e.Status, e.Type, "the Idempotency-Key header is not valid", e.Errors...)
		return
	}
	c.Next()
}
