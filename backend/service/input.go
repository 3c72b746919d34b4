package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"sluice/backend/i18n"
)

// Problem types of input the server refuses before reading it: stable, machine-readable
// codes (RFC 9457 "type") that do not change with the language of the detail.
const (
	// TypeInvalidText: a string holds a NUL character or bytes that are not UTF-8.
	// PostgreSQL cannot store either (SQLite would), so both databases refuse them here.
	TypeInvalidText = "urn:sluice:problem:invalid-text"
	// TypeTooLong: a string has more characters, or a list more items, than allowed.
	TypeTooLong = "urn:sluice:problem:too-long"
	// TypeOutOfRange: a number is out of its field's range or of any number's.
	TypeOutOfRange = "urn:sluice:problem:out-of-range"
	// TypeNotObject: the body is null, an array or a scalar where an object is expected.
	TypeNotObject = "urn:sluice:problem:not-an-object"
)

// Bounds every request obeys whatever its fields: a body's strings, lists and numbers
// are checked against them before it is decoded. Fields with a tighter bound say so with
// a `max` tag (CheckLimits).
const (
	// MaxText is the longest string anywhere in a request body, in characters: room for
	// long free text, far below the body limit.
	MaxText = 10000
	// MaxItems is the most items a list anywhere in a request body may have.
	MaxItems = 1000
	// MaxQuery is the longest query parameter or path parameter, in characters.
	MaxQuery = 200
	// MaxIdempotencyKey is the longest Idempotency-Key header.
	MaxIdempotencyKey = 200
)

// badInput is a 400 of one of the types above, its detail the catalogue message key.
func badInput(typ, key string, errs ...FieldError) *Error {
	e := Refuse(http.StatusBadRequest, key, nil, errs...)
	e.Type = typ
	return e
}

// CheckText refuses a string a database cannot store (NUL, invalid UTF-8) or longer
// than max characters; what names it in the answer (a JSON pointer).
func CheckText(what, s string, max int) *Error {
	switch {
	case !utf8.ValidString(s):
		return badInput(TypeInvalidText, "problem.text_not_utf8", FieldErr(what, "text.not_utf8", nil))
	case strings.IndexByte(s, 0) >= 0:
		return badInput(TypeInvalidText, "problem.text_nul", FieldErr(what, "text.nul", nil))
	case max > 0 && len(s) > max && utf8.RuneCountInString(s) > max:
		return badInput(TypeTooLong, "problem.text_too_long", FieldErr(what, "text.too_long", i18n.Params{"Max": max}))
	}
	return nil
}

// ScanJSON checks a request body before it is decoded: one JSON object whose strings
// (names and values) hold no NUL, are valid UTF-8 and have at most MaxText characters,
// whose lists have at most MaxItems items and whose numbers are at most MaxNumber. It
// answers nil for a body it cannot parse: the decoder reports that, with its position.
//
// encoding/json replaces invalid UTF-8 by U+FFFD while decoding, so the raw bytes of
// each string token are checked here, where they are still visible.
func ScanJSON(body []byte) *Error { return scanJSON(body, MaxNumber) }

// MaxNumber bounds the numbers of a request body: beyond ±2^53 a float64 (and a
// JavaScript client) no longer holds every integer, and an int64 field is one step from
// overflowing. A shop's webhook payload is only held to finite (its ids are read as
// text).
const MaxNumber = 1 << 53

func scanJSON(body []byte, maxNumber float64) *Error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	sc := scanner{maxNumber: maxNumber}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // io.EOF, or malformed: the decoder answers with its own message
		}
		if e := sc.token(tok, body[start:dec.InputOffset()]); e != nil {
			return e
		}
		if sc.done {
			return nil // data after the object: the decoder answers
		}
	}
}

// scanner follows where ScanJSON's tokens are, to name the one that is wrong.
type scanner struct {
	maxNumber float64
	stack     []scanFrame
	started   bool
	done      bool
}

type scanFrame struct {
	array bool
	index int    // array: the index of the next item
	name  string // object: the current member's name
	value bool   // object: the next token is the member's value (else a name)
}

// pointer is the JSON pointer of the value the next token starts.
func (s *scanner) pointer() string {
	var b strings.Builder
	for _, f := range s.stack {
		b.WriteByte('/')
		if f.array {
			b.WriteString(strconv.Itoa(f.index))
		} else {
			b.WriteString(escapePointer(f.name))
		}
	}
	return b.String()
}

