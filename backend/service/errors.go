// Package service is Sluice's application layer: each exported method is one use case
// (submit an order, act on a task, publish a definition …) done in one transaction,
// with the engine deciding, Casbin authorising, and the journal recording. HTTP
// handlers call it and only translate.
package service

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"sluice/backend/definitions"
	"sluice/backend/flowcheck"
	"sluice/backend/i18n"
)

// FieldError points at the part of the request that is wrong.
//
// Code is stable (it does not change with the language; clients switch on it) and
// names the catalogue message "field.<code>" that Params fill; Message is that message
// in English here and is rendered again in the request's language when answered. A
// field error built without a code answers code "invalid" with its message as it is.
type FieldError struct {
	Pointer string      `json:"pointer"`
	Code    string      `json:"code,omitempty"`
	Message string      `json:"message"`
	Params  i18n.Params `json:"-"`
}

// FieldErr is the field error of a stable code (catalogue "field.<code>").
func FieldErr(pointer, code string, p i18n.Params) FieldError {
	return FieldError{Pointer: pointer, Code: code, Message: i18n.En("field."+code, p), Params: p}
}

// FromProblem is the field error of a definition's problem (its code kept), at ptr.
func FromProblem(ptr string, p definitions.Problem) FieldError {
	return FieldError{Pointer: ptr, Code: p.Code, Message: p.Message, Params: p.Params}
}

// Localized is the field error's message in lang (as it is when it has no code, or a
// code the catalogues have no message for: the flow checker's, whose findings are its
// own English).
func (f FieldError) Localized(lang string) string {
	if f.Code == "" || !i18n.Has("field."+f.Code) {
		return f.Message
	}
	return i18n.T(lang, "field."+f.Code, f.Params)
}

// Error is a refusal the caller should show as a problem (RFC 9457).
type Error struct {
	Status int `json:"status"`
	// Type is the problem's stable type (Type* in input.go); empty: about:blank.
	Type   string       `json:"type,omitempty"`
	Detail string       `json:"detail"`
	Errors []FieldError `json:"errors,omitempty"`
	// RetryAfter is how long a 429 should wait.
	RetryAfter time.Duration `json:"-"`
	// Code is a stable, machine-readable name of the refusal, when it has one (the
	// flow checker's: flow_stranded, flow_too_large …).
	Code string `json:"code,omitempty"`
	// Counterexample: a flow refused by the flow checker, the decisions from the start
	// that reach the bad state.
	Counterexample []flowcheck.Step `json:"counterexample,omitempty"`
	// Reason is a TypeTaskChanged conflict's machine reason: TaskDecided,
	// TaskCancelled or TaskMoved.
	Reason string `json:"reason,omitempty"`
	// WithinMinutes: a TypeReauthRequired refusal's window, in minutes.
	WithinMinutes int `json:"within_minutes,omitempty"`
	// Key names the catalogue message of Detail (Detail is it in English) and Params
	// fill it; the API renders it in the request's language. Empty: Detail as it is.
	Key    string      `json:"-"`
	Params i18n.Params `json:"-"`
}

// Refuse is a refusal whose detail is the catalogue message key.
func Refuse(status int, key string, p i18n.Params, errs ...FieldError) *Error {
	return &Error{Status: status, Key: key, Params: p, Detail: i18n.En(key, p), Errors: errs}
}

// LocalizedDetail is the detail in lang (as it is when it has no key).
func (e *Error) LocalizedDetail(lang string) string {
	if e.Key == "" {
		return e.Detail
	}
	return i18n.T(lang, e.Key, e.Params)
}

// TypeTaskChanged: a 409 on an action whose task is no longer open. Its Reason says
// why: someone decided it, the order went on without it, or a version migration moved
// the order. It is "it changed", never "you may not" (403).
const TypeTaskChanged = "urn:sluice:problem:task-changed"

// TypeReauthRequired: a 403 on an approval the node lets only a recent sign-in make
// (its fresh_sign_in threshold); the client asks for the password (POST
// /auth/reauth) and retries. WithinMinutes says how recent.
const TypeReauthRequired = "urn:sluice:problem:reauth-required"

// TypeFlowRetired: a 409 on a new order in a retired flow (orders already in it go on).
const TypeFlowRetired = "urn:sluice:problem:flow-retired"

// FlowRetired is the refusal of a new order in the retired flow key.
func FlowRetired(key string) *Error {
	return &Error{Status: http.StatusConflict, Type: TypeFlowRetired, Detail: fmt.Sprintf("the flow %q is retired: it takes no new orders", key),
		Errors: []FieldError{{Pointer: "/flow", Message: "retired: choose another flow"}}}
}

// The reasons of a TypeTaskChanged conflict.
const (
	TaskDecided   = "decided"
	TaskCancelled = "cancelled"
	TaskMoved     = "moved"
)

// taskChanged is the TypeTaskChanged conflict of the given reason, its detail the
// catalogue message key (read in the request's language).
func taskChanged(reason, key string, p i18n.Params) *Error {
	e := Refuse(http.StatusConflict, key, p)
	e.Type, e.Reason = TypeTaskChanged, reason
	return e
}

func (e *Error) Error() string {
	if len(e.Errors) > 0 {
		return fmt.Sprintf("%s (%s: %s)", e.Detail, e.Errors[0].Pointer, e.Errors[0].Message)
	}
	return e.Detail
}

// AsError unwraps an *Error.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Errf is a refusal with the given status.
func Errf(status int, format string, a ...any) *Error {
	return &Error{Status: status, Detail: fmt.Sprintf(format, a...)}
}

// NotFound is a 404 naming what was not found.
// The things the catalogues name ("problem.not_found.<what>") read in the request's
// language; others stay English.
func NotFound(what string) *Error {
	if key := "problem.not_found." + what; i18n.Has(key) {
		return Refuse(http.StatusNotFound, key, nil)
	}
	return Errf(http.StatusNotFound, "%s not found", what)
}

// Forbidden is a 403.
func Forbidden(format string, a ...any) *Error { return Errf(http.StatusForbidden, format, a...) }

// Conflict is a 409.
func Conflict(format string, a ...any) *Error { return Errf(http.StatusConflict, format, a...) }

// Invalid is a 422 pointing at the fields that are wrong.
func Invalid(detail string, errs ...FieldError) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Detail: detail, Errors: errs}
}

// KeyPattern is the shape of usernames and department keys.
var KeyPattern = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,63}$`)

// The core's own short names for the refusals above.
var (
	errf       = Errf
	notFound   = NotFound
	forbidden  = Forbidden
	conflict   = Conflict
	invalid    = Invalid
	keyPattern = KeyPattern
)
