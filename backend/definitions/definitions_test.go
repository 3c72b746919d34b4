package definitions

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/stretchr/testify/require"

	"sluice/backend/engine"
	"sluice/schemas"
)

func TestExamplesValidate(t *testing.T) {
	set := examples(t)
	count := map[string]int{}
	for _, d := range set.Docs() {
		count[d.Kind]++
		// Each one also validates on its own, with the others as references.
		require.Empty(t, Validate(d.Kind+"s", d.Body, set), d.File)
	}
	require.Equal(t, map[string]int{"form": 3, "flow": 3, "role": 6, "reminder": 1}, count)
	for _, key := range []string{"order_clerk", "sales_manager", "finance", "warehouse", "customer_service", "admin"} {
		r, ok := set.Role(key)
		require.True(t, ok, key)
		for _, lang := range []string{"zh-TW", "zh-CN", "en"} {
			require.NotEmpty(t, r.Name[lang], "%s %s", key, lang)
		}
	}
	admin, _ := set.Role("admin")
	require.Equal(t, ScopeGlobal, admin.Scope)
	require.ElementsMatch(t, Permissions, admin.Permissions)
	clerk, _ := set.Role("order_clerk")
	require.True(t, clerk.Has("orders.create"))
	require.False(t, clerk.Has("definitions.manage"))

	// Docs come in dependency order.
	var kinds []string
	for _, d := range set.Docs() {
		if len(kinds) == 0 || kinds[len(kinds)-1] != d.Kind {
			kinds = append(kinds, d.Kind)
		}
	}
	require.Equal(t, []string{"role", "form", "flow", "reminder"}, kinds)
}

func TestDemoSeedMatchesDefinitions(t *testing.T) {
	set := examples(t)
	demo, err := schemas.LoadDemo()
	require.NoError(t, err)
	flow, _ := set.Flow("order-review")
	// Every role a review node names is held by someone in the department it names.
	held := map[[2]string]bool{}
	for _, u := range demo.Users {
		for _, m := range u.Memberships {
			_, ok := set.Role(m.Role)
			require.True(t, ok, "%s holds unknown role %s", u.Username, m.Role)
			held[[2]string{m.Department, m.Role}] = true
		}
	}
	for id, n := range flow.Nodes {
		if n.Type != engine.TypeReview {
			continue
		}
		if len(n.Approvers.Users) > 0 {
			for _, u := range n.Approvers.Users {
				require.True(t, slices.ContainsFunc(demo.Users, func(d schemas.DemoUser) bool { return d.Username == u }), "%s names unknown user %s", id, u)
			}
			continue
		}
		dep := n.Approvers.Department
		if dep == "" {
			dep = "sales" // the demo orders are submitted in sales
		}
		require.True(t, held[[2]string{dep, n.Approvers.Role}], "nobody decides %s (%s@%s)", id, n.Approvers.Role, dep)
	}
}

