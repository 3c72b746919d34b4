package definitions

import (
	"regexp"
	"strconv"
	"strings"
)

// ExprError is one problem of an expression checked on its own: what to fix and the
// 1-based column it points at (0 when the compiler names none).
type ExprError struct {
	Message  string `json:"message"`
	Position int    `json:"position"`
}

// atColumn is the "(at column N)" of a compiler error, or the "(column N)" of an unknown field.
var atColumn = regexp.MustCompile(`\s*\((?:at )?column (\d+)\)`)

// CheckCondition compiles a branch condition exactly as CompileFlow does for an edge's
// `when`: against the form's fields (any order fields when form is nil), as a boolean.
// It returns nil when the condition is valid. The designer calls it while an admin types.
func CheckCondition(form *Form, src string) []ExprError {
	if strings.TrimSpace(src) == "" {
		return []ExprError{{Message: "the condition is empty"}}
	}
	env := emptyEnv
	if form != nil && form.env != nil {
		env = form.env
	}
	_, msg := env.compile(src, "boolean")
	if msg == "" {
		return nil
	}
	e := ExprError{Message: msg}
	if m := atColumn.FindStringSubmatchIndex(msg); m != nil {
		e.Position, _ = strconv.Atoi(msg[m[2]:m[3]])
		e.Message = msg[:m[0]] + msg[m[1]:]
	}
	return []ExprError{e}
}
