package definitions

import (
	"encoding/json"
	"io/fs"
	"testing"

	"github.com/expr-lang/expr"

	"sluice/backend/engine"
	"sluice/schemas"
)

// FuzzCompileFlow: whatever bytes arrive as a flow, validation answers with problems or
// a flow, and never panics.
func FuzzCompileFlow(f *testing.F) {
	ex := schemas.Examples()
	for _, name := range []string{"flows/order-review.json", "forms/order.json", "roles/finance.json"} {
		b, err := fs.ReadFile(ex, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"kind":"flow","key":"x","form":"order","nodes":[{"id":"s","type":"start"},{"id":"e","type":"end"}],"edges":[{"from":"s","to":"e","when":"order.total > 1"}]}`))
	f.Add([]byte(`{"kind":"flow","nodes":[{"id":"a","type":"review","mode":"ratio","ratio":{"share":0}}]}`))
	set, _ := Examples()
	f.Fuzz(func(t *testing.T, body []byte) {
		flow, probs := CompileFlow(body, 1, set)
		if flow == nil && len(probs) == 0 {
			t.Fatal("no flow and no problem")
		}
		_ = Validate("flow", body, set)
		_, _ = ParseForm(body)
	})
}

// FuzzCondition: any condition text compiles or is refused; a compiled one evaluates
// against the sample orders without panicking.
func FuzzCondition(f *testing.F) {
	for _, c := range []string{"order.total >= 50000", `order.customer.tier == "vip" && order.total > 1`, "len(order.items) > 2",
		"sum(map(order.items, #.qty * #.price)) > 0", "order.totl > 1", "1/0 == 1", `order.note matches "(a+)+$"`} {
		f.Add(c)
	}
	set, _ := Examples()
	form, _ := set.Form("order")
	f.Fuzz(func(t *testing.T, cond string) {
		body := []byte(`{"kind":"flow","key":"x","form":"order","nodes":[{"id":"s","type":"start"},{"id":"w","type":"switch"},{"id":"e","type":"end"},{"id":"e2","type":"end"}],` +
			`"edges":[{"from":"s","to":"w"},{"from":"w","to":"e","when":` + quote(cond) + `},{"from":"w","to":"e2","default":true}]}`)
		flow, _ := CompileFlow(body, 1, set)
		if flow == nil {
			return
		}
		data := map[string]any{"customer": map[string]any{"name": "x", "tier": "vip"}, "items": []any{map[string]any{"sku": "a", "name": "b", "qty": 2.0, "price": 3.0}}, "currency": "TWD"}
		if form != nil {
			_ = form.Prepare(data)
		}
		for _, e := range flow.Out["w"] {
			if e.Cond != nil {
				_, _ = runCond(e, data)
			}
		}
	})
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func runCond(e *engine.Edge, data map[string]any) (any, error) {
	return expr.Run(e.Cond, map[string]any{"order": data})
}