func TestCompileFlowOrderReview(t *testing.T) {
	set := examples(t)
	body, err := fs.ReadFile(schemas.Examples(), "flows/order-review.json")
	require.NoError(t, err)
	flow, ps := CompileFlow(body, 3, set)
	require.Empty(t, ps)
	require.Equal(t, "order-review", flow.Key)
	require.Equal(t, 3, flow.Version)
	require.Equal(t, "start", flow.Start)
	require.Len(t, flow.Nodes, 15) // with inventory_ship after ship, checks before verify
	require.Equal(t, engine.ModeRatio, flow.Nodes["committee"].Mode, "the demo shows a ratio vote")
	require.True(t, flow.Nodes["finance_review"].ReturnDirect, "and a direct return path")
	require.Equal(t, engine.TypeSwitch, flow.Nodes["amount"].Type)
	require.Equal(t, "inventory.check", flow.Nodes["inventory"].Plugin)
	require.Equal(t, engine.ModeAll, flow.Nodes["finance_review"].Mode)
	require.Equal(t, "finance", flow.Nodes["finance_review"].Approvers.Department)
	require.Equal(t, "", flow.Nodes["sales_review"].Approvers.Department, "the order's own department")
	require.True(t, flow.Nodes["verify"].AllowSelf)
	require.False(t, flow.Nodes["sales_review"].AllowSelf)
	require.Equal(t, []string{"incomplete", "wrong_price", "duplicate"}, flow.Nodes["verify"].Reasons)
	require.Same(t, &flow.Doc.Nodes[1], flow.Nodes["verify"], "Nodes point into Doc")

	to := func(id string) []string {
		var out []string
		for _, e := range flow.Out[id] {
			out = append(out, e.To)
		}
		return out
	}
	require.Equal(t, []string{"checks"}, to("start"))
	require.Equal(t, []string{"verify"}, to("checks"))
	require.Equal(t, "verify.rules", flow.Nodes["checks"].Plugin)
	require.Equal(t, "sales_manager", flow.Nodes["checks"].Exception.OwnerRole)
	require.Equal(t, []string{"stock_exception", "sales_review"}, to("inventory"))
	require.Equal(t, "shortage", flow.Out["inventory"][0].Outcome)
	require.Equal(t, []string{"sales_review"}, to("stock_exception"))
	require.Equal(t, []string{"committee", "finance_review", "confirm"}, to("amount"))
	require.NotNil(t, flow.Out["amount"][0].Cond)
	require.NotNil(t, flow.Out["amount"][1].Cond)
	require.Nil(t, flow.Out["amount"][2].Cond)
	require.True(t, flow.Out["amount"][2].Default)
	require.Equal(t, []string{"print"}, to("confirm"))
	require.Equal(t, []string{"done"}, to("aftersales"))
	require.Empty(t, flow.Out["done"])
	require.Equal(t, "completed", flow.Nodes["done"].Status)
}

