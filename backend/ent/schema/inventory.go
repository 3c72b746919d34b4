package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Product is a stock-keeping unit the orders' lines name by SKU.
type Product struct{ ent.Schema }

func (Product) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Product) Fields() []ent.Field {
	return []ent.Field{
		field.String("sku").NotEmpty().MaxLen(64).Unique(),
		field.String("name").Default(""),
		field.String("unit").Default(""),
		field.Float("price").Default(0),
		// A stock.low event is raised when the available quantity (on hand − reserved)
		// of the product in a warehouse falls below this.
		field.Int("low_stock").Default(10),
	}
}

// Warehouse is a place stock is kept.
type Warehouse struct{ ent.Schema }

func (Warehouse) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Warehouse) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").NotEmpty().MaxLen(64).Unique(),
		field.String("name").Default(""),
	}
}

// Stock is the quantity of one product in one warehouse. Reservations raise reserved;
// shipping lowers both; available is on_hand − reserved. The CHECK constraints make
// the database refuse any write that would take stock below zero, whatever the code
// above it does; the inventory package's conditional updates never attempt one.
type Stock struct{ ent.Schema }

func (Stock) Fields() []ent.Field {
	return []ent.Field{
		field.String("sku"),
		field.String("warehouse"),
		field.Int("on_hand").Default(0),
		field.Int("reserved").Default(0),
		field.Time("updated_at").Default(func() time.Time { return time.Now().UTC() }),
	}
}

func (Stock) Indexes() []ent.Index {
	return []ent.Index{index.Fields("sku", "warehouse").Unique()}
}

func (Stock) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Checks(map[string]string{
		"stock_reserved_nonnegative": "reserved >= 0",
		"stock_on_hand_covers":       "on_hand >= reserved",
	})}
}

// Reservation holds stock for one order line while the order is under review; it is
// released (reject, withdraw, cancel) or shipped (becomes a stock movement).
type Reservation struct{ ent.Schema }

func (Reservation) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Reservation) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id"),
		field.String("sku"),
		field.String("warehouse"),
		field.Int("qty").Positive(),
		field.String("status").Default("held"), // held | released | shipped
		field.Time("ended_at").Optional().Nillable(),
	}
}

func (Reservation) Indexes() []ent.Index {
	return []ent.Index{index.Fields("order_id", "status"), index.Fields("sku", "warehouse", "status")}
}

func (Reservation) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Checks(map[string]string{
		"reservation_qty_positive": "qty > 0",
	})}
}

// StockMove is one entry of the stock ledger: every change to a stock row, so the sums
// of the deltas per product and warehouse always equal the row.
type StockMove struct{ ent.Schema }

func (StockMove) Fields() []ent.Field {
	return []ent.Field{
		field.String("sku"),
		field.String("warehouse"),
		field.Int("delta_on_hand"),
		field.Int("delta_reserved"),
		field.String("kind"), // reserve | release | ship | return | adjust
		field.Int("order_id").Optional().Nillable(),
		field.String("note").Default(""),
		field.Time("at").Default(func() time.Time { return time.Now().UTC() }),
	}
}

func (StockMove) Indexes() []ent.Index {
	return []ent.Index{index.Fields("sku", "warehouse"), index.Fields("order_id")}
}
