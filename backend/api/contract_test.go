package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"sluice/backend/store/storetest"
)

// The contract: every answer the API tests receive is checked against openapi.json, so the
// document cannot drift from what the server sends. startWith serves the engine through
// contract, which buffers each response, validates it (status, headers, body) before the
// client sees it, and fails the test on a mismatch.

var (
	contractOnce   sync.Once
	contractDoc    *openapi3.T
	contractRouter routers.Router
	contractErr    error
)

// loadContract parses and validates openapi.json once per test binary.
func loadContract() (*openapi3.T, routers.Router, error) {
	contractOnce.Do(func() {
		b, err := os.ReadFile("openapi.json")
		if err != nil {
			contractErr = err
			return
		}
		b, err = closeObjects(b)
		if err != nil {
			contractErr = fmt.Errorf("openapi.json: %w", err)
			return
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(b)
		if err != nil {
			contractErr = fmt.Errorf("openapi.json: %w", err)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			contractErr = fmt.Errorf("openapi.json is not a valid document: %w", err)
			return
		}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			contractErr = fmt.Errorf("openapi.json routes: %w", err)
			return
		}
		contractDoc, contractRouter = doc, r
	})
	return contractDoc, contractRouter, contractErr
}

// closeObjects makes every object schema that lists its properties closed
// (additionalProperties: false) unless it says otherwise, so a field the server sends
// but the document does not name fails the test. The document itself stays open, as
// its info says ("adding is free"): clients must ignore fields they do not know, the
// server must not send fields the document does not name. Schemas that are parts of an
// allOf stay open (the other parts add fields); the allOf itself is closed with
// unevaluatedProperties.
func closeObjects(b []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	parts := map[string]bool{} // "#/components/schemas/X" used as an allOf part
	var walk func(v any, part bool)
	walk = func(v any, part bool) {
		switch v := v.(type) {
		case map[string]any:
			if all, ok := v["allOf"].([]any); ok {
				for _, x := range all {
					if m, ok := x.(map[string]any); ok {
						if r, ok := m["$ref"].(string); ok {
							parts[r] = true
						}
					}
					walk(x, true)
				}
				if _, ok := v["unevaluatedProperties"]; !ok {
					v["unevaluatedProperties"] = false
				}
			}
			_, props := v["properties"].(map[string]any)
			_, decided := v["additionalProperties"]
			if props && !decided && !part && v["type"] == "object" {
				v["additionalProperties"] = false
			}
			for k, x := range v {
				if k != "allOf" {
					walk(x, false)
				}
			}
		case []any:
			for _, x := range v {
				walk(x, false)
			}
		}
	}
	walk(doc, false)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for r := range parts {
		if s, ok := schemas[strings.TrimPrefix(r, "#/components/schemas/")].(map[string]any); ok {
			if s["additionalProperties"] == false {
				delete(s, "additionalProperties")
			}
		}
	}
	return json.Marshal(doc)
}

// answered holds the operations whose success answer some test has validated.
var answered sync.Map

// TestMain runs the tests; with SLUICE_CONTRACT_COVERAGE set it then lists the
// documented operations no test has seen succeed (their 2xx bodies are unchecked).
func TestMain(m *testing.M) {
	code := m.Run()
	if os.Getenv("SLUICE_CONTRACT_COVERAGE") != "" {
		if doc, _, err := loadContract(); err == nil {
			var missing []string
			total := 0
			for p, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					total++
					if _, ok := answered.Load(op.OperationID); !ok {
						missing = append(missing, method+" "+p)
					}
				}
			}
			slices.Sort(missing)
			fmt.Printf("contract: %d of %d operations answered with a validated 2xx; not yet:\n  %s\n", total-len(missing), total, strings.Join(missing, "\n  "))
		}
	}
	os.Exit(code)
}

// contractOptions: a status the operation does not document is a mismatch; every
// schema error is reported at once.
var contractOptions = &openapi3filter.Options{
	IncludeResponseStatus: true,
	MultiError:            true,
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
}

// contract wraps h so that every response is validated against openapi.json; a mismatch
// is reported on t (from the server's goroutine, before the client has the answer, so the
// test is still running).
func contract(t testing.TB, h http.Handler) http.Handler {
	t.Helper()
	doc, router, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{w: w, header: http.Header{}}
		h.ServeHTTP(rec, r)
		if rec.hijacked {
			return // a websocket: the upgrade's 101 went straight to the client
		}
		if route, _, err := router.FindRoute(r); err == nil && rec.status() < 300 {
			answered.Store(route.Operation.OperationID, true)
		}
		if err := checkResponse(doc, router, r, rec); err != nil {
			t.Errorf("contract: %s %s answered %d: %v\nbody: %.600s", r.Method, r.URL.RequestURI(), rec.status(), err, rec.body.Bytes())
		}
		rec.flush()
	})
}

