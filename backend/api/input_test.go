package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sluice/backend/ent/migrate"
	"sluice/backend/intake"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// rows counts the rows of every table: a refused request must leave them all as they
// were (no row, no audit entry, no event, no idempotency key, no session).
func (e *env) rows() map[string]int {
	e.t.Helper()
	n := map[string]int{}
	for _, tb := range migrate.Tables {
		var c int
		if err := e.s.DB.QueryRowContext(context.Background(), `SELECT count(*) FROM "`+tb.Name+`"`).Scan(&c); err != nil {
			e.t.Fatalf("count %s: %v", tb.Name, err)
		}
		n[tb.Name] = c
	}
	return n
}

// bodyOp is one operation of openapi.json that takes a JSON body.
type bodyOp struct {
	method, path string
	schema       map[string]any
}

// bodyless are the unsafe operations that take no body. Every other POST, PUT, PATCH
// and DELETE must document a JSON body, so the sweep below cannot miss a new route.
var bodyless = []string{
	"DELETE /api/v1/me/sessions",
	"DELETE /api/v1/notify/channels/{id}",
	"DELETE /api/v1/orders/{id}/lock",
	"DELETE /api/v1/users/{username}/sessions",
	"POST /api/v1/admin/outbox/{id}/retry",
	"POST /api/v1/auth/logout",
	"POST /api/v1/definitions/{kind}/{key}/publish",
	"POST /api/v1/definitions/{kind}/{key}/restore",
	"POST /api/v1/definitions/{kind}/{key}/retire",
	"POST /api/v1/live/ticket",
	"POST /api/v1/orders/{id}/documents/{name}.pdf",
	"POST /api/v1/users/{username}/disable",
	"POST /api/v1/users/{username}/enable",
}

// openapiDoc fetches the served document.
func (e *env) openapiDoc() map[string]any {
	e.t.Helper()
	r := e.do("GET", "/api/v1/openapi.json", "", nil)
	require.Equal(e.t, 200, r.status)
	var doc map[string]any
	r.json(e.t, &doc)
	return doc
}

// bodyOps lists the operations with a JSON body; the multipart upload is swept apart.
func bodyOps(t *testing.T, doc map[string]any) []bodyOp {
	var ops, none []string
	byKey := map[string]bodyOp{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			if !slices.Contains([]string{"post", "put", "patch", "delete"}, method) {
				continue
			}
			key := strings.ToUpper(method) + " " + path
			rb, ok := op.(map[string]any)["requestBody"].(map[string]any)
			if !ok {
				none = append(none, key)
				continue
			}
			content := rb["content"].(map[string]any)
			if js, ok := content["application/json"].(map[string]any); ok {
				ops = append(ops, key)
				byKey[key] = bodyOp{strings.ToUpper(method), path, js["schema"].(map[string]any)}
			} else {
				require.Contains(t, content, "multipart/form-data", key)
			}
		}
	}
	sort.Strings(none)
	require.Equal(t, bodyless, none, "a new unsafe route: document its body (it is swept) or list it in bodyless")
	sort.Strings(ops)
	out := make([]bodyOp, len(ops))
	for i, k := range ops {
		out[i] = byKey[k]
	}
	return out
}

// leaf is a place in a body where the schema allows a string or a number.
type leaf struct {
	path []any // string: a member's name; 0: the first item of a list
	kind string
}

func (l leaf) pointer() string {
	var b strings.Builder
	for _, p := range l.path {
		fmt.Fprintf(&b, "/%v", p)
	}
	return b.String()
}