// sampleOrders reads schemas/examples/orders/*.json, each a POST /api/v1/orders body.
func sampleOrders(t *testing.T) map[string]map[string]any {
	t.Helper()
	files, err := fs.Glob(schemas.Examples(), "orders/*.json")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 2)
	out := map[string]map[string]any{}
	for _, f := range files {
		body, err := fs.ReadFile(schemas.Examples(), f)
		require.NoError(t, err)
		var req struct {
			Flow string         `json:"flow"`
			Data map[string]any `json:"data"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&req), f)
		require.Equal(t, "order-review", req.Flow, f)
		out[strings.TrimSuffix(path.Base(f), ".json")] = req.Data
	}
	return out
}

func TestSampleOrders(t *testing.T) {
	set := examples(t)
	flow, _ := set.Flow("order-review")
	form, ok := set.Form(flow.Doc.Form)
	require.True(t, ok)
	want := map[string]float64{
		"large-vip":         12*3800 + 4*6500 + 20*450,   // 80600
		"small-standard":    50*85 + 10*320,              // 7450
		"shortage-new":      600*80 + 30*260,             // 55800
		"committee-project": 40*3800 + 20*6500 + 10*8200, // 364000
		"credit-hold":       8*2900 + 10*3800,            // 61200, over its customer's 50000 limit
	}
	orders := sampleOrders(t)
	require.Len(t, orders, len(want))
	large, small := 0, 0
	for name, data := range orders {
		require.NoError(t, form.Compute(data), name)
		require.Empty(t, form.ValidateData(data), name)
		require.Equal(t, want[name], data["total"], name)
		if data["total"].(float64) >= 50000 {
			large++
		} else {
			small++
		}
	}
	require.Positive(t, large)
	require.Positive(t, small)
}

// The compiled condition runs on the engine's environment: map[string]any{"order": data}
// with data decoded from JSON.
func TestConditionsRunOnDecodedJSON(t *testing.T) {
	set := examples(t)
	flow, _ := set.Flow("order-review")
	form, _ := set.Form("order")
	committee, finance := flow.Out["amount"][0], flow.Out["amount"][1]
	require.Equal(t, "committee", committee.To)
	require.Equal(t, "finance_review", finance.To)
	for name, data := range sampleOrders(t) {
		require.NoError(t, form.Compute(data))
		for _, tc := range []struct {
			e     *engine.Edge
			limit float64
		}{{committee, 200000}, {finance, 50000}} {
			got, err := expr.Run(tc.e.Cond, map[string]any{"order": data})
			require.NoError(t, err, name)
			require.Equal(t, data["total"].(float64) >= tc.limit, got, name)
		}
	}

	// A richer condition, compiled against the same form, on raw JSON.
	body := strings.Replace(mustRead(t, "flows/order-review.json"), `"when": "order.total >= 50000"`,
		`"when": "order.total >= 50000 || order.customer.tier == \"new\" && any(order.items, #.qty > 500) || len(order.items) > 2 && order.currency in [\"USD\", \"CNY\"]"`, 1)
	rich, ps := CompileFlow([]byte(body), 1, set)
	require.Empty(t, ps)
	cond := rich.Out["amount"][1].Cond
	for _, tc := range []struct {
		data string
		want bool
	}{
		{`{"total": 50000, "customer": {"tier": "vip"}, "items": [], "currency": "TWD"}`, true},
		{`{"total": 100, "customer": {"tier": "new"}, "items": [{"qty": 501}], "currency": "TWD"}`, true},
		{`{"total": 100, "customer": {"tier": "new"}, "items": [{"qty": 5}], "currency": "TWD"}`, false},
		{`{"total": 100, "customer": {"tier": "vip"}, "items": [{"qty": 1}, {"qty": 1}, {"qty": 1}], "currency": "USD"}`, true},
		{`{"total": 100, "customer": {"tier": "vip"}, "items": [{"qty": 1}, {"qty": 1}, {"qty": 1}], "currency": "TWD"}`, false},
	} {
		var data map[string]any
		require.NoError(t, json.Unmarshal([]byte(tc.data), &data))
		got, err := expr.Run(cond, map[string]any{"order": data})
		require.NoError(t, err, tc.data)
		require.Equal(t, tc.want, got, tc.data)
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(schemas.Examples(), name)
	require.NoError(t, err)
	return string(b)
}

func TestConditionTypo(t *testing.T) {
	set := examples(t)
	body := strings.Replace(mustRead(t, "flows/order-review.json"), `"order.total >= 50000"`, `"order.totl >= 5"`, 1)
	flow, ps := CompileFlow([]byte(body), 1, set)
	require.Nil(t, flow)
	require.Len(t, ps, 1)
	require.Equal(t, "/edges/8/when", ps[0].Pointer)
	require.Contains(t, ps[0].Message, `unknown field "totl"`)
	require.Contains(t, ps[0].Message, "total") // names the known fields
	require.Equal(t, "definition.expr.unknown_field", ps[0].Code)
	require.Equal(t, "totl", ps[0].Params["Field"])
	require.Contains(t, ps[0].Params["Known"], "total")
	require.Equal(t, 7, ps[0].Params["Column"])
}

func TestBadOrderData(t *testing.T) {
	set := examples(t)
	form, _ := set.Form("order")
	base := mustRead(t, "orders/small-standard.json")
	tests := []struct {
		name     string
		edit     func(data map[string]any)
		pointers []string
		contains string
	}{
		{"qty zero", func(d map[string]any) { item(d, 0)["qty"] = 0 }, []string{"/data/items/0/qty"}, "at least 1"},
		{"qty fractional", func(d map[string]any) { item(d, 1)["qty"] = 1.5 }, []string{"/data/items/1/qty"}, "integer"},
		{"price as text", func(d map[string]any) { item(d, 1)["price"] = "320" }, []string{"/data/items/1/price"}, "number"},
		{"price missing", func(d map[string]any) { delete(item(d, 0), "price") }, []string{"/data/items/0/price"}, "required"},
		{"no items", func(d map[string]any) { d["items"] = []any{} }, []string{"/data/items"}, "at least 1"},
		{"bad tier", func(d map[string]any) { d["customer"].(map[string]any)["tier"] = "gold" }, []string{"/data/customer/tier"}, `"standard", "vip", "new"`},
		{"bad email", func(d map[string]any) { d["customer"].(map[string]any)["contact"] = "not-an-email" }, []string{"/data/customer/contact"}, "email"},
		{"bad date", func(d map[string]any) { d["promised_date"] = "2026-13-01" }, []string{"/data/promised_date"}, "date"},
		{"bad currency", func(d map[string]any) { d["currency"] = "EUR" }, []string{"/data/currency"}, "TWD"},
		{"unknown field", func(d map[string]any) { d["discount"] = 5 }, []string{"/data/discount"}, "unknown property"},
		{"missing customer", func(d map[string]any) { delete(d, "customer") }, []string{"/data/customer"}, "required"},
		{"two problems", func(d map[string]any) { item(d, 1)["qty"] = -1; d["ship_to"] = map[string]any{} },
			[]string{"/data/items/1/qty", "/data/ship_to/address"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req struct{ Data map[string]any }
			require.NoError(t, json.Unmarshal([]byte(base), &req))
			tt.edit(req.Data)
			ps := form.Prepare(req.Data)
			var got []string
			for _, p := range ps {
				got = append(got, p.Pointer)
			}
			require.Equal(t, tt.pointers, got, "%v", ps)
			if tt.contains != "" {
				require.Contains(t, ps[0].Message, tt.contains)
			}
		})
	}
	require.NotEmpty(t, form.ValidateData(nil))
}

func item(d map[string]any, i int) map[string]any { return d["items"].([]any)[i].(map[string]any) }

func TestComputeWithJSONNumbers(t *testing.T) {
	set := examples(t)
	form, _ := set.Form("order")
	dec := json.NewDecoder(strings.NewReader(mustRead(t, "orders/large-vip.json")))
	dec.UseNumber()
	var req struct{ Data map[string]any }
	require.NoError(t, dec.Decode(&req))
	req.Data["total"] = 1.0 // the submitter's total is replaced
	require.Empty(t, form.Prepare(req.Data))
	require.Equal(t, 80600.0, req.Data["total"])
}

func TestComputedChain(t *testing.T) {
	body := `{
	  "kind": "form", "key": "quote",
	  "schema": {"type": "object", "properties": {
	    "lines": {"type": "array", "items": {"type": "object", "properties": {"amount": {"type": "number"}}}},
	    "rate": {"type": "number"},
	    "total": {"type": "number"},
	    "label": {"type": "string"}
	  }},
	  "computed": {
	    "total": "order.subtotal + order.tax",
	    "tax": "order.subtotal * order.rate",
	    "subtotal": "sum(order.lines, .amount)",
	    "label": "order.total > 100 ? \"big\" : \"small\""
	  }
	}`
	f, ps := ParseForm([]byte(body))
	require.Empty(t, ps)
	require.Equal(t, []string{"label", "lines", "rate", "subtotal", "tax", "total"}, f.Fields())
	var data map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{"lines": [{"amount": 100}, {"amount": 50}], "rate": 0.1}`), &data))
	require.NoError(t, f.Compute(data))
	require.Equal(t, 150.0, data["subtotal"])
	require.InDelta(t, 15.0, data["tax"], 1e-9)
	require.InDelta(t, 165.0, data["total"], 1e-9)
	require.Equal(t, "big", data["label"])
}