// checkResponse validates one recorded response. A request no documented operation
// matches passes only when the front end served it (outside /api/) or when it is the
// server's problem+json 404 for an unknown path.
func checkResponse(doc *openapi3.T, router routers.Router, r *http.Request, rec *recorder) error {
	route, params, err := router.FindRoute(r)
	if err != nil {
		p := r.URL.Path
		switch {
		case !strings.HasPrefix(p, "/api/") && p != "/metrics" && p != "/healthz" && p != "/readyz" &&
			(r.Method == http.MethodGet || r.Method == http.MethodHead) && rec.status() == http.StatusOK:
			return nil // the front end (index.html or a static asset)
		case rec.status() == http.StatusNotFound:
			return validateAgainst(doc, "#/components/responses/NotFound", rec)
		}
		return fmt.Errorf("no documented operation: %v", err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    r,
			PathParams: params,
			Route:      route,
			Options:    contractOptions,
		},
		Status:  rec.status(),
		Header:  rec.header,
		Options: contractOptions,
	}
	in.SetBodyBytes(bytes.Clone(rec.body.Bytes()))
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// validateAgainst checks a response against a component response (used for answers to
// paths the document does not have).
func validateAgainst(doc *openapi3.T, ref string, rec *recorder) error {
	name := strings.TrimPrefix(ref, "#/components/responses/")
	resp := doc.Components.Responses[name]
	if resp == nil || resp.Value == nil {
		return fmt.Errorf("openapi.json has no %s", ref)
	}
	op := openapi3.NewOperation()
	op.Responses = openapi3.NewResponses(openapi3.WithStatus(rec.status(), resp))
	route := &routers.Route{Spec: doc, Operation: op, Method: http.MethodGet}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: httptest.NewRequest(http.MethodGet, "/", nil),
			Route:   route,
			Options: contractOptions,
		},
		Status:  rec.status(),
		Header:  rec.header,
		Options: contractOptions,
	}
	in.SetBodyBytes(bytes.Clone(rec.body.Bytes()))
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// recorder buffers a response until it is validated. A hijacked connection (the
// websocket upgrade) passes straight through.
type recorder struct {
	w        http.ResponseWriter
	header   http.Header
	code     int
	body     bytes.Buffer
	hijacked bool
}

func (r *recorder) Header() http.Header {
	if r.hijacked {
		return r.w.Header()
	}
	return r.header
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.body.Write(b)
}

// Flush is a no-op: the answer is written once validated. No handler streams.
func (r *recorder) Flush() {}

func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := r.w.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("contract recorder: %T cannot hijack", r.w)
	}
	for k, v := range r.header {
		r.w.Header()[k] = v
	}
	r.hijacked = true
	return hj.Hijack()
}

// Unwrap lets http.ResponseController reach the connection (read deadlines).
func (r *recorder) Unwrap() http.ResponseWriter { return r.w }

func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

// flush sends the recorded answer to the client.
func (r *recorder) flush() {
	for k, v := range r.header {
		r.w.Header()[k] = v
	}
	r.w.WriteHeader(r.status())
	_, _ = io.Copy(r.w, &r.body)
}

// The checker itself: answers that drift from the document are caught, and the ones
// that follow it pass. Each case is one recorded answer to one request.
func TestContractCatchesDrift(t *testing.T) {
	doc, router, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	problem := `{"type":"about:blank","title":"Not Found","status":404,"detail":"no such order"}`
	health := `{"status":"ok"}`
	for _, c := range []struct {
		name, method, path string
		status             int
		ctype, body        string
		ok                 bool
	}{
		{"documented answer", "GET", "/healthz", 200, "application/json; charset=utf-8", health, true},
		{"extra field", "GET", "/healthz", 200, "application/json", `{"status":"ok","uptime":3}`, false},
		{"missing required field", "GET", "/healthz", 200, "application/json", `{}`, false},
		{"wrong type", "GET", "/healthz", 200, "application/json", `{"status":1}`, false},
		{"undocumented status", "GET", "/healthz", 418, "application/json", health, false},
		{"wrong content type", "GET", "/healthz", 200, "text/plain", "ok", false},
		{"problem", "GET", "/api/v1/orders/1", 404, "application/problem+json", problem, true},
		{"problem without title", "GET", "/api/v1/orders/1", 404, "application/problem+json", `{"status":404}`, false},
		{"error as plain JSON", "GET", "/api/v1/orders/1", 404, "application/json", problem, false},
		{"undocumented route answering", "GET", "/api/v1/nowhere", 200, "application/json", `{}`, false},
		{"undocumented route, the 404 problem", "GET", "/api/v1/nowhere", 404, "application/problem+json", problem, true},
		{"the front end", "GET", "/orders/1", 200, "text/html; charset=utf-8", "<!doctype html>", true},
		{"a path parameter the pattern refuses", "GET", "/api/v1/orders/1/documents/x.txt", 200, "application/pdf", "%PDF", false},
	} {
		rec := &recorder{header: http.Header{"Content-Type": {c.ctype}}, code: c.status}
		rec.body.WriteString(c.body)
		err := checkResponse(doc, router, httptest.NewRequest(c.method, c.path, nil), rec)
		if (err == nil) != c.ok {
			t.Errorf("%s: %s %s answering %d: error = %v, want ok = %v", c.name, c.method, c.path, c.status, err, c.ok)
		}
	}
}

// A signer added before the reviewer leaves the reviewer's task waiting: the order view
// lists it as such (the document's TaskView.status once lacked "waiting").
func TestWaitingTaskOverHTTP(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	clerk := e.login("clerk")
	r := e.do("POST", "/api/v1/orders", clerk, sampleBody(t, "large-vip.json"))
	if r.status != 201 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	var o order
	r.json(t, &o)
	tk := o.Tasks[0]
	r = e.do("POST", fmt.Sprintf("/api/v1/tasks/%d/actions", tk.ID), clerk, `{"action":"add_signer","user":"manager","position":"before"}`)
	if r.status != 200 {
		t.Fatalf("add_signer: %d %s", r.status, r.body)
	}
	var got struct {
		Tasks []struct{ Status, Kind string }
	}
	e.do("GET", fmt.Sprintf("/api/v1/orders/%d", o.ID), clerk, nil).json(t, &got)
	var statuses []string
	for _, x := range got.Tasks {
		statuses = append(statuses, x.Status+"/"+x.Kind)
	}
	if !slices.Contains(statuses, "waiting/review") || !slices.Contains(statuses, "open/before") {
		t.Fatalf("tasks after add_signer before: %v", statuses)
	}
}
