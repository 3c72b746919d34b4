package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"sluice/backend/access"
	"sluice/backend/app"
	"sluice/backend/catalogue"
	engpkg "sluice/backend/engine"
	"sluice/backend/fulfilment"
	"sluice/backend/inbound"
	"sluice/backend/intake"
	"sluice/backend/live"
	"sluice/backend/notify"
	"sluice/backend/reporting"
	"sluice/backend/service"
	"sluice/plugins"
)

// loadDoc parses the embedded OpenAPI document.
func loadDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(openapiDoc))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if dec.More() {
		t.Fatal("openapi.json has data after the document")
	}
	return doc
}

// obj returns v[key] as an object, failing the test when it is not one.
func obj(t *testing.T, v any, where string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: expected an object, got %T", where, v)
	}
	return m
}

// httpMethods are the keys of a Path Item Object that are operations.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// ginParam matches gin's path parameters (:id, *rest).
var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// openapiPath turns a gin route path into its OpenAPI template (":id" → "{id}").
func openapiPath(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

// engine builds the real router. New only needs the service's logger; no handler runs
// against the zero service here except the one serving the document.
func engine(t *testing.T) *gin.Engine {
	t.Helper()
	r, err := New(app.Compose(&service.Service{Log: slog.New(slog.DiscardHandler)}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestOpenAPIIsVersion31(t *testing.T) {
	doc := loadDoc(t)
	v, _ := doc["openapi"].(string)
	if !strings.HasPrefix(v, "3.1") {
		t.Fatalf("openapi = %q, want 3.1.x", v)
	}
	info := obj(t, doc["info"], "info")
	if info["title"] == nil || info["version"] == nil {
		t.Fatal("info needs title and version")
	}
}

// TestOpenAPIDocumentsEveryRoute fails when a route is registered without being
// documented, or documented without being registered.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc := loadDoc(t)
	paths := obj(t, doc["paths"], "paths")
	r := engine(t)
	routes := map[string]bool{}
	for _, rt := range r.Routes() {
		p, m := openapiPath(rt.Path), strings.ToLower(rt.Method)
		routes[m+" "+p] = true
		item, ok := paths[p].(map[string]any)
		if !ok {
			t.Errorf("route %s %s is not documented: openapi.json has no path %q", rt.Method, rt.Path, p)
			continue
		}
		if _, ok := item[m].(map[string]any); !ok {
			t.Errorf("route %s %s is not documented: path %q has no %q operation", rt.Method, rt.Path, p, m)
		}
	}
	if len(routes) == 0 {
		t.Fatal("the engine has no routes")
	}
	for p, v := range paths {
		item := obj(t, v, "paths."+p)
		for _, m := range httpMethods {
			if _, ok := item[m]; ok && !routes[m+" "+p] {
				t.Errorf("openapi.json documents %s %s, which no route serves", strings.ToUpper(m), p)
			}
		}
	}
}

// TestOpenAPIReferencesResolve checks every $ref points at something in the document.
func TestOpenAPIReferencesResolve(t *testing.T) {
	doc := loadDoc(t)
	var n int
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				n++
				if _, err := resolve(doc, r); err != "" {
					t.Errorf("%s: $ref %q: %s", at, r, err)
				}
			}
			for k, x := range v {
				walk(x, at+"/"+k)
			}
		case []any:
			for i, x := range v {
				walk(x, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(doc, "")
	if n == 0 {
		t.Fatal("no $ref found; the walk is broken")
	}
}

// resolve follows a local JSON-pointer reference ("#/components/schemas/X").
func resolve(doc map[string]any, ref string) (any, string) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, "only local references (#/…) are used here"
	}
	var cur any = doc
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, "walks into a non-object"
		}
		if cur, ok = m[tok]; !ok {
			return nil, "no " + strconv.Quote(tok)
		}
	}
	return cur, ""
}

// deref resolves v when it is a reference object.
func deref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	m := obj(t, v, "reference target")
	if r, ok := m["$ref"].(string); ok {
		x, err := resolve(doc, r)
		if err != "" {
			t.Fatalf("$ref %q: %s", r, err)
		}
		return obj(t, x, r)
	}
	return m
}

