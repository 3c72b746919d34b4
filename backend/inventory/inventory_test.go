package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sluice/backend/ent"
	"sluice/backend/ent/reservation"
	"sluice/backend/inventory"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

func tx(t *testing.T, s *store.Store, fn func(c *ent.Client) error) error {
	t.Helper()
	return s.Tx(context.Background(), func(tx *ent.Tx) error { return fn(tx.Client()) })
}

func level(t *testing.T, s *store.Store, sku string) inventory.Level {
	t.Helper()
	l, err := inventory.Get(context.Background(), s.Read, sku, "main")
	require.NoError(t, err)
	return l
}

// 200 concurrent reservations of one unit against stock 100: exactly 100 succeed.
func TestConcurrentReservations(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		require.NoError(t, tx(t, s, func(c *ent.Client) error {
			_, err := inventory.Adjust(ctx, c, "SKU-1", "main", 100, "opening stock")
			return err
		}))
		var ok, short atomic.Int32
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for i := range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := tx(t, s, func(c *ent.Client) error {
					_, err := inventory.Reserve(ctx, c, i+1, "SKU-1", "main", 1)
					return err
				})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, inventory.ErrShortage):
					short.Add(1)
				default:
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		require.EqualValues(t, 100, ok.Load())
		require.EqualValues(t, 100, short.Load())
		l := level(t, s, "SKU-1")
		require.Equal(t, 100, l.OnHand)
		require.Equal(t, 100, l.Reserved)
		require.Equal(t, 0, l.Available())
		n, err := s.Read.Reservation.Query().Where(reservation.Status(inventory.Held)).Count(ctx)
		require.NoError(t, err)
		require.Equal(t, 100, n)
		checkLedger(t, s)
	})
}

// The database itself refuses negative stock, even from a write that skips the checks.
func TestCheckConstraints(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		require.NoError(t, tx(t, s, func(c *ent.Client) error {
			_, err := inventory.Adjust(ctx, c, "SKU-1", "main", 5, "")
			return err
		}))
		for name, fn := range map[string]func(c *ent.Client) error{
			"reserved above on hand": func(c *ent.Client) error { return c.Stock.Update().AddReserved(6).Exec(ctx) },
			"negative reserved":      func(c *ent.Client) error { return c.Stock.Update().AddReserved(-1).Exec(ctx) },
			"negative on hand":       func(c *ent.Client) error { return c.Stock.Update().AddOnHand(-6).Exec(ctx) },
		} {
			require.Error(t, tx(t, s, fn), name)
		}
		require.Equal(t, inventory.Level{SKU: "SKU-1", Warehouse: "main", OnHand: 5}, level(t, s, "SKU-1"))
		// and the package refuses before it gets there
		err := tx(t, s, func(c *ent.Client) error { _, err := inventory.Reserve(ctx, c, 1, "SKU-1", "", 6); return err })
		require.ErrorIs(t, err, inventory.ErrShortage)
		err = tx(t, s, func(c *ent.Client) error { _, err := inventory.Reserve(ctx, c, 1, "NOPE", "", 1); return err })
		require.ErrorIs(t, err, inventory.ErrShortage)
		err = tx(t, s, func(c *ent.Client) error { _, err := inventory.Adjust(ctx, c, "SKU-1", "", -6, ""); return err })
		require.ErrorIs(t, err, inventory.ErrShortage)
	})
}

func TestLowStockCrossing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		require.NoError(t, tx(t, s, func(c *ent.Client) error {
			if err := c.Product.Create().SetSku("SKU-1").SetLowStock(5).Exec(ctx); err != nil {
				return err
			}
			_, err := inventory.Adjust(ctx, c, "SKU-1", "main", 8, "")
			return err
		}))
		var lows []*inventory.Low
		for range 4 {
			require.NoError(t, tx(t, s, func(c *ent.Client) error {
				m, err := inventory.Reserve(ctx, c, 1, "SKU-1", "main", 2)
				lows = append(lows, m.Low)
				return err
			}))
		}
		// 8→6 (no), 6→4 (crossed 5), 4→2 (already below), 2→0 (already below)
		require.Nil(t, lows[0])
		require.Equal(t, &inventory.Low{SKU: "SKU-1", Warehouse: "main", Available: 4, Threshold: 5}, lows[1])
		require.Nil(t, lows[2])
		require.Nil(t, lows[3])
	})
}

