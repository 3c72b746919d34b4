package definitions

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"sluice/backend/i18n"
)

// Problem is one thing wrong with a document. Pointer is a JSON pointer (RFC 6901) into the
// document (for order data: into the POST /orders body, so it starts with /data); Message
// says what is wrong and what to do about it.
//
// Code, when set, is the problem's stable code: Message is the catalogue message
// "field.<code>" in English filled with Params, and the API renders it again in the
// request's language.
type Problem struct {
	Pointer string      `json:"pointer"`
	Message string      `json:"message"`
	Code    string      `json:"-"`
	Params  i18n.Params `json:"-"`
}

// Coded is the problem of a stable code (catalogue "field.<code>"), for the other
// packages that report problems in documents too (intake's mappings).
func Coded(pointer, code string, p i18n.Params) Problem {
	return Problem{Pointer: pointer, Message: i18n.En("field."+code, p), Code: code, Params: p}
}

func (p Problem) String() string {
	ptr := p.Pointer
	if ptr == "" {
		ptr = "(document)"
	}
	return ptr + ": " + p.Message
}

// Problems is a list of problems; it is an error when not empty.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// ptr builds a JSON pointer from tokens, escaping '~' and '/'.
func ptr(tokens ...any) string {
	var sb strings.Builder
	for _, t := range tokens {
		sb.WriteByte('/')
		switch t := t.(type) {
		case string:
			sb.WriteString(escape(t))
		case int:
			sb.WriteString(strconv.Itoa(t))
		default:
			sb.WriteString(escape(fmt.Sprint(t)))
		}
	}
	return sb.String()
}

// join appends tokens to an existing pointer.
func join(base string, tokens ...any) string { return base + ptr(tokens...) }

func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

func unescape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// sortProblems orders problems by pointer (array indexes numerically), then message, and
// drops exact duplicates, so that output is stable.
func sortProblems(ps []Problem) []Problem {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if c := comparePointers(a.Pointer, b.Pointer); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	return slices.CompactFunc(ps, func(a, b Problem) bool { return a.Pointer == b.Pointer && a.Message == b.Message })
}

func comparePointers(a, b string) int {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		ai, aerr := strconv.Atoi(as[i])
		bi, berr := strconv.Atoi(bs[i])
		if aerr == nil && berr == nil {
			return ai - bi
		}
		return strings.Compare(as[i], bs[i])
	}
	return len(as) - len(bs)
}

// quoteList renders names as "a", "b", "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
