// Package inventory moves stock: it reserves order lines, releases and ships the
// reservations, takes returns and adjusts stock counts, each movement written to the
// stock ledger in the caller's transaction (the *ent.Client of an ent.Tx).
//
// Stock never goes negative, whatever the concurrency: every change is one conditional
// UPDATE whose WHERE clause states the precondition (for a reservation, on_hand −
// reserved ≥ qty), so of two racing writers the second re-checks against the first's
// result (PostgreSQL re-evaluates the WHERE on the locked row; SQLite has one writer),
// and rows affected 0 means "not enough". CHECK constraints on the stocks table
// (reserved ≥ 0, on_hand ≥ reserved) back this up in the database itself.
package inventory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"sluice/backend/ent"
	"sluice/backend/ent/product"
	"sluice/backend/ent/reservation"
	"sluice/backend/ent/stock"
	"sluice/backend/ent/stockmove"
	"sluice/backend/goods"
)

// DefaultWarehouse is the warehouse used when none is named.
const DefaultWarehouse = goods.DefaultWarehouse

// DefaultLowStock is the low-stock threshold of a product without one.
const DefaultLowStock = 10

// Movement kinds, as written to the ledger.
const (
	KindReserve = goods.KindReserve
	KindRelease = goods.KindRelease
	KindShip    = goods.KindShip
	KindReturn  = goods.KindReturn
	KindAdjust  = goods.KindAdjust
)

// Reservation statuses.
const (
	Held     = "held"
	Released = "released"
	Shipped  = "shipped"
)

// ErrShortage is returned when the stock cannot cover a reservation (or a negative
// adjustment would take on-hand below what is reserved).
var ErrShortage = goods.ErrShortage

// ErrBadQty is returned for a quantity that is not positive.
var ErrBadQty = errors.New("inventory: quantity must be positive")

// The stock vocabulary lives in sluice/backend/goods (no ORM there, so plugins can
// use it); these names keep this package's callers as they were.
type (
	// Level is a product's stock in a warehouse.
	Level = goods.Level
	// Low reports a movement that took the available quantity below the threshold.
	Low = goods.Low
	// Move is one movement made, as written to the ledger.
	Move = goods.Move
)

