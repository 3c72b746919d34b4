// Package pluginhost implements the plugins' ports (sluice/plugins) over the ORM: the
// stock ledger, the customer list, orders, the price list and the outbox, all through
// the client of the transaction a plugin runs in. In a dry run the same reads answer
// and every write is refused with plugins.ErrDryRun, so a simulated plugin can look
// but never change anything. It also provisions a node's settings (Config).
package pluginhost

import (
	"context"

	"sluice/backend/ent"
	"sluice/backend/ent/customer"
	"sluice/backend/ent/order"
	"sluice/backend/ent/outboxmessage"
	"sluice/backend/ent/product"
	"sluice/backend/goods"
	"sluice/backend/inventory"
	"sluice/backend/outbox"
	"sluice/plugins"
)

// Ports are the plugins' ports over c (nil when c is: no database). In a dry run,
// writes answer plugins.ErrDryRun.
func Ports(c *ent.Client, dryRun bool) *plugins.Ports {
	if c == nil {
		return nil
	}
	var st plugins.Stock = stock{c}
	var ob plugins.Outbox = box{c}
	if dryRun {
		st, ob = readStock{stock{c}}, readBox{box{c}}
	}
	return &plugins.Ports{Stock: st, Customers: customers{c}, Orders: orders{c}, Prices: prices{c}, Outbox: ob}
}

type stock struct{ c *ent.Client }

func (s stock) Level(ctx context.Context, sku, warehouse string) (goods.Level, error) {
	return inventory.Get(ctx, s.c, sku, warehouse)
}

func (s stock) Reserve(ctx context.Context, order int, sku, warehouse string, qty int) (goods.Move, error) {
	return inventory.Reserve(ctx, s.c, order, sku, warehouse, qty)
}

func (s stock) ReserveUpTo(ctx context.Context, order int, sku, warehouse string, qty int) (int, *goods.Move, error) {
	return inventory.ReserveUpTo(ctx, s.c, order, sku, warehouse, qty)
}

func (s stock) Release(ctx context.Context, order int, note string) ([]goods.Move, error) {
	return inventory.Release(ctx, s.c, order, note)
}

func (s stock) Held(ctx context.Context, order int) ([]goods.Hold, error) {
	rs, err := inventory.HeldFor(ctx, s.c, order)
	if err != nil {
		return nil, err
	}
	out := make([]goods.Hold, len(rs))
	for i, r := range rs {
		out[i] = goods.Hold{SKU: r.Sku, Warehouse: r.Warehouse, Qty: r.Qty}
	}
	return out, nil
}

func (s stock) Ship(ctx context.Context, order int, sku, warehouse string, qty int, note string) (goods.Move, error) {
	return inventory.ShipQty(ctx, s.c, order, sku, warehouse, qty, note)
}

func (s stock) Return(ctx context.Context, order int, sku, warehouse string, qty int, note string) (goods.Move, error) {
	return inventory.Return(ctx, s.c, order, sku, warehouse, qty, note)
}

func (s stock) Moved(ctx context.Context, kind string, orders ...int) (map[string]int, error) {
	return inventory.Moved(ctx, s.c, kind, orders...)
}

// readStock is the dry run's stock: it reads, and refuses every movement.
type readStock struct{ stock }

func (readStock) Reserve(context.Context, int, string, string, int) (goods.Move, error) {
	return goods.Move{}, plugins.ErrDryRun
}

func (readStock) ReserveUpTo(context.Context, int, string, string, int) (int, *goods.Move, error) {
	return 0, nil, plugins.ErrDryRun
}

func (readStock) Release(context.Context, int, string) ([]goods.Move, error) {
	return nil, plugins.ErrDryRun
}

func (readStock) Ship(context.Context, int, string, string, int, string) (goods.Move, error) {
	return goods.Move{}, plugins.ErrDryRun
}

func (readStock) Return(context.Context, int, string, string, int, string) (goods.Move, error) {
	return goods.Move{}, plugins.ErrDryRun
}

type customers struct{ c *ent.Client }

func asCustomer(c *ent.Customer) *plugins.Customer {
	return &plugins.Customer{Code: c.Code, Name: c.Name, Language: c.Language, Email: c.Email, WebhookURL: c.WebhookURL,
		Blocked: c.Blocked, BlockedReason: c.BlockedReason, CreditLimit: c.CreditLimit}
}

func (cs customers) ByCode(ctx context.Context, code string) (*plugins.Customer, error) {
	c, err := cs.c.Customer.Query().Where(customer.Code(code)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return asCustomer(c), nil
}

func (cs customers) Find(ctx context.Context, key string) (*plugins.Customer, error) {
	c, err := cs.c.Customer.Query().Where(customer.Code(key)).Only(ctx)
	if ent.IsNotFound(err) {
		c, err = cs.c.Customer.Query().Where(customer.Name(key)).Order(ent.Asc(customer.FieldID)).First(ctx)
	}
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return asCustomer(c), nil
}

type orders struct{ c *ent.Client }

func (os orders) Parent(ctx context.Context, id int) (int, error) {
	o, err := os.c.Order.Get(ctx, id)
	if ent.IsNotFound(err) {
		return 0, nil
	}
	if err != nil || o.ParentID == nil {
		return 0, err
	}
	return *o.ParentID, nil
}

func (os orders) Cases(ctx context.Context, parent, except int) ([]int, error) {
	return os.c.Order.Query().Where(order.ParentID(parent), order.IDNEQ(except)).IDs(ctx)
}

func (os orders) Totals(ctx context.Context, customers, statuses []string, except int) ([]float64, error) {
	return os.c.Order.Query().Where(order.CustomerIn(customers...), order.StatusIn(statuses...), order.IDNEQ(except)).
		Select(order.FieldTotal).Float64s(ctx)
}

type prices struct{ c *ent.Client }

func (ps prices) ListPrice(ctx context.Context, sku string) (float64, bool, error) {
	p, err := ps.c.Product.Query().Where(product.Sku(sku)).Only(ctx)
	if ent.IsNotFound(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return p.Price, true, nil
}

type box struct{ c *ent.Client }

func (b box) Enqueue(ctx context.Context, m plugins.Message) (int, error) {
	row, err := outbox.Enqueue(ctx, b.c, outbox.Message{Key: m.Key, Channel: m.Channel, OrderID: m.OrderID, Template: m.Template,
		Language: m.Language, Recipient: m.Recipient, Subject: m.Subject, Body: m.Body})
	if err != nil {
		return 0, err
	}
	return row.ID, nil
}

func (b box) Keys(ctx context.Context, base string) (int, error) {
	return b.c.OutboxMessage.Query().Where(outboxmessage.Or(outboxmessage.Key(base), outboxmessage.KeyHasPrefix(base+":"))).Count(ctx)
}

// readBox is the dry run's outbox: it counts, and queues nothing.
type readBox struct{ box }

func (readBox) Enqueue(context.Context, plugins.Message) (int, error) { return 0, plugins.ErrDryRun }
