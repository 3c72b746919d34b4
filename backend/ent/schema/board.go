package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// OrderLock is a soft claim of an order on a department board: who is working on it and
// until when. It is advisory only — acting on a task is never blocked by a lock; the
// board shows it to others so two people do not pick up the same order. At most one row
// per order; a row whose expires_at has passed is free to take.
type OrderLock struct{ ent.Schema }

func (OrderLock) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (OrderLock) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Unique(),
		field.String("holder"),
		field.Time("expires_at"), // UTC
	}
}

// OrderComment is a remark on an order from its board, with the @mentioned users who
// were notified.
type OrderComment struct{ ent.Schema }

func (OrderComment) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id"),
		field.String("author"),
		field.String("body").MaxLen(8000),
		field.JSON("mentions", []string{}),
		field.Time("created_at").Default(func() time.Time { return time.Now().UTC() }).Immutable(),
	}
}

func (OrderComment) Indexes() []ent.Index {
	return []ent.Index{index.Fields("order_id", "created_at")}
}