func TestKind(t *testing.T) {
	for body, want := range map[string]string{
		`{"kind": "form"}`:     "form",
		`{"kind": "reminder"}`: "reminder",
	} {
		got, err := Kind([]byte(body))
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	for _, body := range []string{`{"kind": "forms"}`, `{"kind": "order"}`, `{}`, `[]`, `{"kind": 1}`, `nope`} {
		_, err := Kind([]byte(body))
		require.Error(t, err, body)
	}
	for in, want := range map[string]string{"form": "form", "forms": "form", "Flows": "flow", "roles": "role", "reminders": "reminder"} {
		got, ok := NormalizeKind(in)
		require.True(t, ok)
		require.Equal(t, want, got)
	}
	ps := Validate("orders", []byte(`{}`), nil)
	require.Len(t, ps, 1)
	require.Contains(t, ps[0].Message, "unknown definition kind")
	require.Equal(t, "definition.kind.unknown", ps[0].Code)
}

func TestNilLookup(t *testing.T) {
	ps := Validate("flow", []byte(mustRead(t, "flows/order-review.json")), nil)
	var pointers []string
	for _, p := range ps {
		pointers = append(pointers, p.Pointer)
	}
	require.Contains(t, pointers, "/form")
	require.Contains(t, pointers, "/nodes/1/approvers/role")
	require.Empty(t, Validate("role", []byte(mustRead(t, "roles/admin.json")), nil))
	require.Empty(t, Validate("form", []byte(mustRead(t, "forms/order.json")), nil))
}

func TestSet(t *testing.T) {
	s := NewSet()
	s.Add("a.json", []byte(mustRead(t, "roles/finance.json")))
	s.Add("b.json", []byte(mustRead(t, "roles/finance.json")))
	s.Add("c.json", []byte(`{"key": "x"}`))
	s.Add("d.json", []byte(`{"kind": `))
	s.Add("e.json", []byte(mustRead(t, "reminders/order-review.json")))
	ps := s.Check()
	got, codes := map[string]string{}, map[string]string{}
	for _, p := range ps {
		got[p.File+" "+p.Pointer] = p.Message
		codes[p.File+" "+p.Pointer] = p.Code
	}
	require.Equal(t, map[string]string{"b.json /key": "definition.set.key_taken", "c.json /kind": "definition.kind.missing",
		"d.json ": "definition.json.syntax", "e.json /flow": "definition.reminder.flow_unknown",
		"e.json /rules/stock_exception/escalate_to/role": "definition.ref.role_unknown"}, codes)
	require.Contains(t, got["b.json /key"], "already defined in a.json")
	require.Contains(t, got["c.json /kind"], "missing")
	require.Contains(t, got["d.json "], "invalid JSON")
	require.Contains(t, got["e.json /flow"], "does not exist")
	require.Contains(t, got["e.json /rules/stock_exception/escalate_to/role"], "sales_manager")
	require.Len(t, ps, 5)
	_, ok := s.Role("finance")
	require.True(t, ok)

	// Fallback resolves what the set does not hold.
	ex := examples(t)
	s2 := NewSet()
	s2.Fallback = ex
	s2.Add("reminder.json", []byte(mustRead(t, "reminders/order-review.json")))
	require.Empty(t, s2.Check())
	r, ok := s2.Reminder("order-review")
	require.True(t, ok)
	require.Equal(t, "order-review", r.Flow)
}

func TestProblemsError(t *testing.T) {
	ps := Problems{{Pointer: "/a/0", Message: "bad"}, {Pointer: "", Message: "worse"}}
	require.Equal(t, "/a/0: bad\n(document): worse", ps.Error())
	require.Equal(t, "/a~1b/c~0d/3", ptr("a/b", "c~d", 3))
}

func TestConcurrentUse(t *testing.T) {
	set := examples(t)
	form, _ := set.Form("order")
	flow, _ := set.Flow("order-review")
	body := mustRead(t, "orders/large-vip.json")
	done := make(chan bool)
	for range 8 {
		go func() {
			defer func() { done <- true }()
			for range 20 {
				var req struct{ Data map[string]any }
				if err := json.Unmarshal([]byte(body), &req); err != nil {
					t.Error(err)
					return
				}
				if ps := form.Prepare(req.Data); len(ps) > 0 {
					t.Error(ps)
					return
				}
				if ok, err := expr.Run(flow.Out["amount"][1].Cond, map[string]any{"order": req.Data}); err != nil || ok != true {
					t.Error(ok, err)
					return
				}
				if ps := Validate("flow", []byte(mustReadNoT("flows/order-review.json")), set); len(ps) > 0 {
					t.Error(ps)
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}

func mustReadNoT(name string) string {
	b, _ := fs.ReadFile(schemas.Examples(), name)
	return string(b)
}

// The demo customers are the ones the sample orders name: none blocked; every sample
// but credit-hold stays well within its customer's limit (tests submit them many
// times), and credit-hold is over it.
func TestDemoCustomersMatchSamples(t *testing.T) {
	demo, err := schemas.LoadDemo()
	require.NoError(t, err)
	form, _ := examples(t).Form("order")
	byName := map[string]schemas.DemoCustomer{}
	for _, c := range demo.Customers {
		byName[c.Name] = c
	}
	for name, data := range sampleOrders(t) {
		require.NoError(t, form.Compute(data))
		c, ok := byName[data["customer"].(map[string]any)["name"].(string)]
		require.True(t, ok, "%s names a customer the demo does not seed", name)
		require.False(t, c.Blocked, name)
		total := data["total"].(float64)
		if name == "credit-hold" {
			require.Greater(t, total, c.CreditLimit, "credit-hold must trip the credit rule")
			continue
		}
		require.True(t, c.CreditLimit == 0 || c.CreditLimit >= 50*total, "%s: limit %.0f too tight for %.0f", name, c.CreditLimit, total)
	}
}