func wh(w string) string {
	if w == "" {
		return DefaultWarehouse
	}
	return w
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Get returns the stock of sku in warehouse (zero when there is no row).
func Get(ctx context.Context, c *ent.Client, sku, warehouse string) (Level, error) {
	warehouse = wh(warehouse)
	l := Level{SKU: sku, Warehouse: warehouse}
	s, err := c.Stock.Query().Where(stock.Sku(sku), stock.Warehouse(warehouse)).Only(ctx)
	if ent.IsNotFound(err) {
		return l, nil
	}
	if err != nil {
		return l, err
	}
	l.OnHand, l.Reserved = s.OnHand, s.Reserved
	return l, nil
}

// cond is a precondition of a conditional update: the SQL expression lhs (over the
// stocks row's columns) compared with v, v passed as a bound argument.
type cond struct {
	lhs string
	op  sql.Op
	v   int
}

func (c cond) pred() func(*sql.Selector) {
	return func(s *sql.Selector) {
		s.Where(sql.P(func(b *sql.Builder) { b.WriteString(c.lhs).WriteOp(c.op).Arg(c.v) }))
	}
}

// update runs one conditional UPDATE of a stock row: add dOnHand and dReserved where
// every cond holds. It reports whether a row changed.
func update(ctx context.Context, c *ent.Client, sku, warehouse string, dOnHand, dReserved int, conds ...cond) (bool, error) {
	u := c.Stock.Update().Where(stock.Sku(sku), stock.Warehouse(warehouse)).SetUpdatedAt(now())
	for _, cd := range conds {
		u.Where(cd.pred())
	}
	if dOnHand != 0 {
		u.AddOnHand(dOnHand)
	}
	if dReserved != 0 {
		u.AddReserved(dReserved)
	}
	n, err := u.Save(ctx)
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// ledger writes the movement and checks the low-stock threshold after it.
func ledger(ctx context.Context, c *ent.Client, m Move, note string) (Move, error) {
	cr := c.StockMove.Create().SetSku(m.SKU).SetWarehouse(m.Warehouse).SetKind(m.Kind).
		SetDeltaOnHand(m.DeltaOnHand).SetDeltaReserved(m.DeltaReserved).SetNote(note).SetAt(now())
	if m.OrderID != 0 {
		cr.SetOrderID(m.OrderID)
	}
	if err := cr.Exec(ctx); err != nil {
		return m, err
	}
	// available changes by ΔonHand − Δreserved; only a fall can cross the threshold
	dAvail := m.DeltaOnHand - m.DeltaReserved
	if dAvail >= 0 {
		return m, nil
	}
	l, err := Get(ctx, c, m.SKU, m.Warehouse)
	if err != nil {
		return m, err
	}
	threshold := DefaultLowStock
	if p, err := c.Product.Query().Where(product.Sku(m.SKU)).Only(ctx); err == nil {
		threshold = p.LowStock
	} else if !ent.IsNotFound(err) {
		return m, err
	}
	after := l.Available()
	if after < threshold && after-dAvail >= threshold {
		m.Low = &Low{SKU: m.SKU, Warehouse: m.Warehouse, Available: after, Threshold: threshold}
	}
	return m, nil
}

// Reserve holds qty of sku in warehouse for an order, or returns ErrShortage and
// changes nothing.
func Reserve(ctx context.Context, c *ent.Client, orderID int, sku, warehouse string, qty int) (Move, error) {
	warehouse = wh(warehouse)
	if qty <= 0 {
		return Move{}, ErrBadQty
	}
	ok, err := update(ctx, c, sku, warehouse, 0, qty, cond{"on_hand - reserved", sql.OpGTE, qty})
	if err != nil {
		return Move{}, err
	}
	if !ok {
		return Move{}, fmt.Errorf("%w: %s in %s", ErrShortage, sku, warehouse)
	}
	if err := c.Reservation.Create().SetOrderID(orderID).SetSku(sku).SetWarehouse(warehouse).SetQty(qty).
		SetStatus(Held).SetCreatedAt(now()).Exec(ctx); err != nil {
		return Move{}, err
	}
	return ledger(ctx, c, Move{SKU: sku, Warehouse: warehouse, Kind: KindReserve, DeltaReserved: qty, OrderID: orderID}, "")
}

// ReserveUpTo reserves as much of qty as is available (possibly nothing) and returns
// the quantity reserved; a concurrent reservation taking stock in between is retried.
func ReserveUpTo(ctx context.Context, c *ent.Client, orderID int, sku, warehouse string, qty int) (int, *Move, error) {
	warehouse = wh(warehouse)
	if qty <= 0 {
		return 0, nil, ErrBadQty
	}
	for range 20 {
		l, err := Get(ctx, c, sku, warehouse)
		if err != nil {
			return 0, nil, err
		}
		take := min(qty, l.Available())
		if take <= 0 {
			return 0, nil, nil
		}
		m, err := Reserve(ctx, c, orderID, sku, warehouse, take)
		if errors.Is(err, ErrShortage) {
			continue // someone took stock meanwhile: look again
		}
		if err != nil {
			return 0, nil, err
		}
		return take, &m, nil
	}
	return 0, nil, nil
}

// HeldFor lists an order's held reservations.
func HeldFor(ctx context.Context, c *ent.Client, orderID int) ([]*ent.Reservation, error) {
	return c.Reservation.Query().Where(reservation.OrderID(orderID), reservation.Status(Held)).
		Order(ent.Asc(reservation.FieldID)).All(ctx)
}

// end moves a held reservation to status; false when it was no longer held (another
// transaction ended it first).
func end(ctx context.Context, c *ent.Client, id int, status string) (bool, error) {
	n, err := c.Reservation.Update().Where(reservation.ID(id), reservation.Status(Held)).
		SetStatus(status).SetEndedAt(now()).Save(ctx)
	return n == 1, err
}

// Release gives back an order's held reservations to available stock.
func Release(ctx context.Context, c *ent.Client, orderID int, note string) ([]Move, error) {
	rs, err := HeldFor(ctx, c, orderID)
	if err != nil {
		return nil, err
	}
	var moves []Move
	for _, r := range rs {
		ok, err := end(ctx, c, r.ID, Released)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		ok, err = update(ctx, c, r.Sku, r.Warehouse, 0, -r.Qty, cond{"reserved", sql.OpGTE, r.Qty})
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("inventory: reservation %d: %s in %s holds less than %d", r.ID, r.Sku, r.Warehouse, r.Qty)
		}
		m, err := ledger(ctx, c, Move{SKU: r.Sku, Warehouse: r.Warehouse, Kind: KindRelease, DeltaReserved: -r.Qty, OrderID: orderID}, note)
		if err != nil {
			return nil, err
		}
		moves = append(moves, m)
	}
	return moves, nil
}

// Ship turns an order's held reservations into stock leaving the warehouse.
func Ship(ctx context.Context, c *ent.Client, orderID int, note string) ([]Move, error) {
	rs, err := HeldFor(ctx, c, orderID)
	if err != nil {
		return nil, err
	}
	var moves []Move
	for _, r := range rs {
		ok, err := end(ctx, c, r.ID, Shipped)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		ok, err = update(ctx, c, r.Sku, r.Warehouse, -r.Qty, -r.Qty, cond{"reserved", sql.OpGTE, r.Qty}, cond{"on_hand", sql.OpGTE, r.Qty})
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("inventory: reservation %d: %s in %s holds less than %d", r.ID, r.Sku, r.Warehouse, r.Qty)
		}
		m, err := ledger(ctx, c, Move{SKU: r.Sku, Warehouse: r.Warehouse, Kind: KindShip, DeltaOnHand: -r.Qty, DeltaReserved: -r.Qty, OrderID: orderID}, note)
		if err != nil {
			return nil, err
		}
		moves = append(moves, m)
	}
	return moves, nil
}

