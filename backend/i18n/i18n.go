// Package i18n renders what the server says (problem titles and details, field
// errors, notifications) from message catalogues in zh-TW, zh-CN and en.
//
// It is built on github.com/nicksnyder/go-i18n/v2: its messages take named
// placeholders ({{.Name}}), so parameters stay data and a translation may put them in
// any order, and its catalogues are plain JSON files (locales/*.json, embedded) that
// translators edit without touching code. golang.org/x/text/message has only
// positional %-verbs and a generated catalogue.
//
// A message is named by a stable key ("problem.not_found", "field.required"); the
// key's suffix after "field." is the stable code clients switch on.
package i18n

import (
	"context"
	"embed"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Default is the language when neither the user nor the browser names one.
const Default = "zh-TW"

// Languages are the languages the server speaks (the UI's).
var Languages = []string{"zh-TW", "zh-CN", "en"}

// Params are a message's named parameters (numbers, names, codes): data, never
// translated text.
type Params = map[string]any

//go:embed locales/*.json
var files embed.FS

var (
	once       sync.Once
	localizers map[string]*goi18n.Localizer
)

func load() {
	b := goi18n.NewBundle(language.MustParse(Default))
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	localizers = map[string]*goi18n.Localizer{}
	for _, l := range Languages {
		if _, err := b.LoadMessageFileFS(files, "locales/"+l+".json"); err != nil {
			panic("i18n: catalogue " + l + ": " + err.Error()) // embedded: a broken file is a build error
		}
		localizers[l] = goi18n.NewLocalizer(b, l)
	}
}

// T renders the message key in lang (one of Languages; anything else is Default) with
// its parameters. A key missing from the catalogue renders as the key itself, so a
// mistake shows instead of hiding (and the catalogue test fails).
func T(lang, key string, p Params) string {
	once.Do(load)
	loc, ok := localizers[lang]
	if !ok {
		loc = localizers[Default]
	}
	cfg := &goi18n.LocalizeConfig{MessageID: key, TemplateData: rendered(lang, p)}
	if n, ok := p["Count"]; ok {
		cfg.PluralCount = n
	}
	s, err := loc.Localize(cfg)
	if err != nil || s == "" {
		return key
	}
	return s
}

// Has reports whether the catalogues hold key.
func Has(key string) bool {
	once.Do(load)
	_, err := localizers[Default].Localize(&goi18n.LocalizeConfig{MessageID: key})
	return err == nil
}

// En renders in English: the text kept for logs, error strings and the problem's
// fallback when no request language is known.
func En(key string, p Params) string { return T("en", key, p) }

// Match maps one BCP 47 tag to a language the server speaks, "" when none fits:
// Traditional Chinese (zh-TW, zh-HK, zh-MO, zh-Hant…) and a bare zh → zh-TW, simplified
// (zh-CN, zh-SG, zh-Hans…) → zh-CN, en-* → en. The UI's matchLanguage does the same.
func Match(tag string) string {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	switch {
	case t == "":
		return ""
	case t == "zh-tw" || t == "zh-hk" || t == "zh-mo" || strings.HasPrefix(t, "zh-hant"):
		return "zh-TW"
	case t == "zh-cn" || t == "zh-sg" || strings.HasPrefix(t, "zh-hans"):
		return "zh-CN"
	case t == "zh" || strings.HasPrefix(t, "zh-"):
		return "zh-TW"
	case t == "en" || strings.HasPrefix(t, "en-"):
		return "en"
	}
	return ""
}

// Resolve picks the language of an answer: the user's own setting, else the first
// language of Accept-Language (by quality) the server speaks, else Default.
func Resolve(user, acceptLanguage string) string {
	if l := Match(user); l != "" {
		return l
	}
	if acceptLanguage != "" {
		tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil {
			for _, t := range tags {
				if l := Match(t.String()); l != "" {
					return l
				}
			}
		}
	}
	return Default
}

type ctxKey struct{}

// WithLang carries the request's language to code below the handlers.
func WithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, ctxKey{}, lang)
}

// FromContext is the language WithLang set, else Default.
func FromContext(ctx context.Context) string {
	if l, ok := ctx.Value(ctxKey{}).(string); ok && l != "" {
		return l
	}
	return Default
}

// A message kept as data (an exception's text, a parameter of a notification title) is
// a map {"$msg": key, "$params": {…}}: it survives JSON storage and is rendered in the
// reader's language when read, as a whole (Text) or as a parameter of another message.
// A list of them renders joined by the language's list separator.
const (
	msgKey    = "$msg"
	msgParams = "$params"
	msgTexts  = "$text"
)

// L is a text an admin wrote in several languages (a node's name in a definition), as
// data: {"$text": {"zh-TW": …, "en": …}}, rendered in the reader's language, else in
// Default, else in any it has; fallback (an id) when it has none.
func L(texts map[string]string, fallback string) any {
	m := make(map[string]any, len(texts))
	for l, s := range texts {
		if s != "" {
			m[l] = s
		}
	}
	if len(m) == 0 {
		return fallback
	}
	return map[string]any{msgTexts: m}
}

// pick is texts in lang, else in Default, else the first language in order of name.
func pick(lang string, texts map[string]any) (string, bool) {
	for _, l := range []string{lang, Default} {
		if s, ok := texts[l].(string); ok && s != "" {
			return s, true
		}
	}
	langs := make([]string, 0, len(texts))
	for l := range texts {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		if s, ok := texts[l].(string); ok && s != "" {
			return s, true
		}
	}
	return "", false
}

// M is the message key with its parameters, as data.
func M(key string, p Params) map[string]any {
	m := map[string]any{msgKey: key}
	if len(p) > 0 {
		m[msgParams] = p
	}
	return m
}

// Message is v's key and parameters when it is a message kept as data (M), as stored
// (a JSON round trip leaves its numbers float64, which render as the numbers they were).
func Message(v any) (key string, p Params, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap {
		return "", nil, false
	}
	key, ok = m[msgKey].(string)
	p, _ = m[msgParams].(map[string]any)
	return key, p, ok
}

// Text renders v in lang when it is a message kept as data (M, or a list of them);
// ok is false for anything else.
func Text(lang string, v any) (string, bool) {
	switch v := v.(type) {
	case map[string]any:
		if texts, ok := v[msgTexts].(map[string]any); ok {
			return pick(lang, texts)
		}
		key, ok := v[msgKey].(string)
		if !ok {
			return "", false
		}
		p, _ := v[msgParams].(map[string]any)
		return T(lang, key, p), true
	case []any:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := Text(lang, x)
			if !ok {
				return "", false
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, T(lang, "list.separator", nil)), len(parts) > 0
	case []map[string]any:
		l := make([]any, len(v))
		for i, x := range v {
			l[i] = x
		}
		return Text(lang, l)
	}
	return "", false
}

// rendered is p with its messages-as-data rendered in lang, and its float64 numbers
// written out in full (p itself when it has neither).
func rendered(lang string, p Params) Params {
	var out Params
	for k, v := range p {
		s, ok := Text(lang, v)
		if f, isFloat := v.(float64); isFloat {
			// a number back from JSON storage: 1000000, not the template's 1e+06
			s, ok = strconv.FormatFloat(f, 'f', -1, 64), true
		}
		if !ok {
			continue
		}
		if out == nil {
			out = make(Params, len(p))
			for k2, v2 := range p {
				out[k2] = v2
			}
		}
		out[k] = s
	}
	if out == nil {
		return p
	}
	return out
}