// checkLedger: per product and warehouse, the ledger's sums equal the stock row, the
// held reservations sum to reserved, and nothing is negative.
func checkLedger(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	rows, err := s.Read.Stock.Query().All(ctx)
	require.NoError(t, err)
	moves, err := s.Read.StockMove.Query().All(ctx)
	require.NoError(t, err)
	held, err := s.Read.Reservation.Query().Where(reservation.Status(inventory.Held)).All(ctx)
	require.NoError(t, err)
	type key struct{ sku, wh string }
	onHand, reserved, heldSum := map[key]int{}, map[key]int{}, map[key]int{}
	for _, m := range moves {
		onHand[key{m.Sku, m.Warehouse}] += m.DeltaOnHand
		reserved[key{m.Sku, m.Warehouse}] += m.DeltaReserved
	}
	for _, r := range held {
		heldSum[key{r.Sku, r.Warehouse}] += r.Qty
	}
	for _, r := range rows {
		k := key{r.Sku, r.Warehouse}
		l := inventory.Level{SKU: r.Sku, Warehouse: r.Warehouse, OnHand: r.OnHand, Reserved: r.Reserved}
		require.GreaterOrEqual(t, l.Reserved, 0, k)
		require.GreaterOrEqual(t, l.Available(), 0, k)
		require.Equal(t, l.OnHand, l.Available()+l.Reserved, k)
		require.Equal(t, onHand[k], r.OnHand, "ledger on hand of %v", k)
		require.Equal(t, reserved[k], r.Reserved, "ledger reserved of %v", k)
		require.Equal(t, heldSum[k], r.Reserved, "held reservations of %v", k)
	}
}

func seed(t *testing.T) uint64 {
	t.Helper()
	if v := os.Getenv("SLUICE_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		require.NoError(t, err, "SLUICE_SEED")
		return n
	}
	return uint64(time.Now().UnixNano())
}

// A seeded random walk of reserve/release/ship/return/adjust against a model: every
// step agrees with the model, and the invariants hold after each transaction.
// SLUICE_SEED=<seed> replays a run.
func TestRandomMovements(t *testing.T) {
	sd := seed(t)
	t.Logf("seed %d (SLUICE_SEED=%d replays)", sd, sd)
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(sd, 0x5ee5))
		skus := []string{"A", "B", "C"}
		whs := []string{"main", "north"}
		type key struct{ sku, wh string }
		type res struct {
			key
			qty int
		}
		onHand, reserved := map[key]int{}, map[key]int{}
		holds := map[int][]res{} // order -> held reservations
		steps := 250
		if testing.Short() {
			steps = 60
		}
		for step := range steps {
			k := key{skus[rng.IntN(len(skus))], whs[rng.IntN(len(whs))]}
			order := 1 + rng.IntN(8)
			q := 1 + rng.IntN(12)
			var op string
			var err error
			switch rng.IntN(6) {
			case 0, 1:
				op = fmt.Sprintf("reserve %v×%d for %d", k, q, order)
				err = tx(t, s, func(c *ent.Client) error { _, err := inventory.Reserve(ctx, c, order, k.sku, k.wh, q); return err })
				if onHand[k]-reserved[k] >= q {
					require.NoError(t, err, op)
					reserved[k] += q
					holds[order] = append(holds[order], res{k, q})
				} else {
					require.ErrorIs(t, err, inventory.ErrShortage, op)
				}
			case 2:
				op = fmt.Sprintf("release %d", order)
				err = tx(t, s, func(c *ent.Client) error { _, err := inventory.Release(ctx, c, order, ""); return err })
				require.NoError(t, err, op)
				for _, h := range holds[order] {
					reserved[h.key] -= h.qty
				}
				delete(holds, order)
			case 3:
				op = fmt.Sprintf("ship %d", order)
				err = tx(t, s, func(c *ent.Client) error { _, err := inventory.Ship(ctx, c, order, ""); return err })
				require.NoError(t, err, op)
				for _, h := range holds[order] {
					reserved[h.key] -= h.qty
					onHand[h.key] -= h.qty
				}
				delete(holds, order)
			case 4:
				op = fmt.Sprintf("return %v×%d", k, q)
				err = tx(t, s, func(c *ent.Client) error { _, err := inventory.Return(ctx, c, order, k.sku, k.wh, q, ""); return err })
				require.NoError(t, err, op)
				onHand[k] += q
			case 5:
				d := q * 2
				if rng.IntN(2) == 0 {
					d = -q
				}
				op = fmt.Sprintf("adjust %v by %d", k, d)
				err = tx(t, s, func(c *ent.Client) error { _, err := inventory.Adjust(ctx, c, k.sku, k.wh, d, ""); return err })
				if onHand[k]+d >= reserved[k] {
					require.NoError(t, err, op)
					onHand[k] += d
				} else {
					require.ErrorIs(t, err, inventory.ErrShortage, op)
				}
			}
			for kk := range onHand {
				l, err := inventory.Get(ctx, s.Read, kk.sku, kk.wh)
				require.NoError(t, err)
				require.Equal(t, onHand[kk], l.OnHand, "step %d (%s): on hand of %v", step, op, kk)
				require.Equal(t, reserved[kk], l.Reserved, "step %d (%s): reserved of %v", step, op, kk)
			}
			if step%25 == 0 {
				checkLedger(t, s)
			}
		}
		checkLedger(t, s)
	})
}

