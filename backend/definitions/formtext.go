package definitions

import (
	"maps"
	"slices"
	"strconv"

	"sluice/backend/i18n"
)

// A form's data schema may give a field's title and description per language, the way
// node names are given: {"zh-TW": "客戶", "zh-CN": "客户", "en": "Customer"}. JSON Schema
// wants strings there, so before the schema is compiled each such object is replaced by
// its zh-TW text (the fallback language); the document keeps the object for the screens.

// textLanguages are the languages a definition text may name.
var textLanguages = []string{"zh-TW", "zh-CN", "en"}

// schemaTextKeys are the schema keywords that may hold a per-language text.
var schemaTextKeys = []string{"title", "description"}

// Keywords whose value is one subschema, a map of them, or a list of them (draft 2020-12,
// plus the older names a hand-written schema may still use).
var (
	subschemaOne  = []string{"items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "additionalItems"}
	subschemaMap  = []string{"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
	subschemaList = []string{"allOf", "anyOf", "oneOf", "prefixItems"}
)

// plainTexts returns the schema with its per-language titles and descriptions replaced
// by their zh-TW text (else the first language given), and a problem for each such object
// that is not a text (an unknown language, a value that is not a string, no language).
// Only schema positions are visited: a property named "title" is left alone.
func plainTexts(node any, at string) (any, []Problem) {
	obj, ok := node.(map[string]any)
	if !ok {
		return node, nil
	}
	out := maps.Clone(obj)
	var ps []Problem
	for _, k := range schemaTextKeys {
		m, ok := obj[k].(map[string]any)
		if !ok {
			continue
		}
		s, p := plainText(m, at+"/"+k)
		if p != nil {
			ps = append(ps, *p)
		}
		out[k] = s
	}
	for _, k := range subschemaOne {
		if v, ok := obj[k]; ok {
			var sub []Problem
			out[k], sub = plainTexts(v, at+"/"+escape(k))
			ps = append(ps, sub...)
		}
	}
	for _, k := range subschemaMap {
		m, ok := obj[k].(map[string]any)
		if !ok {
			continue
		}
		c := make(map[string]any, len(m))
		for _, name := range slices.Sorted(maps.Keys(m)) {
			var sub []Problem
			c[name], sub = plainTexts(m[name], at+"/"+escape(k)+"/"+escape(name))
			ps = append(ps, sub...)
		}
		out[k] = c
	}
	for _, k := range subschemaList {
		l, ok := obj[k].([]any)
		if !ok {
			continue
		}
		c := make([]any, len(l))
		for i, v := range l {
			var sub []Problem
			c[i], sub = plainTexts(v, at+"/"+k+"/"+strconv.Itoa(i))
			ps = append(ps, sub...)
		}
		out[k] = c
	}
	return out, ps
}

// plainText is the zh-TW text of a per-language object, or a problem saying what is wrong.
func plainText(m map[string]any, at string) (string, *Problem) {
	if len(m) == 0 {
		return "", problemAt(Coded(at, "text.no_language", i18n.Params{"Languages": quoteList(textLanguages)}))
	}
	for _, lang := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(textLanguages, lang) {
			return "", problemAt(Coded(at+"/"+escape(lang), "text.unknown_language", i18n.Params{"Language": lang, "Languages": quoteList(textLanguages)}))
		}
		if _, ok := m[lang].(string); !ok {
			return "", problemAt(Coded(at+"/"+escape(lang), "text.not_string", nil))
		}
	}
	for _, lang := range textLanguages { // zh-TW first
		if s, _ := m[lang].(string); s != "" {
			return s, nil
		}
	}
	return "", nil
}

// problemAt is p, to return as a pointer.
func problemAt(p Problem) *Problem { return &p }
