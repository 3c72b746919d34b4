package notify

import (
	"bytes"
	"embed"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"text/template"
)

// Languages the templates are written in; the first is the fallback.
var Languages = []string{"zh-TW", "zh-CN", "en"}

// FallbackLanguage is used for a customer whose language has no template.
const FallbackLanguage = "zh-TW"

//go:embed templates/*.tmpl
var templateFS embed.FS

// Line is one order line as the templates see it.
type Line struct {
	SKU    string
	Name   string
	Qty    float64
	Price  float64
	Amount float64 // Qty × Price
}

// View is what a template renders.
type View struct {
	Number       string
	CustomerCode string
	CustomerName string
	Lines        []Line
	Total        float64
	Currency     string
	PromisedDate string
	Language     string
}

// Rendered is a rendered message.
type Rendered struct {
	Language string
	Subject  string
	Body     string
}

var (
	tmplMu    sync.Mutex
	tmplCache = map[string]*template.Template{} // name.lang -> parsed
)

var funcs = template.FuncMap{"money": money}

// money prints an amount with thousands separators, without decimals when whole
// (TWD has none in practice) and with two otherwise.
func money(v float64) string {
	neg := v < 0
	v = math.Abs(v)
	s := strconv.FormatFloat(v, 'f', 2, 64)
	if v == math.Trunc(v) {
		s = strconv.FormatFloat(v, 'f', 0, 64)
	}
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// lookup parses (once) template name in lang, falling back to FallbackLanguage for a
// language it has no file for; it reports the language used.
func lookup(name, lang string) (*template.Template, string, error) {
	supported := false
	for _, l := range Languages {
		supported = supported || l == lang
	}
	if !supported {
		lang = FallbackLanguage
	}
	tmplMu.Lock()
	defer tmplMu.Unlock()
	for _, l := range []string{lang, FallbackLanguage} {
		key := name + "." + l
		if t, ok := tmplCache[key]; ok {
			return t, l, nil
		}
		b, err := templateFS.ReadFile("templates/" + key + ".tmpl")
		if err != nil {
			continue
		}
		t, err := template.New(key).Funcs(funcs).Option("missingkey=error").Parse(string(b))
		if err != nil {
			return nil, "", fmt.Errorf("template %s: %w", key, err)
		}
		if t.Lookup("subject") == nil || t.Lookup("body") == nil {
			return nil, "", fmt.Errorf("template %s: needs both a subject and a body block", key)
		}
		tmplCache[key] = t
		return t, l, nil
	}
	return nil, "", fmt.Errorf("no message template %q", name)
}

// Render renders template name in lang (falling back to zh-TW) for v.
func Render(name, lang string, v View) (Rendered, error) {
	t, used, err := lookup(name, lang)
	if err != nil {
		return Rendered{}, err
	}
	v.Language = used
	var subj, body bytes.Buffer
	if err := t.ExecuteTemplate(&subj, "subject", v); err != nil {
		return Rendered{}, fmt.Errorf("template %s.%s subject: %w", name, used, err)
	}
	if err := t.ExecuteTemplate(&body, "body", v); err != nil {
		return Rendered{}, fmt.Errorf("template %s.%s body: %w", name, used, err)
	}
	// A subject is one header line: a stray newline in the template would break it.
	s := strings.Join(strings.Fields(subj.String()), " ")
	return Rendered{Language: used, Subject: s, Body: strings.TrimLeft(body.String(), "\n")}, nil
}
