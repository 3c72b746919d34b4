package plugins

import (
	"context"
	"errors"

	"sluice/backend/goods"
)

// Ports are what a plugin may reach besides its input: narrow interfaces over the
// transaction of the order's state change. The service implements them (package
// sluice/backend/pluginhost); in a dry run every write answers ErrDryRun. A plugin
// that needs something not here asks for a port, rather than for the database.
type Ports struct {
	Stock     Stock
	Customers Customers
	Orders    Orders
	Prices    Prices
	Outbox    Outbox
}

// ErrDryRun is what a port's write answers in a dry run (simulation, a submit's check).
var ErrDryRun = errors.New("plugins: a dry run writes nothing")

// Stock moves an order's stock; every movement is written to the stock ledger.
type Stock interface {
	// Level is the stock of sku in warehouse (zero when there is none).
	Level(ctx context.Context, sku, warehouse string) (goods.Level, error)
	// Reserve holds qty for the order, or answers goods.ErrShortage and holds nothing.
	Reserve(ctx context.Context, order int, sku, warehouse string, qty int) (goods.Move, error)
	// ReserveUpTo holds as much of qty as is available (possibly nothing) and answers
	// how much it held (the move is nil when it held nothing).
	ReserveUpTo(ctx context.Context, order int, sku, warehouse string, qty int) (int, *goods.Move, error)
	// Release gives back everything the order holds.
	Release(ctx context.Context, order int, note string) ([]goods.Move, error)
	// Held lists what the order holds, oldest first.
	Held(ctx context.Context, order int) ([]goods.Hold, error)
	// Ship sends qty of sku out of warehouse for the order, from what it holds first.
	Ship(ctx context.Context, order int, sku, warehouse string, qty int, note string) (goods.Move, error)
	// Return takes qty of sku back on hand in warehouse for the order.
	Return(ctx context.Context, order int, sku, warehouse string, qty int, note string) (goods.Move, error)
	// Moved sums per SKU the ledger's movements of kind (goods.KindShip, goods.KindReturn)
	// for the orders, as positive quantities.
	Moved(ctx context.Context, kind string, orders ...int) (map[string]int, error)
}

// Customer is a row of the customer list as plugins see it.
type Customer struct {
	Code, Name    string
	Language      string
	Email         string
	WebhookURL    string
	Blocked       bool
	BlockedReason string
	CreditLimit   float64
}

// Customers reads the customer list.
type Customers interface {
	// ByCode is the customer with that code (nil when there is none).
	ByCode(ctx context.Context, code string) (*Customer, error)
	// Find is the customer an order names by key (see CustomerKey): by code, else the
	// first by name (nil when neither).
	Find(ctx context.Context, key string) (*Customer, error)
}

// Orders reads other orders.
type Orders interface {
	// Parent is the order an after-sales order is about (0: none, or no such order).
	Parent(ctx context.Context, order int) (int, error)
	// Cases lists the after-sales orders about parent, except one.
	Cases(ctx context.Context, parent, except int) ([]int, error)
	// Totals lists the totals of the orders naming one of customers (by the order's
	// customer key) in one of statuses, except one.
	Totals(ctx context.Context, customers, statuses []string, except int) ([]float64, error)
}

// Prices reads the price list.
type Prices interface {
	// ListPrice is the product's list price; ok is false when the SKU is not listed.
	ListPrice(ctx context.Context, sku string) (price float64, ok bool, err error)
}

// Message is a message to the outside world, delivered after the transaction commits
// by the outbox worker (with retries).
type Message struct {
	// Key is the idempotency key the receiver sees; unique among all messages.
	Key       string
	Channel   string // email | webhook
	OrderID   int
	Template  string
	Language  string
	Recipient string // an email address or a webhook URL
	Subject   string
	Body      string // the text of an email, or the JSON document a webhook posts
}

// Outbox queues messages in the transaction.
type Outbox interface {
	// Enqueue queues m and answers its id.
	Enqueue(ctx context.Context, m Message) (int, error)
	// Keys counts the messages whose key is base or starts with base + ":".
	Keys(ctx context.Context, base string) (int, error)
}