// ensure creates the stock row of sku in warehouse when it is missing.
func ensure(ctx context.Context, c *ent.Client, sku, warehouse string) error {
	return c.Stock.Create().SetSku(sku).SetWarehouse(warehouse).SetUpdatedAt(now()).
		OnConflictColumns(stock.FieldSku, stock.FieldWarehouse).Ignore().Exec(ctx)
}

// Return puts qty of sku back on hand in warehouse (goods coming back from a
// customer); orderID (0 for none) links it to the original order.
func Return(ctx context.Context, c *ent.Client, orderID int, sku, warehouse string, qty int, note string) (Move, error) {
	warehouse = wh(warehouse)
	if qty <= 0 {
		return Move{}, ErrBadQty
	}
	if err := ensure(ctx, c, sku, warehouse); err != nil {
		return Move{}, err
	}
	if _, err := update(ctx, c, sku, warehouse, qty, 0); err != nil {
		return Move{}, err
	}
	return ledger(ctx, c, Move{SKU: sku, Warehouse: warehouse, Kind: KindReturn, DeltaOnHand: qty, OrderID: orderID}, note)
}

// Adjust changes the quantity on hand by delta (a count, a write-off, opening stock).
// A negative delta that would leave less on hand than is reserved is refused with
// ErrShortage and changes nothing.
func Adjust(ctx context.Context, c *ent.Client, sku, warehouse string, delta int, note string) (Move, error) {
	warehouse = wh(warehouse)
	if delta == 0 {
		return Move{}, ErrBadQty
	}
	if err := ensure(ctx, c, sku, warehouse); err != nil {
		return Move{}, err
	}
	ok, err := update(ctx, c, sku, warehouse, delta, 0, cond{"reserved - on_hand", sql.OpLTE, delta})
	if err != nil {
		return Move{}, err
	}
	if !ok {
		return Move{}, fmt.Errorf("%w: %s in %s cannot go down by %d", ErrShortage, sku, warehouse, -delta)
	}
	return ledger(ctx, c, Move{SKU: sku, Warehouse: warehouse, Kind: KindAdjust, DeltaOnHand: delta}, note)
}

