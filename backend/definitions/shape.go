package definitions

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// shape is what conditions and computed fields may reach of an order: the structure of
// the form's data schema, reduced to types and property names.
type shape struct {
	typ    string // object, array, string, number, integer, boolean, null; "" = unknown
	format string // for strings: date, date-time, email…
	props  map[string]*shape
	// open: the object may hold properties it does not declare (additionalProperties or
	// patternProperties given, or no properties declared), so unknown names are not errors.
	open  bool
	items *shape // for arrays
}

func (s *shape) known() bool { return s != nil && s.typ != "" }

// propNames lists the declared property names, sorted.
func (s *shape) propNames() []string {
	return slices.Sorted(maps.Keys(s.props))
}

// isDate says whether the field holds a date (string with format date or date-time).
func (s *shape) isDate() bool {
	return s != nil && s.typ == "string" && (s.format == "date" || s.format == "date-time")
}

// shapeOf derives the shape of a JSON Schema document (decoded with json.Number).
// $ref is followed inside the document; a recursive schema gives a recursive shape.
func shapeOf(root any) *shape {
	b := shapeBuilder{root: root, refs: map[string]*shape{}}
	return b.build(root, 0)
}

type shapeBuilder struct {
	root any
	refs map[string]*shape // shapes of referenced schemas, filled in once built
}

const maxShapeDepth = 32

func (b *shapeBuilder) build(v any, depth int) *shape {
	obj, ok := v.(map[string]any)
	if !ok || depth > maxShapeDepth {
		return &shape{}
	}
	if ref, ok := obj["$ref"].(string); ok && strings.HasPrefix(ref, "#") {
		s, seen := b.refs[ref]
		if !seen {
			s = &shape{}
			b.refs[ref] = s
			*s = *b.build(resolveLocal(b.root, ref), depth+1)
		}
		if len(obj) == 1 {
			return s
		}
		// siblings of $ref also apply (2020-12): merge them in below.
		rest := maps.Clone(obj)
		delete(rest, "$ref")
		return merge(s, b.build(rest, depth+1))
	}
	s := &shape{typ: schemaType(obj)}
	s.format, _ = obj["format"].(string)
	if props, ok := obj["properties"].(map[string]any); ok {
		s.props = make(map[string]*shape, len(props))
		for name, p := range props {
			s.props[name] = b.build(p, depth+1)
		}
	}
	switch ap := obj["additionalProperties"].(type) {
	case nil:
		s.open = s.props == nil
	case bool:
		s.open = ap
	default:
		s.open = true
	}
	if _, ok := obj["patternProperties"]; ok {
		s.open = true
	}
	if items, ok := obj["items"].(map[string]any); ok {
		s.items = b.build(items, depth+1)
	}
	_, hasPattern := obj["patternProperties"]
	declares := s.props != nil || obj["additionalProperties"] != nil || hasPattern
	for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
		subs, _ := obj[kw].([]any)
		for _, sub := range subs {
			if !declares {
				// the alternatives say which properties exist, not this schema's default
				s.open, declares = false, true
			}
			s = merge(s, b.build(sub, depth+1))
		}
	}
	if s.typ == "" {
		switch {
		case s.props != nil:
			s.typ = "object"
		case s.items != nil:
			s.typ = "array"
		}
	}
	return s
}

// merge combines two descriptions of the same value (allOf, $ref siblings, alternatives).
func merge(a, b *shape) *shape {
	out := *a
	if out.typ == "" {
		out.typ = b.typ
	}
	if out.format == "" {
		out.format = b.format
	}
	if b.props != nil {
		out.props = maps.Clone(out.props)
		if out.props == nil {
			out.props = map[string]*shape{}
		}
		for n, p := range b.props {
			if q, ok := out.props[n]; ok {
				out.props[n] = merge(q, p)
			} else {
				out.props[n] = p
			}
		}
	}
	out.open = out.open || b.open
	if out.items == nil {
		out.items = b.items
	}
	return &out
}

func schemaType(obj map[string]any) string {
	switch t := obj["type"].(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if s, _ := x.(string); s != "" && s != "null" {
				return s
			}
		}
	}
	var sample any
	if c, ok := obj["const"]; ok {
		sample = c
	} else if e, ok := obj["enum"].([]any); ok && len(e) > 0 {
		sample = e[0]
	}
	switch sample.(type) {
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	}
	return ""
}

// resolveLocal resolves a same-document reference ("#/$defs/x"); nil if it does not resolve.
func resolveLocal(root any, ref string) any {
	frag := strings.TrimPrefix(ref, "#")
	if frag == "" {
		return root
	}
	v := root
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[unescape(tok)]
	}
	return v
}

// sample is a value of the shape, for the expression environment: numbers (integers too,
// as JSON decodes them) are float64, strings are plausible for their format, arrays hold
// one sample item, objects hold every declared property.
func (s *shape) sample() any { return s.sampleAt(0) }

// maxSampleDepth bounds the sample of a recursive schema.
const maxSampleDepth = 12

func (s *shape) sampleAt(depth int) any {
	if s == nil || depth > maxSampleDepth {
		return nil
	}
	switch s.typ {
	case "object":
		m := make(map[string]any, len(s.props))
		for n, p := range s.props {
			m[n] = p.sampleAt(depth + 1)
		}
		return m
	case "array":
		if s.items == nil || depth == maxSampleDepth {
			return []any{}
		}
		return []any{s.items.sampleAt(depth + 1)}
	case "string":
		switch s.format {
		case "date":
			return "2006-01-02"
		case "date-time":
			return "2006-01-02T15:04:05Z"
		case "time":
			return "15:04:05Z"
		case "email":
			return "someone@example.com"
		}
		return ""
	case "number", "integer":
		return 0.0
	case "boolean":
		return false
	}
	return nil
}
