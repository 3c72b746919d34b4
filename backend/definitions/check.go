package definitions

import (
	"strings"

	"sluice/backend/i18n"
)

// ExprError is one problem of an expression checked on its own: what to fix and the
// 1-based column it points at (0 when the compiler names none). Code is its stable code
// (catalogue "field.<code>", filled with Params); Message is that message in English,
// without the column, and Localized renders it in another language.
type ExprError struct {
	Message  string      `json:"message"`
	Position int         `json:"position"`
	Code     string      `json:"code"`
	Params   i18n.Params `json:"-"`
}

// Localized is the error's message in lang.
func (e ExprError) Localized(lang string) string { return i18n.T(lang, "field."+e.Code, e.Params) }

// CheckCondition compiles a branch condition exactly as CompileFlow does for an edge's
// `when`: against the form's fields (any order fields when form is nil), as a boolean.
// It returns nil when the condition is valid. The designer calls it while an admin types.
func CheckCondition(form *Form, src string) []ExprError {
	if strings.TrimSpace(src) == "" {
		return []ExprError{exprError(exprFault{code: "definition.expr.empty"})}
	}
	env := emptyEnv
	if form != nil && form.env != nil {
		env = form.env
	}
	_, faults := env.compile(src, "boolean")
	if len(faults) == 0 {
		return nil
	}
	errs := make([]ExprError, len(faults))
	for i, f := range faults {
		errs[i] = exprError(f)
	}
	return errs
}

func exprError(f exprFault) ExprError {
	return ExprError{Message: i18n.En("field."+f.code, f.params), Position: f.column, Code: f.code, Params: f.params}
}