// TestOpenAPIOperationsAreConsistent checks what a reader relies on: path parameters are
// declared, security names exist, operation ids are unique, errors are problem+json.
func TestOpenAPIOperationsAreConsistent(t *testing.T) {
	doc := loadDoc(t)
	comps := obj(t, doc["components"], "components")
	schemes := obj(t, comps["securitySchemes"], "components.securitySchemes")
	for _, want := range []string{"bearerAuth", "sessionCookie", "csrfToken"} {
		if schemes[want] == nil {
			t.Errorf("securitySchemes lacks %s", want)
		}
	}
	tmpl := regexp.MustCompile(`\{([^}]+)\}`)
	ids := map[string]string{}
	for p, v := range obj(t, doc["paths"], "paths") {
		item := obj(t, v, p)
		declared := func(op map[string]any) []string {
			var names []string
			for _, src := range []any{item["parameters"], op["parameters"]} {
				ps, _ := src.([]any)
				for _, x := range ps {
					prm := deref(t, doc, x)
					if prm["in"] == "path" {
						names = append(names, prm["name"].(string))
					}
				}
			}
			return names
		}
		for _, m := range httpMethods {
			raw, ok := item[m]
			if !ok {
				continue
			}
			op := obj(t, raw, m+" "+p)
			where := strings.ToUpper(m) + " " + p
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s has no operationId", where)
			} else if other, dup := ids[id]; dup {
				t.Errorf("%s and %s share operationId %q", where, other, id)
			}
			ids[id] = where
			names := declared(op)
			for _, sm := range tmpl.FindAllStringSubmatch(p, -1) {
				if !slices.Contains(names, sm[1]) {
					t.Errorf("%s: path parameter %q is not declared", where, sm[1])
				}
			}
			sec, ok := op["security"].([]any)
			if !ok {
				t.Errorf("%s: declare security explicitly ([] for public operations)", where)
			}
			for _, req := range sec {
				for name := range obj(t, req, where+" security") {
					if schemes[name] == nil {
						t.Errorf("%s: unknown security scheme %q", where, name)
					}
				}
			}
			if len(sec) > 0 && m != "get" && m != "head" && m != "options" {
				csrf := false
				for _, req := range sec {
					r := req.(map[string]any)
					if _, ck := r["sessionCookie"]; ck {
						_, csrf = r["csrfToken"]
					}
				}
				if !csrf {
					t.Errorf("%s: an unsafe method with the session cookie needs csrfToken too", where)
				}
			}
			rs := obj(t, op["responses"], where+" responses")
			for code, rv := range rs {
				n, err := strconv.Atoi(code)
				if err != nil || n < 400 {
					continue
				}
				content, _ := deref(t, doc, rv)["content"].(map[string]any)
				if content["application/problem+json"] == nil {
					t.Errorf("%s: response %s is not application/problem+json", where, code)
				}
			}
		}
	}
}

