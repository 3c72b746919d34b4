package definitions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"sluice/backend/i18n"
	"sluice/schemas"
)

// This file wraps santhosh-tekuri/jsonschema: compiling schemas without ever loading
// anything from outside, and turning its error trees into Problems that point at the
// offending value and say what to change.

var printer = message.NewPrinter(language.English)

// noLoader refuses every URL: a schema may only refer to itself (a form's $ref to a file
// or a web address must not read the server's disk or the network).
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("only references inside the same schema are allowed")
}

func newCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(noLoader{})
	return c
}

// schema is a compiled schema plus the raw documents it came from, which error messages
// consult (e.g. to list the properties an object allows).
type schema struct {
	sch  *jsonschema.Schema
	docs map[string]any // resource URL (without fragment) → decoded document
}

// compileSchema compiles doc, registered at url. Errors are Problems pointing into doc,
// each prefixed with at (the document's own pointer in the definition, e.g. "/schema").
func compileSchema(url string, doc any, at string) (*schema, []Problem) {
	c := newCompiler()
	if err := c.AddResource(url, doc); err != nil {
		return nil, []Problem{Coded(at, "definition.schema.invalid", i18n.Params{"Detail": err.Error()})}
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, compileProblems(err, url, at)
	}
	return &schema{sch: sch, docs: map[string]any{url: doc}}, nil
}

func compileProblems(err error, url, at string) []Problem {
	var sve *jsonschema.SchemaValidationError
	if errors.As(err, &sve) {
		var ve *jsonschema.ValidationError
		if errors.As(sve.Err, &ve) {
			return problemsOf(ve, at, nil, nil)
		}
	}
	var rx *jsonschema.InvalidRegexError
	if errors.As(err, &rx) {
		return []Problem{Coded(at+fragment(rx.URL), "definition.schema.regex", i18n.Params{"Regex": rx.Regex, "Detail": rx.Err.Error()})}
	}
	var le *jsonschema.LoadURLError
	if errors.As(err, &le) {
		return []Problem{Coded(at, "definition.schema.ref_outside", i18n.Params{"Ref": le.URL})}
	}
	var nf *jsonschema.JSONPointerNotFoundError
	if errors.As(err, &nf) {
		return []Problem{Coded(at, "definition.schema.ref_missing", i18n.Params{"Ref": "#" + strings.TrimPrefix(fragment(nf.URL), "#")})}
	}
	return []Problem{Coded(at, "definition.schema.invalid", i18n.Params{"Detail": strings.ReplaceAll(err.Error(), url, "schema")})}
}

// fragment returns the JSON pointer in u's fragment ("" if none).
func fragment(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[i+1:]
	}
	return ""
}

// validate checks v against the schema; problems point into v, prefixed with at.
func (s *schema) validate(v any, at string) []Problem {
	err := s.sch.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Problem{Coded(at, "definition.schema.invalid", i18n.Params{"Detail": err.Error()})}
	}
	return sortProblems(problemsOf(ve, at, s.docs, v))
}

// Meta-schemas, compiled once.
var (
	metaOnce sync.Once
	metas    map[string]*schema
	metaErr  error
)

func metaSchema(kind string) (*schema, error) {
	metaOnce.Do(func() {
		metas = map[string]*schema{}
		c := newCompiler()
		docs := map[string]any{}
		for _, k := range schemas.Kinds {
			body, err := schemas.MetaSchema(k)
			if err == nil {
				var doc any
				doc, err = jsonschema.UnmarshalJSON(bytes.NewReader(body))
				if err == nil {
					docs[schemas.URL(k)] = doc
					err = c.AddResource(schemas.URL(k), doc)
				}
			}
			if err != nil {
				metaErr = fmt.Errorf("definitions: meta-schema %s: %w", k, err)
				return
			}
		}
		for _, k := range schemas.Kinds {
			sch, err := c.Compile(schemas.URL(k))
			if err != nil {
				metaErr = fmt.Errorf("definitions: meta-schema %s: %w", k, err)
				return
			}
			metas[k] = &schema{sch: sch, docs: docs}
		}
	})
	if metaErr != nil {
		return nil, metaErr
	}
	return metas[kind], nil
}