// ShipQty ships qty of sku from warehouse for an order: first out of the order's held
// reservations of that SKU there (oldest first; the last one taken may be split, its
// shipped part kept as a row of status shipped), the rest out of free stock. The stock
// row changes in one conditional UPDATE — reserved ≥ what comes out of reservations,
// on_hand − reserved ≥ what comes out of free stock — so on_hand ≥ reserved ≥ 0 holds
// whatever runs concurrently. ErrShortage means the stock cannot cover it; the caller's
// transaction must then roll back (reservations may already have been touched).
func ShipQty(ctx context.Context, c *ent.Client, orderID int, sku, warehouse string, qty int, note string) (Move, error) {
	warehouse = wh(warehouse)
	if qty <= 0 {
		return Move{}, ErrBadQty
	}
	rs, err := c.Reservation.Query().Where(reservation.OrderID(orderID), reservation.Sku(sku),
		reservation.Warehouse(warehouse), reservation.Status(Held)).Order(ent.Asc(reservation.FieldID)).All(ctx)
	if err != nil {
		return Move{}, err
	}
	fromHeld := 0
	for _, r := range rs {
		if fromHeld == qty {
			break
		}
		take := min(r.Qty, qty-fromHeld)
		var ok bool
		if take == r.Qty {
			if ok, err = end(ctx, c, r.ID, Shipped); err != nil {
				return Move{}, err
			}
		} else {
			// split: the held row keeps the rest (qty stays > 0, as its CHECK wants)
			n, err := c.Reservation.Update().Where(reservation.ID(r.ID), reservation.Status(Held), reservation.QtyGT(take)).
				AddQty(-take).Save(ctx)
			if err != nil {
				return Move{}, err
			}
			if ok = n == 1; ok {
				if err := c.Reservation.Create().SetOrderID(orderID).SetSku(sku).SetWarehouse(warehouse).SetQty(take).
					SetStatus(Shipped).SetCreatedAt(now()).SetEndedAt(now()).Exec(ctx); err != nil {
					return Move{}, err
				}
			}
		}
		if ok {
			fromHeld += take
		}
	}
	free := qty - fromHeld
	ok, err := update(ctx, c, sku, warehouse, -qty, -fromHeld,
		cond{"reserved", sql.OpGTE, fromHeld}, cond{"on_hand - reserved", sql.OpGTE, free})
	if err != nil {
		return Move{}, err
	}
	if !ok {
		return Move{}, fmt.Errorf("%w: %s in %s cannot ship %d", ErrShortage, sku, warehouse, qty)
	}
	return ledger(ctx, c, Move{SKU: sku, Warehouse: warehouse, Kind: KindShip, DeltaOnHand: -qty, DeltaReserved: -fromHeld, OrderID: orderID}, note)
}

// Moved sums, per SKU, the on-hand change of the ledger's movements of kind for the
// given orders: what shipped (as a positive quantity, for KindShip) or came back
// (KindReturn). The ledger is the one record every way of shipping writes (shipments,
// inventory.ship), so quantities derived from it cannot disagree with the stock.
func Moved(ctx context.Context, c *ent.Client, kind string, orderIDs ...int) (map[string]int, error) {
	out := map[string]int{}
	if len(orderIDs) == 0 {
		return out, nil
	}
	ms, err := c.StockMove.Query().Where(stockmove.Kind(kind), stockmove.OrderIDIn(orderIDs...)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		d := m.DeltaOnHand
		if kind == KindShip {
			d = -d
		}
		out[m.Sku] += d
	}
	return out, nil
}

// HoldDuration reads a hold_for setting (see goods.HoldDuration).
func HoldDuration(s string) (time.Duration, error) { return goods.HoldDuration(s) }
