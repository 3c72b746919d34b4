package i18n

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// catalogue reads one language's file as it is stored: key → text (or plural forms).
func catalogue(t *testing.T, lang string) map[string]any {
	t.Helper()
	b, err := files.ReadFile("locales/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", lang, err)
	}
	return m
}

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// names are the placeholders a message (every plural form of it) uses.
func names(v any) []string {
	var texts []string
	switch v := v.(type) {
	case string:
		texts = []string{v}
	case map[string]any:
		for _, f := range v {
			s, _ := f.(string)
			texts = append(texts, s)
		}
	}
	set := map[string]bool{}
	for _, s := range texts {
		for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
			set[m[1]] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Every key is in every language, with as many placeholders (a translation may reorder
// them, never drop one), and no text is empty.
func TestCataloguesAgree(t *testing.T) {
	en := catalogue(t, "en")
	if len(en) < 50 {
		t.Fatalf("the English catalogue has only %d keys", len(en))
	}
	for _, l := range Languages {
		c := catalogue(t, l)
		for k, v := range en {
			w, ok := c[k]
			if !ok {
				t.Errorf("%s lacks %q", l, k)
				continue
			}
			// the same number of parameters (English may take a variant of one: the
			// article-bearing "WantA" for "Want")
			if len(names(v)) != len(names(w)) {
				t.Errorf("%s %q uses %v, English uses %v", l, k, names(w), names(v))
			}
			if s, ok := w.(string); ok && s == "" {
				t.Errorf("%s %q is empty", l, k)
			}
		}
		for k := range c {
			if _, ok := en[k]; !ok {
				t.Errorf("%s has %q, which English lacks", l, k)
			}
		}
	}
}

// Chinese texts are Chinese: each zh text holds a CJK character (codes, numbers and
// placeholders aside), and zh-CN differs from zh-TW where zh-TW uses a Traditional-only
// character. A cheap guard against a copied English or Traditional line.
func TestChineseIsChinese(t *testing.T) {
	cjk := regexp.MustCompile(`\p{Han}`)
	for _, l := range []string{"zh-TW", "zh-CN"} {
		for k, v := range catalogue(t, l) {
			s, _ := v.(string)
			if s == "" || placeholder.ReplaceAllString(s, "") == "" {
				continue // only placeholders: nothing to translate
			}
			if strings.TrimFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) }) == "" {
				continue // punctuation (a list separator): nothing to translate
			}
			if !cjk.MatchString(s) {
				t.Errorf("%s %q has no Chinese: %q", l, k, s)
			}
		}
	}
	traditional := regexp.MustCompile(`[這個們與來時會說請資數據檔錄單設點開關應該項類還無權線]`)
	for k, v := range catalogue(t, "zh-CN") {
		if s, _ := v.(string); traditional.MatchString(s) {
			t.Errorf("zh-CN %q holds Traditional characters: %q", k, s)
		}
	}
}

func TestRender(t *testing.T) {
	if got := T("en", "field.text.too_long", Params{"Max": 64}); got != "at most 64 characters" {
		t.Errorf("en: %q", got)
	}
	if got := T("zh-TW", "field.text.too_long", Params{"Max": 64}); got != "最多 64 個字元" {
		t.Errorf("zh-TW: %q", got)
	}
	if got := T("zh-CN", "field.text.too_long", Params{"Max": 64}); got != "最多 64 个字符" {
		t.Errorf("zh-CN: %q", got)
	}
	// plural forms
	if got := En("field.schema.min_items", Params{"Count": 1, "Got": 0}); got != "needs at least 1 item (it has 0)" {
		t.Errorf("one: %q", got)
	}
	if got := En("field.schema.min_items", Params{"Count": 3, "Got": 0}); got != "needs at least 3 items (it has 0)" {
		t.Errorf("other: %q", got)
	}
	// a language it does not speak is the default; a missing key shows as itself
	if got := T("fr", "problem.log_in_first", nil); got != T(Default, "problem.log_in_first", nil) {
		t.Errorf("fr: %q", got)
	}
	if got := T("en", "no.such.key", nil); got != "no.such.key" {
		t.Errorf("missing: %q", got)
	}
	// parameters are data: a value holding template syntax is not run
	if got := En("problem.path_parameter_invalid", Params{"Name": "{{.Name}}"}); got != "the path parameter {{.Name}} is not valid" {
		t.Errorf("param: %q", got)
	}
}

