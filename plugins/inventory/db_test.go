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

// The policies against real stock: MTR-750W has 10 (asked 12), BRG-6204 has 1000.
func TestRunPolicies(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		require.NoError(t, s.Tx(ctx, func(tx *ent.Tx) error {
			if _, err := inv.Adjust(ctx, tx.Client(), "MTR-750W", "main", 10, ""); err != nil {
				return err
			}
			_, err := inv.Adjust(ctx, tx.Client(), "BRG-6204", "main", 1000, "")
			return err
		}))
		p, _ := plugins.Get(Name)
		run := func(orderID int, settings string, dry bool) plugins.Output {
			var out plugins.Output
			require.NoError(t, s.Tx(ctx, func(tx *ent.Tx) error {
				o := order(t)
				o.ID = orderID
				var err error
				out, err = plugins.RunWith(ctx, p, json.RawMessage(settings), plugins.Input{Node: "inventory", Order: o, DryRun: dry, Ports: pluginhost.Ports(tx.Client(), dry)})
				return err
			}))
			return out
		}
		reserved := func(sku string) int {
			l, err := inv.Get(ctx, s.Read, sku, "main")
			require.NoError(t, err)
			return l.Reserved
		}
		for _, tc := range []struct {
			settings, outcome string
			dry               bool
			mtr, brg          int // reserved after
		}{
			{`{}`, "shortage", false, 0, 0},
			{`{"policy": "block"}`, "shortage", true, 0, 0},
			{`{"policy": "partial"}`, "partial", true, 0, 0},
			{`{"policy": "partial"}`, "partial", false, 10, 600},
			{`{"policy": "backorder", "warehouse": "main"}`, "backorder", false, 10, 600}, // order 1 again: released first
			{`{"policy": "block", "max_qty_per_line": 500}`, "shortage", false, 0, 0},
		} {
			out := run(1, tc.settings, tc.dry)
			require.Equal(t, tc.outcome, out.Outcome, tc.settings)
			require.Equal(t, tc.mtr, reserved("MTR-750W"), tc.settings)
			require.Equal(t, tc.brg, reserved("BRG-6204"), tc.settings)
			lines := out.Detail["lines"].([]Line)
			require.Equal(t, "insufficient_stock", lines[0].Reason, tc.settings)
			require.NotNil(t, lines[0].Available)
		}
		// enough stock: ok, everything held; released when the order is rejected
		require.NoError(t, s.Tx(ctx, func(tx *ent.Tx) error {
			_, err := inv.Adjust(ctx, tx.Client(), "MTR-750W", "main", 5, "")
			return err
		}))
		out := run(2, `{}`, false)
		require.Equal(t, "ok", out.Outcome)
		require.Equal(t, 12, reserved("MTR-750W"))
		ender := p.(plugins.OrderEnder)
		require.NoError(t, s.Tx(ctx, func(tx *ent.Tx) error {
			return ender.OrderEnded(ctx, plugins.EndInput{Order: plugins.Order{ID: 2}, Status: "completed", Ports: pluginhost.Ports(tx.Client(), false)})
		}))
		require.Equal(t, 12, reserved("MTR-750W"), "completing leaves the holds to shipping")
		ship, _ := plugins.Get(ShipName)
		require.NoError(t, s.Tx(ctx, func(tx *ent.Tx) error {
			o := order(t)
			o.ID = 2
			out, err := plugins.RunWith(ctx, ship, nil, plugins.Input{Order: o, Ports: pluginhost.Ports(tx.Client(), false)})
			require.Len(t, out.Detail["shipped"], 2)
			return err
		}))
		l, err := inv.Get(ctx, s.Read, "MTR-750W", "main")
		require.NoError(t, err)
		require.Equal(t, inv.Level{SKU: "MTR-750W", Warehouse: "main", OnHand: 3, Reserved: 0}, l)
		run(3, `{"policy": "partial"}`, false)
		require.Equal(t, 3, reserved("MTR-750W"))
		require.NoError(t, s.Tx(ctx, func(tx *ent.Tx) error {
			return ender.OrderEnded(ctx, plugins.EndInput{Order: plugins.Order{ID: 3}, Status: "rejected", Ports: pluginhost.Ports(tx.Client(), false)})
		}))
		require.Equal(t, 0, reserved("MTR-750W"))
		require.Equal(t, 0, reserved("BRG-6204"))
	})
}