// TestOpenAPISchemasMirrorGoTypes checks that each component schema has exactly the
// JSON fields of the Go type it documents, and that a field is required exactly when it
// is always present (no omitempty).
func TestOpenAPISchemasMirrorGoTypes(t *testing.T) {
	doc := loadDoc(t)
	schemas := obj(t, obj(t, doc["components"], "components")["schemas"], "components.schemas")
	types := map[string]any{
		"Problem":            Problem{},
		"FieldError":         service.FieldError{},
		"LoginRequest":       loginRequest{},
		"UserView":           access.UserView{},
		"Membership":         access.Membership{},
		"NewUser":            access.NewUser{},
		"DepartmentView":     access.DepartmentView{},
		"DefinitionView":     catalogue.DefinitionView{},
		"FlowItem":           catalogue.FlowItem{},
		"FlowFormView":       catalogue.FlowFormView{},
		"SubmitRequest":      service.SubmitRequest{},
		"TaskView":           service.TaskView{},
		"OrderView":          service.OrderView{},
		"OrderPage":          service.OrderPage{},
		"HistoryItem":        service.HistoryItem{},
		"OrderSummary":       service.OrderSummary{},
		"TaskItem":           service.TaskItem{},
		"ActionRequest":      service.ActionRequest{},
		"ActionResult":       service.ActionResult{},
		"SimulateResponse":   catalogue.SimulateResponse{},
		"PluginInfo":         service.PluginInfo{},
		"Decision":           engpkg.Decision{},
		"LiveMessage":        live.Message{},
		"LiveTicket":         LiveTicket{},
		"NotificationView":   service.NotificationView{},
		"NotificationPage":   service.NotificationPage{},
		"MarkReadRequest":    service.MarkReadRequest{},
		"UnreadCount":        service.UnreadCount{},
		"BatchPrintRequest":  fulfilment.BatchPrintRequest{},
		"Board":              reporting.Board{},
		"BoardColumn":        reporting.BoardColumn{},
		"BoardCard":          reporting.BoardCard{},
		"LockView":           reporting.LockView{},
		"LockRequest":        reporting.LockRequest{},
		"CommentRequest":     reporting.CommentRequest{},
		"CommentView":        reporting.CommentView{},
		"OutboxMessageView":  inbound.OutboxMessageView{},
		"OutboxPage":         inbound.OutboxPage{},
		"NotifyChannelInput": notify.ChannelInput{},
		"NotifyChannelView":  notify.ChannelView{},
		"NotifyChannelList":  notify.ChannelList{},
		"NotifyKindsInput":   notify.KindsInput{},
		"ActionLinkView":     notify.LinkView{},
		"LinkDecision":       notify.LinkDecision{},
		"ShipmentRequest":    fulfilment.ShipmentRequest{},
		"ShipmentLine":       service.ShipmentLine{},
		"ShipmentView":       service.ShipmentView{},
		"ShipmentResult":     fulfilment.ShipmentResult{},
		"LineView":           service.LineView{},
		"CaseView":           service.CaseView{},
		"Carrier":            plugins.Carrier{},
		"ImportJob":          inbound.ImportJobView{},
		"RowError":           intake.RowError{},
		"ChannelInput":       inbound.ChannelInput{},
		"ChannelView":        inbound.ChannelView{},
		"ExceptionView":      service.ExceptionView{},
		"ExceptionPage":      service.ExceptionPage{},
		"ResolveRequest":     service.ResolveRequest{},
		"ResolveResult":      service.ResolveResult{},
		"CustomerView":       inbound.CustomerView{},
		"CustomerInput":      inbound.CustomerInput{},
		"CustomerPage":       inbound.CustomerPage{},
		"ProductView":        fulfilment.ProductView{},
		"ProductInput":       fulfilment.ProductInput{},
		"WarehouseView":      fulfilment.WarehouseView{},
		"WarehouseInput":     fulfilment.WarehouseInput{},
		"StockView":          fulfilment.StockView{},
		"AdjustmentRequest":  fulfilment.AdjustmentRequest{},
		"AdjustmentResult":   fulfilment.AdjustmentResult{},
		"MoveView":           fulfilment.MoveView{},
		"MovePage":           fulfilment.MovePage{},
		"VoteView":           service.VoteView{},
		"SimReminder":        catalogue.SimReminder{},
		"SimStock":           catalogue.SimStock{},
		"SimulateRequest":    catalogue.SimulateRequest{},
	}
	for name, v := range types {
		s, ok := schemas[name]
		if !ok {
			t.Errorf("components.schemas lacks %s", name)
			continue
		}
		mirror(t, doc, name, reflect.TypeOf(v), obj(t, s, name))
	}
}

// mirror compares a struct type's JSON fields with an object schema, descending into
// inline (anonymous) struct fields.
func mirror(t *testing.T, doc map[string]any, where string, typ reflect.Type, schema map[string]any) {
	t.Helper()
	props, _ := schema["properties"].(map[string]any)
	var req []string
	if rs, ok := schema["required"].([]any); ok {
		for _, r := range rs {
			req = append(req, r.(string))
		}
	}
	seen := map[string]bool{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		seen[name] = true
		p, ok := props[name]
		if !ok {
			t.Errorf("%s: Go field %s (json %q) is not in the schema", where, f.Name, name)
			continue
		}
		omit := slices.Contains(strings.Split(opts, ","), "omitempty")
		if got := slices.Contains(req, name); got == omit {
			t.Errorf("%s.%s: required = %v, but the Go field has omitempty = %v", where, name, got, omit)
		}
		if f.Type.Kind() == reflect.Struct && f.Type.Name() == "" {
			mirror(t, doc, where+"."+name, f.Type, deref(t, doc, p))
		}
		mirrorMax(t, doc, where+"."+name, f, p)
	}
	for name := range props {
		if !seen[name] {
			t.Errorf("%s: schema property %q is not a JSON field of the Go type", where, name)
		}
	}
}

// mirrorMax checks that a field's `max` tag (service.CheckLimits) is the schema's
// maxLength (text) or maxItems (lists), so clients see the bounds the server applies.
func mirrorMax(t *testing.T, doc map[string]any, where string, f reflect.StructField, p any) {
	t.Helper()
	max := f.Tag.Get("max")
	if max == "" {
		return
	}
	key, typ := "maxLength", f.Type
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ.Kind() == reflect.Slice {
		key = "maxItems"
	}
	if got := fmt.Sprint(deref(t, doc, p)[key]); got != max {
		t.Errorf("%s: %s is %s, the Go field's max tag %s", where, key, got, max)
	}
}

func TestOpenAPIIsServed(t *testing.T) {
	rec := httptest.NewRecorder()
	engine(t).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	if !bytes.Equal(rec.Body.Bytes(), openapiDoc) {
		t.Fatal("the served document differs from the embedded one")
	}
}
