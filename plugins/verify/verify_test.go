package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"sluice/backend/ent"
	"sluice/backend/pluginhost"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	"sluice/plugins"
)

// data is a valid order: customer C1 (a code), two lines, total 2*100 + 3*50 = 350.
func data(t *testing.T, edit func(d map[string]any)) map[string]any {
	t.Helper()
	var d map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{
	  "customer": {"code": "C1", "name": "客戶一", "tier": "vip"},
	  "ship_to": {"address": "台北市內湖區瑞光路 188 號"},
	  "items": [{"sku": "A-1", "name": "a", "qty": 2, "price": 100}, {"sku": "B-2", "name": "b", "qty": 3, "price": 50}],
	  "total": 350}`), &d))
	if edit != nil {
		edit(d)
	}
	return d
}

func item(d map[string]any, i int) map[string]any { return d["items"].([]any)[i].(map[string]any) }

type want struct {
	reason   string   // "" = passes
	pointers []string // of the failed checks, in order
}

func check(t *testing.T, db *ent.Client, orderID int, settings string, d map[string]any, w want) {
	t.Helper()
	p, ok := plugins.Get(Name)
	require.True(t, ok)
	out, err := plugins.RunWith(context.Background(), p, json.RawMessage(settings), plugins.Input{Node: "checks", Ports: pluginhost.Ports(db, false),
		Order: plugins.Order{ID: orderID, Data: d}})
	if w.reason == "" {
		require.NoError(t, err)
		require.Equal(t, "ok", out.Outcome)
		require.NotEmpty(t, out.Detail["checked"], "a pass lists what was checked")
		return
	}
	f, ok := err.(*plugins.Failure)
	require.True(t, ok, "want a Failure, got %v", err)
	require.Equal(t, w.reason, f.Reason, f.Message)
	failed := f.Detail["failed"].([]Check)
	var ptrs []string
	for _, c := range failed {
		ptrs = append(ptrs, c.Pointer)
		require.NotEmpty(t, c.Message)
	}
	require.Equal(t, w.pointers, ptrs, f.Message)
}

func TestRequired(t *testing.T) {
	const s = `{"required": ["customer.name", "ship_to.address", "items[].sku", "items[].qty", "note"]}`
	tests := []struct {
		name string
		edit func(d map[string]any)
		want want
	}{
		{"all there", func(d map[string]any) { d["note"] = "x" }, want{}},
		{"top-level missing", nil, want{ReasonData, []string{"/note"}}},
		{"blank and nested", func(d map[string]any) {
			d["note"] = " "
			d["customer"].(map[string]any)["name"] = ""
			delete(d, "ship_to")
		}, want{ReasonData, []string{"/customer/name", "/ship_to/address", "/note"}}},
		{"a line's field", func(d map[string]any) { d["note"] = "x"; delete(item(d, 1), "sku") }, want{ReasonData, []string{"/items/1/sku"}}},
		{"no lines at all", func(d map[string]any) { d["note"] = "x"; d["items"] = []any{} }, want{ReasonData, []string{"/items", "/items"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { check(t, nil, 0, s, data(t, tc.edit), tc.want) })
	}
}

func TestQuantity(t *testing.T) {
	tests := []struct {
		name, settings string
		edit           func(d map[string]any)
		want           want
	}{
		{"within", `{"quantity": {"min": 1, "max": 10}}`, nil, want{}},
		{"over the max", `{"quantity": {"max": 2}}`, nil, want{ReasonData, []string{"/items/1/qty"}}},
		{"under the min", `{"quantity": {"min": 3}}`, nil, want{ReasonData, []string{"/items/0/qty"}}},
		{"no quantity", `{"quantity": {"min": 1}}`, func(d map[string]any) { delete(item(d, 0), "qty") }, want{ReasonData, []string{"/items/0/qty"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { check(t, nil, 0, tc.settings, data(t, tc.edit), tc.want) })
	}
}

// Without a database (simulating a flow file) the rules that need one are skipped.
func TestWithoutDatabase(t *testing.T) {
	check(t, nil, 0, `{"customer": true, "prices": {"tolerance": 0}, "credit": true}`, data(t, nil), want{})
}

// seed: customers C1 (limit 1000), C2 (blocked), C3 (no limit, named by name in
// orders); products A-1 at 100, B-2 at 50; C1 already has open orders of 300 and 200
// and a completed one of 5000 (which does not count).
func seed(t *testing.T, s *store.Store) {
	ctx := context.Background()
	require.NoError(t, s.Tx(ctx, func(tx *ent.Tx) error {
		if err := tx.Customer.CreateBulk(
			tx.Customer.Create().SetCode("C1").SetName("客戶一").SetCreditLimit(1000),
			tx.Customer.Create().SetCode("C2").SetName("客戶二").SetBlocked(true).SetBlockedReason("unpaid invoices"),
			tx.Customer.Create().SetCode("C3").SetName("客戶三"),
		).Exec(ctx); err != nil {
			return err
		}
		if err := tx.Product.CreateBulk(
			tx.Product.Create().SetSku("A-1").SetName("a").SetUnit("pc").SetPrice(100),
			tx.Product.Create().SetSku("B-2").SetName("b").SetUnit("pc").SetPrice(50),
		).Exec(ctx); err != nil {
			return err
		}
		for i, o := range []struct {
			customer, status string
			total            float64
		}{{"C1", "in_review", 300}, {"客戶一", "exception", 200}, {"C1", "completed", 5000}, {"C3", "in_review", 1e9}} {
			if err := tx.Order.Create().SetNumber(fmt.Sprintf("SO-%d", i)).SetFlowKey("f").SetFlowVersion(1).SetStatus(o.status).
				SetDepartment("sales").SetSubmitter("clerk").SetData(map[string]any{}).SetTotal(o.total).SetCurrentNodes([]string{}).
				SetCustomer(o.customer).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}))
}

func TestRulesWithDatabase(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		seed(t, s)
		const this = 99 // this order's id: not in the table, so nothing is excluded
		tests := []struct {
			name, settings string
			edit           func(d map[string]any)
			want           want
		}{
			{"customer exists", `{"customer": true}`, nil, want{}},
			{"customer by name", `{"customer": true}`, func(d map[string]any) { delete(d["customer"].(map[string]any), "code") }, want{}},
			{"customer as a plain code", `{"customer": true}`, func(d map[string]any) { d["customer"] = "C3" }, want{}},
			{"unknown customer", `{"customer": true}`, func(d map[string]any) { d["customer"] = map[string]any{"code": "C9"} }, want{ReasonCustomer, []string{"/customer"}}},
			{"no customer", `{"customer": true}`, func(d map[string]any) { delete(d, "customer") }, want{ReasonCustomer, []string{"/customer"}}},
			{"blocked customer", `{"customer": true}`, func(d map[string]any) { d["customer"] = "C2" }, want{ReasonCustomer, []string{"/customer"}}},
			{"list prices", `{"prices": {"tolerance": 0}}`, nil, want{}},
			{"within tolerance", `{"prices": {"tolerance": 10}}`, func(d map[string]any) { item(d, 0)["price"] = 91.0 }, want{}},
			{"outside tolerance", `{"prices": {"tolerance": 5}}`, func(d map[string]any) { item(d, 0)["price"] = 94.0; item(d, 1)["price"] = 60.0 },
				want{ReasonPrice, []string{"/items/0/price", "/items/1/price"}}},
			{"not in the price list", `{"prices": {"tolerance": 5}}`, func(d map[string]any) { item(d, 1)["sku"] = "Z-9" }, want{ReasonData, []string{"/items/1/sku"}}},
			{"credit within the limit", `{"credit": true}`, nil, want{}}, // 300 + 200 + 350 = 850 ≤ 1000
			{"credit over the limit", `{"credit": true}`, func(d map[string]any) { d["total"] = 600.0 }, want{ReasonCredit, []string{"/total"}}},
			{"credit exactly at the limit", `{"credit": true}`, func(d map[string]any) { d["total"] = 500.0 }, want{}},
			{"no limit, no check", `{"credit": true}`, func(d map[string]any) { d["customer"] = "C3" }, want{}},
			{"credit of an unknown customer is not checked", `{"credit": true}`, func(d map[string]any) { d["customer"] = "C9" }, want{}},
			{"every failure is listed; the first rule's reason wins", `{"required": ["note"], "customer": true, "prices": {"tolerance": 0}, "credit": true}`,
				func(d map[string]any) { item(d, 0)["price"] = 1.0; d["total"] = 5000.0 },
				want{ReasonData, []string{"/note", "/items/0/price", "/total"}}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				require.NoError(t, s.Tx(context.Background(), func(tx *ent.Tx) error {
					check(t, tx.Client(), this, tc.settings, data(t, tc.edit), tc.want)
					return nil
				}))
			})
		}
		// the order's own row does not count twice: order 1 (C1, 300) checked again
		require.NoError(t, s.Tx(context.Background(), func(tx *ent.Tx) error {
			check(t, tx.Client(), 1, `{"credit": true}`, data(t, func(d map[string]any) { d["total"] = 800.0 }), want{}) // 200 + 800
			return nil
		}))
	})
}

func TestSettingsSchemaIsJSON(t *testing.T) {
	var v map[string]any
	require.NoError(t, json.Unmarshal(plugin{}.SettingsSchema(), &v))
	require.True(t, strings.Contains(string(plugin{}.SettingsSchema()), `"credit"`))
}
