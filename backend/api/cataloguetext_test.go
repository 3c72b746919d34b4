package api_test

import (
	"io/fs"
	"strings"
	"testing"

	"sluice/backend/store/storetest"
	"sluice/schemas"
)

// The catalogue's refusals (definitions, conditions, migrations, simulations) answer
// with field codes and read in the request's language, the kind of definition they name
// included; a migration's preview says in that language why an order cannot move.
func TestCatalogueRefusalsSpeakTheRequestsLanguage(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	admin, clerk := e.login("admin"), e.login("clerk")

	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		pointer, code             string
	}{
		{"publish, not an admin", "POST", "/api/v1/definitions/flows/order-review/publish", clerk, nil, 403, "", ""},
		{"no draft", "POST", "/api/v1/definitions/forms/nope/publish", admin, nil, 404, "", ""},
		{"kind differs", "PUT", "/api/v1/definitions/flows/order-review", admin, `{"kind":"form","key":"order-review"}`, 422, "/kind", "definition.kind_mismatch"},
		{"key differs", "PUT", "/api/v1/definitions/flows/order-review", admin, `{"kind":"flow","key":"other"}`, 422, "/key", "definition.key_mismatch"},
		{"condition too long", "POST", "/api/v1/flows/expressions/check", admin, map[string]string{"expr": strings.Repeat("1", 4001)}, 422, "/expr", "text.too_many_bytes"},
		{"condition's form unknown", "POST", "/api/v1/flows/expressions/check", admin, map[string]string{"form": "nope", "expr": "true"}, 422, "/form", "form.unpublished"},
		{"migration from no version", "POST", "/api/v1/flows/order-review/migrations/preview", admin, map[string]any{"from": 9, "to": 1}, 422, "/from", "migration.from_version"},
		{"migration of no orders", "POST", "/api/v1/flows/order-review/migrations/apply", admin, map[string]any{"from": 1, "to": 2}, 422, "/orders", "migration.orders_required"},
		{"simulation without samples", "POST", "/api/v1/flows/order-review/simulate", admin, `{}`, 422, "/orders", "simulation.samples_required"},
		{"simulation of a bad version", "POST", "/api/v1/flows/order-review/simulate", admin, `{"version":"v1","orders":[{"data":{}}]}`, 422, "/version", "simulation.version"},
		{"simulation of too many past orders", "POST", "/api/v1/flows/order-review/simulate", admin, `{"past":{"limit":500}}`, 422, "/past/limit", "number.at_most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.token, tc.body, "Accept-Language", "en")
			if r.status != tc.status {
				t.Fatalf("%d %s, want %d", r.status, r.body, tc.status)
			}
			p := r.problem(t)
			if han.MatchString(p.Detail) {
				t.Errorf("en detail %q", p.Detail)
			}
			if tc.pointer == "" {
				return
			}
			found := false
			for _, f := range p.Errors {
				found = found || (f.Pointer == tc.pointer && f.Code == tc.code)
			}
			if !found {
				t.Fatalf("no %s at %s: %s", tc.code, tc.pointer, r.body)
			}
			// the same refusal in zh-TW: the same codes, every text Chinese
			tw := e.do(tc.method, tc.path, tc.token, tc.body, "Accept-Language", "zh-TW").problem(t)
			if !han.MatchString(tw.Detail) || strings.Join(codes(tw), ",") != strings.Join(codes(p), ",") {
				t.Fatalf("zh-TW: %+v (en %+v)", tw, p)
			}
			for _, f := range tw.Errors {
				// (the definitions validator's own kind check is not yet from the catalogue)
				if f.Code == tc.code && !han.MatchString(f.Message) {
					t.Errorf("zh-TW field error not translated: %+v", f)
				}
			}
		})
	}

	// a kind of definition named in a detail is a word of the language; English as before
	for _, c := range []struct{ lang, detail string }{
		{"en", "form nope not found"},
		{"zh-TW", "找不到表單 nope"},
		{"zh-CN", "找不到表单 nope"},
	} {
		r := e.do("GET", "/api/v1/definitions/forms/nope", admin, nil, "Accept-Language", c.lang)
		if p := r.problem(t); r.status != 404 || p.Detail != c.detail {
			t.Errorf("%s: %d %q, want %q", c.lang, r.status, p.Detail, c.detail)
		}
	}
	r := e.do("PUT", "/api/v1/definitions/flows/order-review", admin, `{"kind":"form","key":"order-review"}`, "Accept-Language", "zh-TW")
	if p := r.problem(t); p.Detail != "此流程無效" || p.Errors[0].Code != "definition.kind_mismatch" || p.Errors[0].Message != "文件的種類是「form」，卻要儲存為流程" {
		t.Errorf("kind differs, zh-TW: %s", r.body)
	}

	// an order the map does not move: why, in the reader's language
	o := e.submit(clerk, "small-standard.json")
	flow, err := fs.ReadFile(schemas.Examples(), "flows/order-review.json")
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("PUT", "/api/v1/definitions/flows/order-review", admin, flow); r.status != 200 {
		t.Fatalf("draft: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/definitions/flows/order-review/publish", admin, nil); r.status != 200 {
		t.Fatalf("publish: %d %s", r.status, r.body)
	}
	var preview struct {
		Items []struct {
			Order   int
			At      []string
			Problem string
		}
	}
	r = e.do("POST", "/api/v1/flows/order-review/migrations/preview", admin, map[string]any{"from": 1, "to": 2, "map": map[string]string{}}, "Accept-Language", "zh-CN")
	r.json(t, &preview)
	items := preview.Items
	if r.status != 200 || len(items) != 1 || items[0].Order != o.ID || len(items[0].At) != 1 ||
		items[0].Problem != "映射中没有指定停在「"+items[0].At[0]+"」的订单要移到哪里" {
		t.Fatalf("preview, zh-CN: %d %s", r.status, r.body)
	}
}