func TestResolve(t *testing.T) {
	for _, c := range []struct{ user, accept, want string }{
		{"", "", "zh-TW"},
		{"", "en-US,en;q=0.9", "en"},
		{"", "fr-FR, zh-CN;q=0.8, en;q=0.5", "zh-CN"},
		{"", "de, zh-Hant;q=0.4", "zh-TW"},
		{"", "zh-SG", "zh-CN"},
		{"", "zh-HK", "zh-TW"},
		{"", "en;q=0.2, zh-Hans;q=0.9", "zh-CN"},
		{"", "fr, de", "zh-TW"},
		{"", "garbage;;q=x", "zh-TW"},
		{"en", "zh-CN", "en"},
		{"zh-CN", "en", "zh-CN"},
		{"xx", "en", "en"},
	} {
		if got := Resolve(c.user, c.accept); got != c.want {
			t.Errorf("Resolve(%q, %q) = %q, want %q", c.user, c.accept, got, c.want)
		}
	}
}

// A message kept as data renders in each reader's language, alone, as a list, and as a
// parameter of another message; after a JSON round trip (how it is stored) too.
func TestMessageAsData(t *testing.T) {
	credit := M("plugin.verify.over_credit", Params{"Customer": "C-1", "Owed": "120", "Open": "100", "Total": "20", "Limit": "110"})
	list := []any{M("plugin.verify.no_customer", nil), credit}
	var stored []any
	b, _ := json.Marshal(list)
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{list, stored} {
		got, ok := Text("zh-TW", v)
		if !ok || got != "訂單未指定客戶；客戶 C-1 的未結金額將達 120（未結 100 + 本訂單 20），超過信用額度 110" {
			t.Errorf("zh-TW list: %q %v", got, ok)
		}
		if got, _ := Text("en", v); got != "the order names no customer; customer C-1 would owe 120 (open 100 + this order 20), over the credit limit 110" {
			t.Errorf("en list: %q", got)
		}
	}
	title := T("zh-CN", "notice.exception", Params{"Number": "SO-1", "Reason": M("exception.reason.credit", nil), "Node": "信用检查", "Message": credit})
	if title != "SO-1：信用检查 发生异常（信用）— 客户 C-1 的未结金额将达 120（未结 100 + 本订单 20），超过信用额度 110" {
		t.Errorf("zh-CN title: %q", title)
	}
	if _, ok := Text("en", "plain text"); ok {
		t.Error("a plain string is not a message kept as data")
	}
	if _, ok := Text("en", map[string]any{"key": "x"}); ok {
		t.Error("a map without $msg is not a message kept as data")
	}
}

// A stored message gives back its key and parameters, and its numbers (float64 after
// JSON) render as they were written, not in the template's exponent form.
func TestStoredMessage(t *testing.T) {
	var stored any
	b, _ := json.Marshal(M("field.text.too_long", Params{"Max": 1000000}))
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	key, p, ok := Message(stored)
	if !ok || key != "field.text.too_long" || p["Max"] != float64(1000000) {
		t.Fatalf("Message: %q %v %v", key, p, ok)
	}
	if got, _ := Text("en", stored); got != "at most 1000000 characters" {
		t.Errorf("en: %q", got)
	}
	if got := T("zh-TW", key, Params{"Max": 2.5}); got != "最多 2.5 個字元" {
		t.Errorf("zh-TW: %q", got)
	}
	if _, _, ok := Message("plain text"); ok {
		t.Error("a plain string is not a message kept as data")
	}
}

// A text an admin wrote per language (a node's name) is kept as data and rendered in the
// reader's language, else zh-TW, else what it has; stored through JSON, as a parameter.
func TestTextsAsData(t *testing.T) {
	name := L(map[string]string{"zh-TW": "自動檢查", "zh-CN": "自动检查", "en": "Automatic checks"}, "verify")
	var stored any
	b, _ := json.Marshal(Params{"Number": "SO-1", "Node": name})
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	p := Params(stored.(map[string]any))
	for lang, want := range map[string]string{"zh-TW": "自動檢查", "zh-CN": "自动检查", "en": "Automatic checks", "ja": "自動檢查"} {
		if got, ok := Text(lang, p["Node"]); !ok || got != want {
			t.Errorf("%s: %q %v, want %q", lang, got, ok, want)
		}
	}
	if got := T("zh-CN", "notice.reminder", p); !strings.Contains(got, "自动检查") || strings.Contains(got, "Automatic") {
		t.Errorf("zh-CN reminder title: %q", got)
	}
	if got, _ := Text("zh-CN", L(map[string]string{"en": "Only English"}, "n1")); got != "Only English" {
		t.Errorf("a name in one language is shown in it: %q", got)
	}
	if L(nil, "n1") != "n1" || L(map[string]string{"en": ""}, "n1") != "n1" {
		t.Error("a node without a name is its id")
	}
}
