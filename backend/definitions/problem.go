package definitions

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"sluice/backend/durations"
	"sluice/backend/engine"
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

// at is the problem moved to pointer.
func (p Problem) at(pointer string) Problem {
	p.Pointer = pointer
	return p
}

// codedError is an error of a stable code, for the helpers that answer an error (a time
// zone, a cron spec): its text is the English message, and problemOf keeps the code.
type codedError struct {
	code   string
	params i18n.Params
}

func codedErr(code string, p i18n.Params) error { return &codedError{code, p} }

func (e *codedError) Error() string { return i18n.En("field."+e.code, e.params) }

// Codes of the durations package's errors, by kind.
var durationCodes = map[string]string{
	durations.NotDuration: "definition.duration.not_duration",
	durations.NotSpan:     "definition.duration.not_span",
	durations.NotISO:      "definition.duration.not_iso",
	durations.TooLong:     "definition.duration.too_long",
	durations.Zero:        "definition.duration.zero",
	durations.ZeroISO:     "definition.duration.zero_iso",
}

// problemOf is the problem err describes at pointer: with the code err carries (a
// coded error, a duration's kind), else its text framed as a detail the catalogues
// cannot know (a library's or a plugin's own words).
func problemOf(pointer string, err error) Problem {
	if ce, ok := errors.AsType[*codedError](err); ok {
		return Coded(pointer, ce.code, ce.params)
	}
	if de, ok := errors.AsType[*durations.Error](err); ok {
		if code, ok := durationCodes[de.Kind]; ok {
			return Coded(pointer, code, i18n.Params{"Value": de.Value})
		}
	}
	return Coded(pointer, "definition.other", i18n.Params{"Detail": err.Error()})
}

// nodeTypes name the node types in the reader's language.
var nodeTypes = map[string]string{
	engine.TypeStart:     "field.definition.node_type.start",
	engine.TypeReview:    "field.definition.node_type.review",
	engine.TypeSwitch:    "field.definition.node_type.switch",
	engine.TypeTask:      "field.definition.node_type.task",
	engine.TypeWait:      "field.definition.node_type.wait",
	engine.TypeSubflow:   "field.definition.node_type.subflow",
	engine.TypeParallel:  "field.definition.node_type.parallel",
	engine.TypeInclusive: "field.definition.node_type.inclusive",
	engine.TypeJoin:      "field.definition.node_type.join",
	engine.TypeEnd:       "field.definition.node_type.end",
}

// typeParams are the parameters naming a node type: Type in the reader's language (as
// written when it is no type the engine knows) and TypeA, the English with its article.
func typeParams(t string, p i18n.Params) i18n.Params {
	p["Type"], p["TypeA"] = typeName(t), article(t)
	return p
}

// typeName is a node type in the reader's language, as written when the engine knows no
// such type.
func typeName(t string) any {
	if key, ok := nodeTypes[t]; ok {
		return i18n.M(key, nil)
	}
	return t
}

// kindNames name the kinds of definition in the reader's language.
var kindNames = map[string]string{
	"form":     "field.definition.kind_name.form",
	"flow":     "field.definition.kind_name.flow",
	"role":     "field.definition.kind_name.role",
	"reminder": "field.definition.kind_name.reminder",
}

func kindName(k string) any {
	if key, ok := kindNames[k]; ok {
		return i18n.M(key, nil)
	}
	return k
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
