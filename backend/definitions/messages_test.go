package definitions

import (
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sluice/backend/i18n"
	"sluice/plugins"
)

var (
	han = regexp.MustCompile(`\p{Han}`)
	// englishRun is a run of three or more Latin words: an English sentence left in a text
	englishRun = regexp.MustCompile(`[A-Za-z][A-Za-z'-]*(?: [A-Za-z][A-Za-z'-]*){2,}`)
)

// masked is p with its text parameters (names, lists, a library's own words) replaced
// by a mark, so that what remains of a rendering is the catalogue's own text. Numbers
// stay (plural counts); messages kept as data stay, rendered in the language.
func masked(p i18n.Params) i18n.Params {
	out := i18n.Params{}
	for k, v := range p {
		if _, ok := v.(string); ok {
			v = "〇"
		}
		out[k] = v
	}
	return out
}

// checkChinese fails when a message of code, rendered in the Chinese languages with p
// masked, holds no Chinese or an English sentence.
func checkChinese(t *testing.T, code string, p i18n.Params, where string) {
	t.Helper()
	for _, lang := range []string{"zh-TW", "zh-CN"} {
		s := i18n.T(lang, "field."+code, masked(p))
		if !han.MatchString(s) || englishRun.MatchString(s) {
			t.Errorf("%s: %s in %s reads %q", where, code, lang, s)
		}
	}
}