// leaves walks a schema for its strings and numbers. A free object (no properties, or
// additionalProperties) gets a member "x" of both kinds.
func leaves(doc, s map[string]any, path []any, depth int) []leaf {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		s = doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
	}
	if depth > 6 {
		return nil
	}
	at := func(p any) []any { return append(slices.Clone(path), p) }
	var out []leaf
	for _, k := range []string{"oneOf", "anyOf", "allOf"} {
		for _, b := range asList(s[k]) {
			out = append(out, leaves(doc, b.(map[string]any), path, depth+1)...)
		}
	}
	props, _ := s["properties"].(map[string]any)
	for _, name := range sortedKeys(props) {
		out = append(out, leaves(doc, props[name].(map[string]any), at(name), depth+1)...)
	}
	if items, ok := s["items"].(map[string]any); ok {
		out = append(out, leaves(doc, items, at(0), depth+1)...)
	}
	switch ap := s["additionalProperties"].(type) {
	case map[string]any:
		out = append(out, leaves(doc, ap, at("x"), depth+1)...)
	case bool:
		if ap {
			out = append(out, leaf{at("x"), "string"}, leaf{at("x"), "number"})
		}
	}
	typ, _ := s["type"].(string)
	switch {
	case typ == "object" && props == nil && s["additionalProperties"] == nil:
		out = append(out, leaf{at("x"), "string"}, leaf{at("x"), "number"})
	case typ == "string" || s["enum"] != nil || s["const"] != nil:
		out = append(out, leaf{path, "string"})
	case typ == "integer" || typ == "number":
		out = append(out, leaf{path, "number"})
	case typ == "" && len(out) == 0 && len(path) > 0: // anything goes: a string will do
		out = append(out, leaf{path, "string"})
	}
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// body is the JSON of an object holding only raw at l's place.
func (l leaf) body(raw string) []byte {
	out := raw
	for i := len(l.path) - 1; i >= 0; i-- {
		switch p := l.path[i].(type) {
		case string:
			k, _ := json.Marshal(p)
			out = "{" + string(k) + ":" + out + "}"
		default:
			out = "[" + out + "]"
		}
	}
	return []byte(out)
}

// hostile is one bad body and the refusal it must get.
type hostile struct {
	name    string
	body    []byte
	typ     string
	pointer string
}

func hostileBodies(doc map[string]any, op bodyOp) []hostile {
	hs := []hostile{
		{"null", []byte(`null`), service.TypeNotObject, ""},
		{"array", []byte(`[{}]`), service.TypeNotObject, ""},
		{"string", []byte(`"x"`), service.TypeNotObject, ""},
		{"number", []byte(`1`), service.TypeNotObject, ""},
		{"NUL in a name", []byte(`{"a\u0000":1}`), service.TypeInvalidText, "/a\x00"},
		{"invalid UTF-8 in a name", []byte("{\"a\xff\":1}"), service.TypeInvalidText, "/a\ufffd"},
	}
	seen := map[string]bool{}
	for _, l := range leaves(doc, op.schema, nil, 0) {
		ptr := l.pointer()
		if seen[l.kind+ptr] {
			continue
		}
		seen[l.kind+ptr] = true
		if l.kind == "string" {
			hs = append(hs,
				hostile{"NUL at " + ptr, l.body(`"a\u0000b"`), service.TypeInvalidText, ptr},
				hostile{"raw NUL at " + ptr, l.body("\"a\x00b\""), "", ""}, // control characters are malformed JSON
				hostile{"invalid UTF-8 at " + ptr, l.body("\"a\xffb\xc3\""), service.TypeInvalidText, ptr},
				hostile{"1 MB at " + ptr, l.body(`"` + strings.Repeat("x", 1_000_000) + `"`), service.TypeTooLong, ptr})
			continue
		}
		hs = append(hs,
			hostile{"1e400 at " + ptr, l.body(`1e400`), service.TypeOutOfRange, ptr},
			hostile{"2^63 at " + ptr, l.body(`9223372036854775808`), service.TypeOutOfRange, ptr},
			hostile{"-2^63-1 at " + ptr, l.body(`-9223372036854775809`), service.TypeOutOfRange, ptr})
	}
	return hs
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// TestHostileBodiesOnEveryRoute sends, as the demo admin (so no authorization hides a
// fault), every operation with a JSON body a null and other non-objects, and for each
// string and number its schema allows a NUL, invalid UTF-8, a 1 MB string, 1e400 and
// ±2^63: each is a 400 problem of a stable type naming the field, and no table changes.
func TestHostileBodiesOnEveryRoute(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		admin := e.login("admin")
		doc := e.openapiDoc()
		// Real rows behind the path parameters, so a body that got through would act.
		var customers struct{ Items []struct{ Code string } }
		var products []struct{ SKU string }
		e.do("GET", "/api/v1/customers", admin, nil).json(t, &customers)
		e.do("GET", "/api/v1/products", admin, nil).json(t, &products)
		require.NotEmpty(t, customers.Items)
		require.NotEmpty(t, products)
		params := map[string]string{"id": "1", "kind": "flows", "key": "order-review", "code": customers.Items[0].Code,
			"sku": products[0].SKU, "token": "x.y"}

		before := e.rows()
		ops := bodyOps(t, doc)
		require.Greater(t, len(ops), 20)
		for _, op := range ops {
			path := pathParam.ReplaceAllStringFunc(op.path, func(m string) string { return params[m[1:len(m)-1]] })
			webhook := op.path == "/api/v1/channels/{key}/orders"
			if webhook {
				path = "/api/v1/channels/shop/orders"
			}
			for _, h := range hostileBodies(doc, op) {
				var r resp
				if webhook { // the signature is the credential: sign, so the body is read
					r = e.webhook("shop", demoShopSecret, h.body, time.Now())
				} else {
					r = e.do(op.method, path, admin, h.body)
				}
				where := op.method + " " + op.path + ": " + h.name
				if webhook && strings.Contains(h.name, "2^63") {
					// A shop's ids may be any integer (read as text): refused by the
					// mapping here, not by the bounds.
					require.Equal(t, 422, r.status, "%s: %.300s", where, r.body)
					continue
				}
				require.Equal(t, 400, r.status, "%s: %.300s", where, r.body)
				p := r.problem(t)
				if h.typ == "" {
					continue
				}
				require.Equal(t, h.typ, p.Type, where)
				require.NotEmpty(t, p.Errors, where)
				require.Equal(t, h.pointer, p.Errors[0].Pointer, where)
			}
		}
		require.Equal(t, before, e.rows(), "a refused body wrote something")
	})
}

