package inventory

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"sluice/backend/ent"
	inv "sluice/backend/inventory"
	"sluice/backend/pluginhost"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	"sluice/plugins"
)

func returnData(lines string) map[string]any {
	var d map[string]any
	_ = json.Unmarshal([]byte(`{"reason": "damaged", "lines": `+lines+`}`), &d)
	return d
}

// inventory.return against real stock: a dry run and a check write nothing, a return
// beyond what shipped for the parent fails, the good quantity goes back on hand.
func TestReturn(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p, ok := plugins.Get(ReturnName)
		require.True(t, ok)
		var parent, kase int
		require.NoError(t, s.Tx(ctx, func(tx *ent.Tx) error {
			mk := func(number string, parent *int) (int, error) {
				o, err := tx.Order.Create().SetNumber(number).SetFlowKey("f").SetFlowVersion(1).SetStatus("in_review").
					SetDepartment("d").SetSubmitter("u").SetData(map[string]any{}).SetCurrentNodes([]string{}).
					SetNillableParentID(parent).Save(ctx)
				if err != nil {
					return 0, err
				}
				return o.ID, nil
			}
			var err error
			if parent, err = mk("SO-1", nil); err != nil {
				return err
			}
			if kase, err = mk("RMA-1", &parent); err != nil {
				return err
			}
			if _, err := inv.Adjust(ctx, tx.Client(), "BRG-6204", "main", 10, ""); err != nil {
				return err
			}
			_, err = inv.ShipQty(ctx, tx.Client(), parent, "BRG-6204", "main", 6, "SH-1")
			return err
		}))
		onHand := func() int {
			l, err := inv.Get(ctx, s.Read, "BRG-6204", "main")
			require.NoError(t, err)
			return l.OnHand
		}
		run := func(lines string, dry bool) (plugins.Output, error) {
			var out plugins.Output
			err := s.Tx(ctx, func(tx *ent.Tx) error {
				var err error
				out, err = plugins.RunWith(ctx, p, nil, plugins.Input{Node: "restock", DryRun: dry, Ports: pluginhost.Ports(tx.Client(), dry),
					Order: plugins.Order{ID: kase, Number: "RMA-1", Data: returnData(lines)}})
				return err
			})
			return out, err
		}
		require.Equal(t, 4, onHand())

		out, err := run(`[{"sku": "BRG-6204", "qty": 3, "good_qty": 2}]`, true)
		require.NoError(t, err)
		require.Equal(t, true, out.Detail["dry_run"])
		require.Equal(t, 4, onHand(), "a dry run moves nothing")

		_, err = run(`[{"sku": "BRG-6204", "qty": 7}]`, false)
		var f *plugins.Failure
		require.ErrorAs(t, err, &f)
		require.Equal(t, "data", f.Reason)
		_, err = run(`[{"sku": "BRG-6204", "qty": 2, "good_qty": 3}]`, false)
		require.ErrorAs(t, err, &f)

		ch := p.(plugins.Checker)
		check := func(parent int, lines string) []plugins.Problem {
			cfg, err := p.Provision(nil)
			require.NoError(t, err)
			return ch.Check(ctx, plugins.Input{Config: cfg, Ports: pluginhost.Ports(s.Read, true), Order: plugins.Order{Parent: parent, Data: returnData(lines)}})
		}
		require.Empty(t, check(parent, `[{"sku": "BRG-6204", "qty": 6}]`))
		require.Equal(t, []plugins.Problem{{Pointer: "/parent", Message: "a return names the order it is about (parent)"}}, check(0, `[]`))
		probs := check(parent, `[{"sku": "BRG-6204", "qty": 4}, {"sku": "BRG-6204", "qty": 3}]`)
		require.Len(t, probs, 1)
		require.Equal(t, "/data/lines/1/qty", probs[0].Pointer)

		out, err = run(`[{"sku": "BRG-6204", "qty": 3, "good_qty": 2}]`, false)
		require.NoError(t, err)
		require.Equal(t, 6, onHand())
		require.Len(t, out.Detail["returned"], 1)
		back, err := inv.Moved(ctx, s.Read, inv.KindReturn, kase)
		require.NoError(t, err)
		require.Equal(t, map[string]int{"BRG-6204": 2}, back)
		// 6 shipped, 2 came back: at most 4 more
		require.NotEmpty(t, check(parent, `[{"sku": "BRG-6204", "qty": 5}]`))
		require.Empty(t, check(parent, `[{"sku": "BRG-6204", "qty": 4}]`))
	})
}