// ShipQty takes from the order's reservations first (splitting the last one), then from
// free stock, in one conditional update; what it cannot cover is a shortage.
func TestShipQty(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		require.NoError(t, tx(t, s, func(c *ent.Client) error {
			if _, err := inventory.Adjust(ctx, c, "SKU-S", "main", 100, "opening stock"); err != nil {
				return err
			}
			if _, err := inventory.Reserve(ctx, c, 1, "SKU-S", "main", 10); err != nil {
				return err
			}
			_, err := inventory.Reserve(ctx, c, 1, "SKU-S", "main", 20)
			return err
		}))
		var m inventory.Move
		require.NoError(t, tx(t, s, func(c *ent.Client) (err error) {
			m, err = inventory.ShipQty(ctx, c, 1, "SKU-S", "main", 15, "SH-1")
			return err
		}))
		require.Equal(t, inventory.Move{SKU: "SKU-S", Warehouse: "main", Kind: inventory.KindShip, DeltaOnHand: -15, DeltaReserved: -15, OrderID: 1}, m)
		require.Equal(t, inventory.Level{SKU: "SKU-S", Warehouse: "main", OnHand: 85, Reserved: 15}, level(t, s, "SKU-S"))
		held, err := inventory.HeldFor(ctx, s.Read, 1)
		require.NoError(t, err)
		require.Len(t, held, 1)
		require.Equal(t, 15, held[0].Qty, "the second reservation was split")
		shipped, err := s.Read.Reservation.Query().Where(reservation.OrderID(1), reservation.Status(inventory.Shipped)).Count(ctx)
		require.NoError(t, err)
		require.Equal(t, 2, shipped)

		require.NoError(t, tx(t, s, func(c *ent.Client) (err error) {
			m, err = inventory.ShipQty(ctx, c, 1, "SKU-S", "main", 25, "SH-2") // 15 held + 10 free
			return err
		}))
		require.Equal(t, -15, m.DeltaReserved)
		require.Equal(t, inventory.Level{SKU: "SKU-S", Warehouse: "main", OnHand: 60, Reserved: 0}, level(t, s, "SKU-S"))

		err = tx(t, s, func(c *ent.Client) error {
			_, err := inventory.ShipQty(ctx, c, 2, "SKU-S", "main", 61, "")
			return err
		})
		require.ErrorIs(t, err, inventory.ErrShortage)
		require.Equal(t, inventory.Level{SKU: "SKU-S", Warehouse: "main", OnHand: 60, Reserved: 0}, level(t, s, "SKU-S"))

		// 100 concurrent one-unit shipments from free stock against 60: exactly 60 ship
		var ok atomic.Int32
		var wg sync.WaitGroup
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := tx(t, s, func(c *ent.Client) error {
					_, err := inventory.ShipQty(ctx, c, 3, "SKU-S", "main", 1, "")
					return err
				})
				if err == nil {
					ok.Add(1)
				} else if !errors.Is(err, inventory.ErrShortage) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		require.EqualValues(t, 60, ok.Load())
		require.Equal(t, inventory.Level{SKU: "SKU-S", Warehouse: "main", OnHand: 0, Reserved: 0}, level(t, s, "SKU-S"))
		out, err := inventory.Moved(ctx, s.Read, inventory.KindShip, 1, 3)
		require.NoError(t, err)
		require.Equal(t, map[string]int{"SKU-S": 100}, out)
	})
}

func TestHoldDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"72h": 72 * time.Hour, "3d": 72 * time.Hour, "1d12h": 36 * time.Hour, "PT72H": 72 * time.Hour, "90s": 90 * time.Second} {
		if got, err := inventory.HoldDuration(in); err != nil || got != want {
			t.Errorf("HoldDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0m", "0s", "-1h", "+1h", "soon"} {
		if _, err := inventory.HoldDuration(bad); err == nil {
			t.Errorf("HoldDuration(%q): no error", bad)
		}
	}
}