// TestHostileRequestText: path parameters, query parameters and the Idempotency-Key
// reach the database as they are; with a NUL, invalid UTF-8 or too long they are a 400
// of a stable type on every route, before anything is read or written.
func TestHostileRequestText(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		admin := e.login("admin")
		doc := e.openapiDoc()
		before := e.rows()
		var n int
		for _, path := range sortedKeys(doc["paths"].(map[string]any)) {
			item := doc["paths"].(map[string]any)[path].(map[string]any)
			for _, method := range sortedKeys(item) {
				if !slices.Contains([]string{"get", "post", "put", "patch", "delete"}, method) {
					continue
				}
				m := strings.ToUpper(method)
				filled := pathParam.ReplaceAllString(path, "1")
				cases := []struct {
					name, path, typ, pointer string
					hdr                      []string
				}{
					{"q with NUL", filled + "?q=a%00b", service.TypeInvalidText, "/q", nil},
					{"q not UTF-8", filled + "?q=a%FFb", service.TypeInvalidText, "/q", nil},
					{"q of 50,000", filled + "?q=" + strings.Repeat("x", 50000), service.TypeTooLong, "/q", nil},
					{"q of 201", filled + "?q=" + url.QueryEscape(strings.Repeat("é", service.MaxQuery+1)), service.TypeTooLong, "/q", nil},
					{"status with NUL", filled + "?status=%00", service.TypeInvalidText, "/status", nil},
					{"Idempotency-Key not UTF-8", filled, service.TypeInvalidText, "/Idempotency-Key", []string{"Idempotency-Key", "k\xff"}},
					{"Idempotency-Key of 201", filled, service.TypeTooLong, "/Idempotency-Key", []string{"Idempotency-Key", strings.Repeat("k", 201)}},
				}
				if params := pathParam.FindAllStringSubmatch(path, -1); len(params) > 0 {
					last := params[len(params)-1][1]
					bad := pathParam.ReplaceAllStringFunc(path, func(p string) string {
						if p[1:len(p)-1] == last {
							return "a%00b"
						}
						return "1"
					})
					// The pointer is gin's name of the parameter: the whole segment ("name.pdf").
					segs := strings.Split(path, "/")
					last = strings.NewReplacer("{", "", "}", "").Replace(segs[len(segs)-1])
					if !strings.Contains(segs[len(segs)-1], "{") {
						last = params[len(params)-1][1]
					}
					cases = append(cases, struct {
						name, path, typ, pointer string
						hdr                      []string
					}{"path parameter with NUL", bad, service.TypeInvalidText, "/" + last, nil})
				}
				for _, tc := range cases {
					r := e.do(m, tc.path, admin, nil, tc.hdr...)
					where := m + " " + path + ": " + tc.name
					require.Equal(t, 400, r.status, "%s: %.300s", where, r.body)
					p := r.problem(t)
					require.Equal(t, tc.typ, p.Type, where)
					require.Equal(t, tc.pointer, p.Errors[0].Pointer, where)
					n++
				}
			}
		}
		require.Greater(t, n, 300)
		require.Equal(t, before, e.rows(), "a refused request wrote something")

		// Within the bounds, the same parameters work.
		r := e.do("GET", "/api/v1/orders?q="+url.QueryEscape(strings.Repeat("é", service.MaxQuery)), admin, nil)
		require.Equal(t, 200, r.status, string(r.body))
	})
}