// decode parses a JSON document the way the validator wants it (numbers as json.Number),
// reporting syntax errors with their line and column.
func decode(body []byte) (any, []Problem) {
	if err := json.Unmarshal(body, new(any)); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(body, se.Offset)
			return nil, []Problem{Coded("", "definition.json.syntax", i18n.Params{"Line": line, "Column": col, "Detail": se.Error()})}
		}
		return nil, []Problem{Coded("", "definition.json.invalid", i18n.Params{"Detail": err.Error()})}
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return nil, []Problem{Coded("", "definition.json.invalid", i18n.Params{"Detail": err.Error()})}
	}
	return v, nil
}

func position(body []byte, offset int64) (line, col int) {
	if offset > int64(len(body)) {
		offset = int64(len(body))
	}
	before := body[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// problemsOf flattens a validation error tree into Problems. Wrapper nodes ($ref, allOf,
// groups) are looked through; of the failed alternatives of anyOf/oneOf only the closest
// one is reported, since telling someone how every alternative failed confuses more than
// it helps.
func problemsOf(ve *jsonschema.ValidationError, at string, docs map[string]any, instance any) []Problem {
	var out []Problem
	var walk func(ve *jsonschema.ValidationError)
	walk = func(ve *jsonschema.ValidationError) {
		switch k := ve.ErrorKind.(type) {
		case *kind.Schema, *kind.Group, *kind.Reference, *kind.AllOf:
			if len(ve.Causes) > 0 {
				for _, c := range ve.Causes {
					walk(c)
				}
				return
			}
		case *kind.AnyOf:
			if best := closest(ve.Causes); best != nil {
				walk(best)
				return
			}
		case *kind.OneOf:
			if len(k.Subschemas) == 0 {
				if best := closest(ve.Causes); best != nil {
					walk(best)
					return
				}
			}
		}
		if k, ok := ve.ErrorKind.(*kind.PropertyNames); ok && instance != nil {
			ve.InstanceLocation = locateKey(instance, ve.InstanceLocation, k.Property)
		}
		out = append(out, leafProblems(ve, at, docs)...)
	}
	walk(ve)
	return out
}

// locateKey returns the location of the object holding key. jsonschema v6.0.3 reports
// propertyNames errors with an instance location that a sibling's validation may have
// overwritten (a shared slice), so the location is checked against the instance and, if
// wrong, the object is searched for at the same depth.
func locateKey(instance any, loc []string, key string) []string {
	has := func(v any) bool {
		m, ok := v.(map[string]any)
		if ok {
			_, ok = m[key]
		}
		return ok
	}
	if has(valueAt(instance, loc)) {
		return loc
	}
	var found []string
	var search func(v any, path []string)
	search = func(v any, path []string) {
		if found != nil {
			return
		}
		if len(path) == len(loc) {
			if has(v) {
				found = slices.Clone(path)
			}
			return
		}
		switch c := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(c)) {
				search(c[k], append(path, k))
			}
		case []any:
			for i, e := range c {
				search(e, append(path, strconv.Itoa(i)))
			}
		}
	}
	search(instance, nil)
	if found == nil {
		return loc
	}
	return found
}