// corpus gathers the problems of broken definitions: every document of testdata and the
// cases below, which reach what those do not (a set's own problems, a schedule preview,
// order data, odd JSON).
func corpus(t *testing.T) map[string][]Problem {
	t.Helper()
	set := examples(t)
	out := map[string][]Problem{}
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out[path] = Validate(filepath.Base(filepath.Dir(path)), body, set)
		return nil
	})
	require.NoError(t, err)

	flow := func(nodes, edges string) []byte {
		return []byte(`{"kind": "flow", "key": "k", "form": "order", "nodes": [` + nodes + `], "edges": [` + edges + `]}`)
	}
	se := `{"id": "s", "type": "start"}, {"id": "e", "type": "end"}`
	for name, body := range map[string][]byte{
		"switch edge without condition": flow(se+`, {"id": "w", "type": "switch"}`, `{"from": "s", "to": "w"}, {"from": "w", "to": "e"}, {"from": "w", "to": "e", "when": "order.total > 1", "default": true}`),
		"parallel with one branch":      flow(se+`, {"id": "p", "type": "parallel"}, {"id": "j", "type": "join", "fork": "p"}`, `{"from": "s", "to": "p"}, {"from": "p", "to": "j", "when": "order.total > 1"}, {"from": "j", "to": "e"}`),
		"inclusive bare edge":           flow(se+`, {"id": "i", "type": "inclusive"}, {"id": "j", "type": "join", "fork": "i"}`, `{"from": "s", "to": "i"}, {"from": "i", "to": "j"}, {"from": "i", "to": "j", "default": true, "when": "order.total > 1"}, {"from": "j", "to": "e"}`),
		"join without fork":             flow(se+`, {"id": "p", "type": "parallel"}, {"id": "j", "type": "join", "fork": "nope"}, {"id": "j2", "type": "join"}`, `{"from": "s", "to": "p"}, {"from": "p", "to": "j"}, {"from": "p", "to": "j2"}, {"from": "j", "to": "e"}, {"from": "j2", "to": "e"}`),
		"two joins of a fork":           flow(se+`, {"id": "p", "type": "parallel"}, {"id": "j", "type": "join", "fork": "p"}, {"id": "j2", "type": "join", "fork": "p"}`, `{"from": "s", "to": "p"}, {"from": "p", "to": "j"}, {"from": "p", "to": "j2"}, {"from": "j", "to": "e"}, {"from": "j2", "to": "e"}`),
		"task edges":                    flow(se+`, {"id": "t", "type": "task", "plugin": "inventory.check"}`, `{"from": "s", "to": "t"}, {"from": "t", "to": "e"}, {"from": "t", "to": "e"}, {"from": "t", "to": "e", "outcome": "shortage", "default": true}, {"from": "t", "to": "e", "outcome": "shortage"}`),
		"on_reject itself":              flow(se+`, {"id": "r", "type": "review", "mode": "any", "approvers": {"role": "finance", "department": "atlantis"}, "on_reject": "r", "fields": {"nope": "read"}, "ratio": {"share": 0.5, "count": 2}, "exception": {"owner": "nobody_here", "owner_department": "atlantis"}, "fresh_sign_in": {"within": "48h"}}`, `{"from": "s", "to": "r"}, {"from": "r", "to": "e"}`),
		"condition faults": flow(se+`, {"id": "w", "type": "switch"}`, `{"from": "s", "to": "w"}, {"from": "w", "to": "e", "default": true},
			{"from": "w", "to": "e", "when": "order.customer.nmae == 1 && order.note.x == 1 && order.items[0].prise > 1"},
			{"from": "w", "to": "e", "when": "(order.total > 1) + 1 > 0"}`),
		"durations": flow(se+`, {"id": "r", "type": "review", "mode": "any", "approvers": {}, "fresh_sign_in": {"within": "0m"}, "exception": {"owner_role": "admin", "owner_department": "sales", "within": "999999h"}},
			{"id": "r2", "type": "review", "mode": "any", "approvers": {"users": ["clerk"]}, "exception": {"within": "PT0H"}}`, `{"from": "s", "to": "r"}, {"from": "r", "to": "r2"}, {"from": "r2", "to": "e"}`),
		"plugin setting":      flow(se+`, {"id": "t", "type": "task", "plugin": "test.setting"}`, `{"from": "s", "to": "t"}, {"from": "t", "to": "e"}`),
		"wait after too long": flow(se+`, {"id": "w", "type": "wait", "wait": {"after": "9999999d"}}`, `{"from": "s", "to": "w"}, {"from": "w", "to": "e"}`),
		"not an object":       []byte(`[1]`),
		"kind flow as form":   []byte(`{"kind": "flow", "key": "x"}`),
	} {
		out[name] = Validate("flow", body, set)
	}
	// a form without date fields, a directory that knows nobody
	complaint := []byte(`{"kind": "flow", "key": "k", "form": "aftersales-complaint", "nodes": [` + se + `,
		{"id": "w", "type": "wait", "wait": {"until_field": "when"}}, {"id": "w2", "type": "wait", "wait": {"until_field": "severity"}},
		{"id": "r", "type": "review", "mode": "any", "approvers": {"users": ["nobody_here"]}, "exception": {"owner": "nobody_here"}},
		{"id": "r2", "type": "review", "mode": "any", "approvers": {"role": "finance", "department": "atlantis"}}],
		"edges": [{"from": "s", "to": "w"}, {"from": "w", "to": "w2"}, {"from": "w2", "to": "r"}, {"from": "r", "to": "r2"}, {"from": "r2", "to": "e"}]}`)
	out["nobody and no dates"] = Validate("flow", complaint, nobody{set})
	out["form given as a flow"] = Validate("form", flow(se, ``), set)
	out["unknown kind"] = Validate("orders", []byte(`{}`), set)
	out["computed computed wrongly"] = Validate("form", []byte(`{"kind": "form", "key": "f", "name": "F",
		"schema": {"type": "object", "properties": {"n": {"type": "number"}, "s": {"type": "string"}, "list": {"type": "array", "items": {"type": "object", "additionalProperties": false}}, "empty": {"type": "object", "additionalProperties": false}}},
		"computed": {"n": "order.s", "a": "order.list.x", "b": "order.empty.x", "c": "order.list[0].y + ", "d": "map(order.list, #.z)"}}`), set)
	// a computed field that fails on valid data: the third item of a shorter list
	third, ps := ParseForm([]byte(`{"kind": "form", "key": "f", "schema": {"type": "object", "properties": {"list": {"type": "array"}}}, "computed": {"x": "order.list[2] + 1"}}`))
	require.Empty(t, ps)
	out["compute fails"] = third.Prepare(map[string]any{"list": []any{1.0}})
	out["deadline of a flow without its form"] = Validate("reminder", []byte(`{"kind": "reminder", "key": "r", "flow": "order-review", "deadline_field": "promised_date"}`), formless{set})
	out["reminder"] = Validate("reminder", []byte(`{"kind": "reminder", "key": "r", "flow": "order-review",
		"rules": {"verify": {"escalate_after": "1d", "escalate_to": {"role": "admin", "department": "sales"}}},
		"calendar": {"time_zone": "", "hours": {"start": "25:00", "end": "09:00"}},
		"schedules": [{"key": "a", "cron": "@every 1h", "action": "digest", "time_zone": "Local"}]}`), set)
	out["reminder hours"] = Validate("reminder", []byte(`{"kind": "reminder", "key": "r", "flow": "order-review",
		"calendar": {"time_zone": "UTC", "hours": {"start": "09:00", "end": "9"}}}`), set)

	for _, src := range []string{"", "order.total >", "total > 1", "order.totl > 1", "order.total + 1", "order.customer.name > 1", "order.items.qty > 1"} {
		var ps []Problem
		form, _ := set.Form("order")
		for _, e := range CheckCondition(form, src) {
			ps = append(ps, Problem{Pointer: "/expr", Message: e.Message, Code: e.Code, Params: e.Params})
		}
		out["condition "+src] = ps
	}
	for _, c := range [][2]string{{"0 9 * * *", "Nowhere/City"}, {"@weekly", "Local"}, {"61 * * * *", "UTC"}, {"TZ=UTC @daily", "UTC"}, {"@every 5s", "UTC"}, {"0 0 31 2 *", "UTC"}} {
		if _, p := PreviewSchedule(c[0], c[1], time.Now(), 1); p != nil {
			out["schedule "+c[0]+" "+c[1]] = []Problem{*p}
		}
	}
	form, _ := set.Form("order")
	out["no order data"] = form.ValidateData(nil)

	out["sub-flow cycle"] = subflowCycle(t)

	s := NewSet()
	s.Add("a.json", []byte(mustRead(t, "roles/finance.json")))
	s.Add("b.json", []byte(mustRead(t, "roles/finance.json")))
	s.Add("c.json", []byte(`{"key": "x"}`))
	s.Add("d.json", []byte(`{"kind": `))
	s.Add("e.json", []byte(`{"kind": "forms"}`))
	s.Add("f.json", []byte(`{"kind": 1}`))
	for _, fp := range s.Check() {
		out["set "+fp.File] = append(out["set "+fp.File], fp.Problem)
	}
	return out
}

