package definitions

import (
	"encoding/json"
	"strings"

	"sluice/backend/engine"
	"sluice/backend/i18n"
)

// Lookup resolves the references between definitions: a flow names its form and the
// roles of its reviews, a reminder names its flow. A nil Lookup resolves nothing.
type Lookup interface {
	Form(key string) (*Form, bool)
	Role(key string) (*Role, bool)
	Flow(key string) (*engine.Flow, bool)
}

// NormalizeKind maps a kind as written in a document or an URL (form, forms, …) to the
// singular form; ok is false for anything else.
func NormalizeKind(kind string) (string, bool) {
	k := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(kind)), "s")
	switch k {
	case "form", "flow", "role", "reminder":
		return k, true
	}
	return "", false
}

// Kind reads the "kind" property of a definition document.
func Kind(body []byte) (string, error) {
	var doc struct {
		Kind *string `json:"kind"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", codedErr("definition.json.not_object", i18n.Params{"Detail": err.Error()})
	}
	if doc.Kind == nil {
		return "", codedErr("definition.kind.missing", nil)
	}
	k, ok := NormalizeKind(*doc.Kind)
	if !ok || k != *doc.Kind {
		return "", codedErr("definition.kind.invalid", i18n.Params{"Kind": *doc.Kind})
	}
	return k, nil
}

// Validate checks a definition of the given kind (form|flow|role|reminder, or the plural)
// against its meta-schema and the semantic rules, resolving references with look. It
// returns nothing when the document is valid.
func Validate(kind string, body []byte, look Lookup) []Problem {
	k, ok := NormalizeKind(kind)
	if !ok {
		return []Problem{Coded("", "definition.kind.unknown", i18n.Params{"Kind": kind})}
	}
	var ps []Problem
	switch k {
	case "form":
		_, ps = ParseForm(body)
	case "role":
		_, ps = ValidateRole(body)
	case "flow":
		_, ps = CompileFlow(body, 0, look)
	case "reminder":
		_, ps = ParseReminder(body, look)
	}
	return ps
}

// checkMeta validates body against the meta-schema of kind. A document of another kind
// gets one problem at /kind rather than a list of everything that does not fit.
// It returns the decoded document for further checks.
func checkMeta(kind string, body []byte) (map[string]any, []Problem) {
	v, ps := decode(body)
	if ps != nil {
		return nil, ps
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, []Problem{Coded("", "definition.not_object", i18n.Params{"Kind": kindName(kind)})}
	}
	if got, ok := obj["kind"].(string); ok && got != kind {
		if k, known := NormalizeKind(got); known && k == got {
			return nil, []Problem{Coded("/kind", "definition.kind.other", i18n.Params{"Got": kindName(got), "Want": kindName(kind)})}
		}
	}
	meta, err := metaSchema(kind)
	if err != nil {
		return nil, []Problem{problemOf("", err)}
	}
	if ps := meta.validate(v, ""); len(ps) > 0 {
		return nil, ps
	}
	return obj, nil
}

// lookup wraps a possibly nil Lookup.
type lookup struct{ Lookup }

func (l lookup) form(key string) (*Form, bool) {
	if l.Lookup == nil {
		return nil, false
	}
	f, ok := l.Lookup.Form(key)
	return f, ok && f != nil
}

func (l lookup) role(key string) (*Role, bool) {
	if l.Lookup == nil {
		return nil, false
	}
	r, ok := l.Lookup.Role(key)
	return r, ok && r != nil
}

func (l lookup) flow(key string) (*engine.Flow, bool) {
	if l.Lookup == nil {
		return nil, false
	}
	f, ok := l.Lookup.Flow(key)
	return f, ok && f != nil
}

// Directory knows the people and departments a definition may name. A Lookup that is also
// a Directory has them checked (drafts are saved against one, so a name that does not
// exist is caught while the admin is at it); any other Lookup leaves them unchecked.
type Directory interface {
	User(username string) bool
	Department(key string) bool
}

// user says whether username exists; true when the Lookup knows no people.
func (l lookup) user(username string) bool {
	d, ok := l.Lookup.(Directory)
	return !ok || d.User(username)
}

// department says whether the department exists; true when the Lookup knows none.
func (l lookup) department(key string) bool {
	d, ok := l.Lookup.(Directory)
	return !ok || d.Department(key)
}