func valueAt(v any, loc []string) any {
	for _, tok := range loc {
		switch c := v.(type) {
		case map[string]any:
			v = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

// closest picks the alternative that got furthest: its errors lie deepest in the
// instance, and among those it has the fewest errors.
func closest(causes []*jsonschema.ValidationError) *jsonschema.ValidationError {
	var best *jsonschema.ValidationError
	bestDepth, bestCount := -1, 0
	for _, c := range causes {
		depth, count := 0, 0
		var visit func(e *jsonschema.ValidationError)
		visit = func(e *jsonschema.ValidationError) {
			if len(e.Causes) == 0 {
				count++
				d := len(e.InstanceLocation)
				switch e.ErrorKind.(type) {
				case *kind.Required, *kind.AdditionalProperties, *kind.DependentRequired:
					d++ // these point at a property inside the object
				case *kind.Type, *kind.Const, *kind.Enum:
					d-- // a wrong type says the alternative does not fit at all
				}
				depth = max(depth, d)
			}
			for _, cc := range e.Causes {
				visit(cc)
			}
		}
		visit(c)
		if depth > bestDepth || (depth == bestDepth && count < bestCount) {
			best, bestDepth, bestCount = c, depth, count
		}
	}
	return best
}

func leafProblems(ve *jsonschema.ValidationError, at string, docs map[string]any) []Problem {
	here := at + ptr(anySlice(ve.InstanceLocation)...)
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		ps := make([]Problem, len(k.Missing))
		for i, m := range k.Missing {
			ps[i] = Coded(join(here, m), "schema.required", i18n.Params{"Name": m})
		}
		return ps
	case *kind.AdditionalProperties:
		allowed := allowedProperties(docs, ve.SchemaURL)
		ps := make([]Problem, len(k.Properties))
		for i, p := range k.Properties {
			if len(allowed) > 0 {
				ps[i] = Coded(join(here, p), "schema.unknown_property_allowed", i18n.Params{"Name": p, "Allowed": strings.Join(allowed, ", ")})
			} else {
				ps[i] = Coded(join(here, p), "schema.unknown_property", i18n.Params{"Name": p})
			}
		}
		return ps
	case *kind.DependentRequired:
		return []Problem{Coded(join(here, k.Prop), "schema.dependent_required", i18n.Params{"Name": k.Prop, "Missing": quoteList(k.Missing)})}
	case *kind.Dependency:
		return []Problem{Coded(join(here, k.Prop), "schema.dependent_required", i18n.Params{"Name": k.Prop, "Missing": quoteList(k.Missing)})}
	case *kind.PropertyNames:
		code, p := patternCode("schema.property_name", docs, ve.SchemaURL)
		p["Value"] = k.Property
		return []Problem{Coded(join(here, k.Property), code, p)}
	case *kind.UniqueItems:
		return []Problem{Coded(join(here, k.Duplicates[1]), "schema.unique_items", i18n.Params{"Index": k.Duplicates[0]})}
	}
	code, p := leafMessage(ve, docs)
	return []Problem{Coded(here, code, p)}
}

// patternCode is the code of a pattern failure: with the schema's description (what
// the definition says is expected), with the pattern, or plain.
func patternCode(base string, docs map[string]any, schemaURL string) (string, i18n.Params) {
	obj, _ := schemaAt(docs, schemaURL).(map[string]any)
	if d, _ := obj["description"].(string); d != "" {
		return base + "_described", i18n.Params{"Description": d}
	}
	if p, _ := obj["pattern"].(string); p != "" {
		return base + "_pattern", i18n.Params{"Pattern": p}
	}
	return base, i18n.Params{}
}

// leafMessage is the code and parameters of a leaf error. Type names and values are
// parameters (JSON's words, the data); "WantA"/"GotA" carry the English article.
func leafMessage(ve *jsonschema.ValidationError, docs map[string]any) (string, i18n.Params) {
	switch k := ve.ErrorKind.(type) {
	case *kind.Type:
		want := strings.Join(k.Want, " or ")
		return "schema.type", i18n.Params{"Want": want, "Got": k.Got, "WantA": article(want), "GotA": article(k.Got)}
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = display(w)
		}
		if len(want) == 1 {
			return "schema.const", i18n.Params{"Want": want[0], "Got": display(k.Got)}
		}
		return "schema.enum", i18n.Params{"Want": strings.Join(want, ", "), "Got": display(k.Got)}
	case *kind.Const:
		return "schema.const", i18n.Params{"Want": display(k.Want), "Got": display(k.Got)}
	case *kind.Format:
		return "schema.format." + formatCode(k.Want), i18n.Params{"Value": display(k.Got), "Format": k.Want}
	case *kind.Pattern:
		code, p := patternCode("schema.pattern", docs, ve.SchemaURL)
		p["Value"] = k.Got
		return code, p
	case *kind.MinLength:
		if k.Want == 1 {
			return "schema.not_empty", nil
		}
		return "schema.min_length", i18n.Params{"Want": k.Want, "Got": k.Got}
	case *kind.MaxLength:
		return "schema.max_length", i18n.Params{"Want": k.Want, "Got": k.Got}
	case *kind.MinItems:
		return "schema.min_items", i18n.Params{"Count": k.Want, "Got": k.Got}
	case *kind.MaxItems:
		return "schema.max_items", i18n.Params{"Count": k.Want, "Got": k.Got}
	case *kind.MinProperties:
		if k.Want == 1 {
			return "schema.not_empty", nil
		}
		return "schema.min_properties", i18n.Params{"Want": k.Want, "Got": k.Got}
	case *kind.MaxProperties:
		return "schema.max_properties", i18n.Params{"Want": k.Want, "Got": k.Got}
	case *kind.Minimum:
		return "schema.minimum", i18n.Params{"Want": rat(k.Want), "Got": rat(k.Got)}
	case *kind.Maximum:
		return "schema.maximum", i18n.Params{"Want": rat(k.Want), "Got": rat(k.Got)}
	case *kind.ExclusiveMinimum:
		return "schema.exclusive_minimum", i18n.Params{"Want": rat(k.Want), "Got": rat(k.Got)}
	case *kind.ExclusiveMaximum:
		return "schema.exclusive_maximum", i18n.Params{"Want": rat(k.Want), "Got": rat(k.Got)}
	case *kind.MultipleOf:
		return "schema.multiple_of", i18n.Params{"Want": rat(k.Want), "Got": rat(k.Got)}
	case *kind.FalseSchema:
		return "schema.not_allowed", nil
	case *kind.OneOf:
		return "schema.one_of", i18n.Params{"First": k.Subschemas[0], "Second": k.Subschemas[1]}
	}
	// a keyword the cases above do not name: the library's own English text
	return "schema.other", i18n.Params{"Text": ve.ErrorKind.LocalizedString(printer)}
}

// formatCode names a format's message; formats without their own share "other".
func formatCode(f string) string {
	switch f {
	case "date", "date-time", "time", "email":
		return f
	}
	return "other"
}

// allowedProperties lists the property names declared by the schema at schemaURL.
func allowedProperties(docs map[string]any, schemaURL string) []string {
	obj, _ := schemaAt(docs, schemaURL).(map[string]any)
	props, _ := obj["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for n := range props {
		if n == "$schema" {
			continue
		}
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// patternHint returns "; " + the description of the schema holding the pattern, if any.
func patternHint(docs map[string]any, schemaURL, sub string) string {
	obj, _ := schemaAt(docs, schemaURL).(map[string]any)
	if sub != "" {
		obj, _ = obj[sub].(map[string]any)
	}
	if d, _ := obj["description"].(string); d != "" {
		return ": " + d
	}
	if p, _ := obj["pattern"].(string); p != "" {
		return " (expected to match " + p + ")"
	}
	return ""
}

// schemaAt resolves an absolute schema location (URL#/json/pointer) in docs.
func schemaAt(docs map[string]any, schemaURL string) any {
	base, frag, _ := strings.Cut(schemaURL, "#")
	v, ok := docs[base]
	if !ok {
		return nil
	}
	if frag == "" {
		return v
	}
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		tok = unescape(tok)
		switch c := v.(type) {
		case map[string]any:
			v = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func article(t string) string {
	switch {
	case t == "null":
		return "null"
	case strings.HasPrefix(t, "a") || strings.HasPrefix(t, "e") || strings.HasPrefix(t, "i") || strings.HasPrefix(t, "o"):
		return "an " + t
	}
	return "a " + t
}

func display(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprint(v)
}

func rat(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'f', -1, 64)
}