// TestHostileUpload: the import's form fields and file name are held to the same rules,
// and a NUL in a cell is that row's error, not the import's.
func TestHostileUpload(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk := e.login("clerk")
		mapping := string(testdata(t, "mapping.json"))
		csv := testdata(t, "orders.csv")
		before := e.rows()
		for _, tc := range []struct {
			name     string
			fields   map[string]string
			filename string
			typ      string
			pointer  string
		}{
			{"NUL in flow", map[string]string{"flow": "order\x00review", "mapping": mapping}, "orders.csv", service.TypeInvalidText, "/flow"},
			{"invalid UTF-8 in department", map[string]string{"flow": "order-review", "department": "s\xffales", "mapping": mapping}, "orders.csv", service.TypeInvalidText, "/department"},
			{"long encoding", map[string]string{"flow": "order-review", "encoding": strings.Repeat("u", 1000), "mapping": mapping}, "orders.csv", service.TypeTooLong, "/encoding"},
			{"escaped NUL in the mapping", map[string]string{"flow": "order-review", "mapping": strings.Replace(mapping, "客戶名稱", `客戶\u0000名稱`, 1)}, "orders.csv", service.TypeInvalidText, "/mapping/fields/customer.name"},
			{"null mapping", map[string]string{"flow": "order-review", "mapping": "null"}, "orders.csv", service.TypeNotObject, "/mapping"},
			{"invalid UTF-8 in the file name", map[string]string{"flow": "order-review", "mapping": mapping}, "orders\xff.csv", service.TypeInvalidText, "/file"},
			{"long file name", map[string]string{"flow": "order-review", "mapping": mapping}, strings.Repeat("o", 300) + ".csv", service.TypeTooLong, "/file"},
		} {
			r := e.upload(clerk, tc.filename, csv, tc.fields)
			require.Equal(t, 400, r.status, "%s: %s", tc.name, r.body)
			p := r.problem(t)
			require.Equal(t, tc.typ, p.Type, tc.name)
			require.Equal(t, tc.pointer, p.Errors[0].Pointer, tc.name)
		}
		require.Equal(t, before, e.rows())

		// A NUL in a name cell and in a reference cell: those orders fail, row by row;
		// the good one is made.
		text := strings.Replace(string(csv), "台北精密機械", "台北\x00精密機械", 1)
		text = strings.Replace(text, "PO-1003", "PO-10\x0003", 1)
		text = strings.Replace(text, ",two,", ",2,", 1)
		j := e.startImport(clerk, "orders.csv", []byte(text), map[string]string{"flow": "order-review", "mapping": mapping})
		require.Equal(t, "done", j.Status, "%+v", j)
		require.Equal(t, 1, j.Created, "%+v", j)
		require.Equal(t, 2, j.Failed, "%+v", j)
		require.Contains(t, j.Errors, intake.RowError{Row: 4, Column: "客戶名稱", Code: "value.nul", Message: "the text holds a NUL character"})
		require.Contains(t, j.Errors, intake.RowError{Row: 6, Column: "訂單編號", Code: "value.nul", Message: "the text holds a NUL character"})
	})
}

// TestLockMinutesDoNotOverflow: minutes whose duration wraps int64 around into the
// allowed range were taken; the range is checked on the minutes.
func TestLockMinutesDoNotOverflow(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		admin := e.login("admin")
		before := e.rows()
		for _, m := range []int64{153722868, 1 << 40, 481, -1} {
			r := e.do("POST", "/api/v1/orders/1/lock", admin, `{"minutes":`+strconv.FormatInt(m, 10)+`}`)
			require.Equal(t, 422, r.status, "%d: %s", m, r.body)
			require.Equal(t, "/minutes", r.problem(t).Errors[0].Pointer)
		}
		require.Equal(t, before, e.rows())
	})
}