// container is the pointer of the innermost array or object.
func (s *scanner) container() string {
	p := s.pointer()
	return p[:strings.LastIndexByte(p, '/')]
}

func (s *scanner) token(tok json.Token, raw []byte) *Error {
	if !s.started {
		s.started = true
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return badInput(TypeNotObject, "problem.not_object", FieldErr("", "json.object_expected", nil))
		}
		s.stack = append(s.stack, scanFrame{})
		return nil
	}
	top := &s.stack[len(s.stack)-1]
	if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
		s.stack = s.stack[:len(s.stack)-1]
		s.valueDone()
		return nil
	}
	if !top.array && !top.value { // a member's name
		name := tok.(string)
		top.name = name
		if !utf8.Valid(raw) {
			return badInput(TypeInvalidText, "problem.name_not_utf8", FieldErr(s.pointer(), "text.name_not_utf8", nil))
		}
		if e := CheckText(s.pointer(), name, MaxText); e != nil {
			return e
		}
		top.value = true
		return nil
	}
	if top.array && top.index >= MaxItems {
		return badInput(TypeTooLong, "problem.list_too_long", FieldErr(s.container(), "list.too_long", i18n.Params{"Max": MaxItems}))
	}
	switch t := tok.(type) {
	case json.Delim: // [ or {
		s.stack = append(s.stack, scanFrame{array: t == '['})
		return nil
	case string:
		if !utf8.Valid(raw) {
			return badInput(TypeInvalidText, "problem.text_not_utf8", FieldErr(s.pointer(), "text.not_utf8", nil))
		}
		if e := CheckText(s.pointer(), t, MaxText); e != nil {
			return e
		}
	case json.Number:
		if f, err := t.Float64(); err != nil || math.IsInf(f, 0) || math.Abs(f) > s.maxNumber {
			return badInput(TypeOutOfRange, "problem.number_out_of_range", FieldErr(s.pointer(), "number.out_of_range", i18n.Params{"Max": fmt.Sprintf("%g", s.maxNumber)}))
		}
	}
	s.valueDone()
	return nil
}

// valueDone moves past a value: the next item of an array, the next name of an object.
func (s *scanner) valueDone() {
	if len(s.stack) == 0 {
		s.done = true
		return
	}
	top := &s.stack[len(s.stack)-1]
	if top.array {
		top.index++
	} else {
		top.value = false
	}
}

// escapePointer escapes a name for a JSON pointer (RFC 6901).
func escapePointer(s string) string { return pointerEscaper.Replace(s) }

// Built once: a Replacer builds its tables on first use, and building one per call
// cost an eighth of the server's CPU under load (escapePointer runs for every field of
// every request body checked).
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// CheckLimits applies the `max` tags of a decoded request: `max:"N"` on a string field
// allows N characters, on a list or map N items. Nested structs, pointers and the
// items of lists are followed; pointers are built from the json names.
func CheckLimits(v any) *Error {
	return checkLimits(reflect.ValueOf(v), "")
}

func checkLimits(v reflect.Value, at string) *Error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkLimits(v.Elem(), at)
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // raw JSON: ScanJSON has seen it
		}
		for i := range v.Len() {
			if e := checkLimits(v.Index(i), at+"/"+strconv.Itoa(i)); e != nil {
				return e
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			here := at
			if !f.Anonymous || name != "" {
				if name == "" {
					name = f.Name
				}
				here = at + "/" + escapePointer(name)
			}
			if e := checkTag(v.Field(i), f.Tag.Get("max"), here); e != nil {
				return e
			}
			if e := checkLimits(v.Field(i), here); e != nil {
				return e
			}
		}
	}
	return nil
}

// checkTag checks one field against its `max` tag.
func checkTag(v reflect.Value, tag, at string) *Error {
	if tag == "" {
		return nil
	}
	max, err := strconv.Atoi(tag)
	if err != nil {
		panic(fmt.Sprintf("service: bad max tag %q at %s", tag, at))
	}
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String:
		return CheckText(at, v.String(), max)
	case reflect.Slice, reflect.Map:
		if v.Len() > max {
			return badInput(TypeTooLong, "problem.list_too_long", FieldErr(at, "list.too_long", i18n.Params{"Max": max}))
		}
	}
	return nil
}