// nobody is a directory of no user and no department.
type nobody struct{ Lookup }

func (nobody) User(string) bool       { return false }
func (nobody) Department(string) bool { return false }

// formless knows the flows but not their forms.
type formless struct{ Lookup }

func (formless) Form(string) (*Form, bool) { return nil, false }

// settingPlugin refuses its settings with a plugin's own words.
type settingPlugin struct{ brokenPlugin }

func (settingPlugin) Name() string                    { return "test.setting" }
func (settingPlugin) SettingsSchema() json.RawMessage { return json.RawMessage(`{"type": "object"}`) }
func (settingPlugin) Provision(json.RawMessage) (any, error) {
	return nil, &plugins.SettingError{Pointer: "/mood", Message: "the plugin is not in the mood"}
}

// Every problem of the definition checks has a stable code whose catalogue message
// renders its English text, and reads in Chinese — no English sentence left outside its
// parameters — in zh-TW and zh-CN.
func TestProblemsHaveCodes(t *testing.T) {
	if _, ok := plugins.Get("test.setting"); !ok {
		plugins.Register(settingPlugin{})
	}
	seen := map[string]bool{}
	n := 0
	for where, ps := range corpus(t) {
		require.NotEmpty(t, ps, "%s has no problem", where)
		for _, p := range ps {
			n++
			if p.Code == "" || !i18n.Has("field."+p.Code) {
				t.Errorf("%s: %s has no catalogued code: %q %q", where, p.Pointer, p.Code, p.Message)
				continue
			}
			seen[p.Code] = true
			if want := i18n.En("field."+p.Code, p.Params); p.Message != want {
				t.Errorf("%s: %s: message %q, the catalogue says %q", where, p.Code, p.Message, want)
			}
			checkChinese(t, p.Code, p.Params, where)
		}
	}
	// the codes no case reaches: failures of the embedded meta-schemas, of a library
	// (a body the JSON decoder takes but the schema decoder refuses) or of a plugin's
	// own settings schema (TestPluginWithBrokenSettingsSchema), or what the meta-schemas
	// refuse first (a pattern, a format, a required property); and the two a draft's save
	// checks against its path in backend/catalogue (key_mismatch, kind_mismatch)
	unreached := []string{"definition.key_mismatch", "definition.kind_mismatch", "definition.other", "definition.unreadable", "definition.json.invalid", "definition.schema.invalid",
		"definition.flow.plugin_schema_invalid", "definition.reminder.cron_unreadable",
		"definition.schema.regex", "definition.reminder.holiday_not_date", "definition.reminder.not_time_of_day",
		"definition.flow.ratio_twice", "definition.flow.join_fork_missing"}
	var missing, reached []string
	for _, k := range definitionCodes(t) {
		switch {
		case !seen[k] && !slices.Contains(unreached, k):
			missing = append(missing, k)
		case seen[k] && slices.Contains(unreached, k):
			reached = append(reached, k)
		}
	}
	require.Empty(t, missing, "codes no broken definition of the corpus produces")
	require.Empty(t, reached, "codes the corpus does reach: take them off the unreached list")
	t.Logf("%d problems, %d codes", n, len(seen))
}

// definitionCodes are the codes of the catalogue's definition checks (node type and kind
// names aside: they are parts of messages).
func definitionCodes(t *testing.T) []string {
	var codes []string
	for k := range catalogue(t, "en") {
		code, ok := strings.CutPrefix(k, "field.")
		if ok && strings.HasPrefix(code, "definition.") && !strings.HasPrefix(code, "definition.node_type.") && !strings.HasPrefix(code, "definition.kind_name.") {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	return codes
}

func catalogue(t *testing.T, lang string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../i18n/locales/" + lang + ".json")
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

var placeholder = regexp.MustCompile(`\{\{\s*(?:if\s+)?\.(\w+)\s*\}\}`)

// Every definition message, the ones no case reaches too, reads in Chinese whatever its
// parameters hold (a column or not).
func TestDefinitionMessagesAreChinese(t *testing.T) {
	en := catalogue(t, "en")
	for _, code := range definitionCodes(t) {
		p := i18n.Params{}
		for _, m := range placeholder.FindAllStringSubmatch(en["field."+code].(string), -1) {
			p[m[1]] = "x"
		}
		checkChinese(t, code, p, "catalogue")
		if _, ok := p["Column"]; ok {
			p["Column"] = 7
			checkChinese(t, code, p, "catalogue")
			delete(p, "Column")
			checkChinese(t, code, p, "catalogue")
		}
	}
	require.Greater(t, len(slices.Collect(maps.Keys(en))), 100)
}
