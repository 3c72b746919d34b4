package api

import (
	"encoding/json"
	"errors"
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
	"sluice/backend/i18n"
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

// problem answers a problem whose detail is the catalogue message key, in the
// request's language (keyedProblem with type about:blank).
func problem(c *gin.Context, status int, key string, p i18n.Params, errs ...service.FieldError) {
	keyedProblem(c, status, "", key, p, errs...)
}

// rawProblem answers a problem whose detail is not from the catalogues: only a
// component's own operational reason (readiness, the websocket handshake).
func rawProblem(c *gin.Context, status int, detail string) {
	writeProblem(c, Problem{Status: status, Detail: detail})
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

// keyedProblem answers a problem of a stable type (service.Type*; "" is about:blank)
// whose detail is the catalogue message key.
func keyedProblem(c *gin.Context, status int, typ, key string, p i18n.Params, errs ...service.FieldError) {
	writeProblem(c, Problem{Type: typ, Status: status, Detail: i18n.T(lang(c), key, p), Errors: errs})
}

// serviceProblem answers a refusal the service (or a validator) built.
func serviceProblem(c *gin.Context, e *service.Error) {
	writeProblem(c, Problem{Type: e.Type, Status: e.Status, Detail: e.LocalizedDetail(lang(c)), Errors: e.Errors,
		Code: e.Code, Counterexample: e.Counterexample, Reason: e.Reason, WithinMinutes: e.WithinMinutes})
}

// statusTitles name each status's title in the catalogues (others: problem.title.other).
var statusTitles = map[int]string{
	http.StatusBadRequest:            "problem.title.bad_request",
	http.StatusUnauthorized:          "problem.title.unauthorized",
	http.StatusForbidden:             "problem.title.forbidden",
	http.StatusNotFound:              "problem.title.not_found",
	http.StatusMethodNotAllowed:      "problem.title.method_not_allowed",
	http.StatusRequestTimeout:        "problem.title.request_timeout",
	http.StatusConflict:              "problem.title.conflict",
	http.StatusGone:                  "problem.title.gone",
	http.StatusPreconditionFailed:    "problem.title.precondition_failed",
	http.StatusRequestEntityTooLarge: "problem.title.too_large",
	http.StatusUnsupportedMediaType:  "problem.title.unsupported_media_type",
	http.StatusUnprocessableEntity:   "problem.title.unprocessable",
	http.StatusPreconditionRequired:  "problem.title.precondition_required",
	http.StatusTooManyRequests:       "problem.title.too_many_requests",
	http.StatusInternalServerError:   "problem.title.internal",
	http.StatusServiceUnavailable:    "problem.title.unavailable",
}

// writeProblem localises the problem's title and its field errors' messages (by their
// codes; a field error without one gets code "invalid" and keeps its message) and
// answers it. The type and the codes never depend on the language.
func writeProblem(c *gin.Context, p Problem) {
	l := lang(c)
	if p.Type == "" {
		p.Type = "about:blank"
	}
	p.Title = title(l, p.Status)
	if len(p.Errors) > 0 {
		errs := make([]service.FieldError, len(p.Errors))
		for i, f := range p.Errors {
			f.Message = f.Localized(l)
			if f.Code == "" {
				f.Code = "invalid"
			}
			errs[i] = f
		}
		p.Errors = errs
	}
	b, _ := json.Marshal(p)
	c.Abort()
	c.Data(p.Status, "application/problem+json", b)
}

// title is the status's title in lang.
func title(lang string, status int) string {
	key, ok := statusTitles[status]
	if !ok {
		key = "problem.title.other"
	}
	return i18n.T(lang, key, i18n.Params{"Status": status})
}

// lang is the request's language: the caller's own setting, else Accept-Language, else
// zh-TW.
func lang(c *gin.Context) string {
	if l := c.GetString(ctxLang); l != "" {
		return l
	}
	var own string
	if a, ok := c.Get(ctxActor); ok {
		own = a.(service.Actor).Language
	}
	var accept string
	if c.Request != nil {
		accept = c.GetHeader("Accept-Language")
	}
	l := i18n.Resolve(own, accept)
	c.Set(ctxLang, l)
	return l
}

// fail answers an error from the service: its own status for refusals, 503 when the
// database connection is lost (a restart or failover: worth repeating), 500 otherwise
// (logged, with no internals in the body).
func (h *handlers) fail(c *gin.Context, err error) {
	if e, ok := service.AsError(err); ok {
		if e.Status == http.StatusTooManyRequests {
			c.Header("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())+1))
		}
		serviceProblem(c, e)
		return
	}
	id := c.GetString(ctxRequestID)
	if store.ConnLost(err) && c.Request.Context().Err() == nil {
		h.log.Warn("database connection lost", "err", err, "path", c.FullPath(), "request_id", id)
		typ, key := ProblemDatabaseUnavailable, "problem.database_unavailable"
		if errors.Is(err, store.ErrCommitUnknown) {
			typ, key = ProblemCommitUnknown, "problem.database_commit_unknown"
		}
		c.Header("Retry-After", "1")
		keyedProblem(c, http.StatusServiceUnavailable, typ, key, i18n.Params{"RequestID": id})
		return
	}
	h.log.Error("request failed", "err", err, "path", c.FullPath(), "request_id", id)
	problem(c, http.StatusInternalServerError, "problem.internal", i18n.Params{"RequestID": id})
}

// bind decodes a JSON body strictly: unknown fields and wrong types are 400 with the
// pointer of the field, an oversized body 413, and so is what decodeStrict refuses. It reports whether it succeeded (and has
// answered when it did not).
func bind(c *gin.Context, v any) bool {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			problem(c, http.StatusRequestEntityTooLarge, "problem.body_too_large", i18n.Params{"Limit": mbe.Limit})
			return false
		}
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			problem(c, http.StatusRequestTimeout, "problem.body_too_slow", nil)
			return false
		}
		problem(c, http.StatusBadRequest, "problem.body_unreadable", nil)
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
		serviceProblem(c, e)
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
			serviceProblem(c, e)
			return false
		}
		return true
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		ptr := "/" + strings.ReplaceAll(te.Field, ".", "/")
		problem(c, http.StatusBadRequest, "problem.wrong_type", nil,
			service.FieldErr(ptr, "json.wrong_type", i18n.Params{"Want": te.Type.String(), "Got": te.Value}))
	case errors.As(err, &se):
		problem(c, http.StatusBadRequest, "problem.malformed_json_at", i18n.Params{"Offset": se.Offset, "Error": se.Error()})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		problem(c, http.StatusBadRequest, "problem.unknown_field", nil, service.FieldErr("/"+name, "json.unknown_field", nil))
	case errors.Is(err, io.EOF):
		problem(c, http.StatusBadRequest, "problem.body_empty", nil)
	default:
		problem(c, http.StatusBadRequest, "problem.malformed_json", i18n.Params{"Error": err.Error()})
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
			keyedProblem(c, e.Status, e.Type, "problem.path_parameter_invalid", i18n.Params{"Name": p.Key}, e.Errors...)
			return
		}
	}
	// What parses is what the handlers' c.Query sees (malformed pairs are dropped
	// there as here), so the error is not an answer.
	q, _ := url.ParseQuery(c.Request.URL.RawQuery)
	for _, name := range slices.Sorted(maps.Keys(q)) { // the first bad one, always the same
		if e := service.CheckText("/"+name, name, service.MaxQuery); e != nil {
			keyedProblem(c, e.Status, e.Type, "problem.query_name_invalid", nil, e.Errors...)
			return
		}
		max := service.MaxQuery
		if n, ok := queryLimits[name]; ok {
			max = n
		}
		for _, v := range q[name] {
			if e := service.CheckText("/"+name, v, max); e != nil {
				keyedProblem(c, e.Status, e.Type, "problem.query_parameter_invalid", i18n.Params{"Name": name}, e.Errors...)
				return
			}
		}
	}
	// A header is named by a pointer of its name, as query parameters are.
	if e := service.CheckText("/Idempotency-Key", c.GetHeader("Idempotency-Key"), service.MaxIdempotencyKey); e != nil {
		keyedProblem(c, e.Status, e.Type, "problem.idempotency_key_invalid", nil, e.Errors...)
		return
	}
	c.Next()
}
