package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Notification is one entry of a user's persisted inbox (read/unread): what reminders,
// escalations, mentions and assignments leave for people who were offline. It is
// written in the transaction of the state change that caused it (store.Journal.Notify),
// together with a "notification.created" live event on the user's topic.
type Notification struct{ ent.Schema }

func (Notification) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Notification) Fields() []ent.Field {
	return []ent.Field{
		field.String("username"),
		field.String("type"),
		field.String("title").Default(""),
		field.Int("order_id").Optional().Nillable(),
		field.JSON("data", map[string]any{}),
		// The live event announcing it (0 when none was written).
		field.Int64("event_seq").Default(0),
		field.Time("read_at").Optional().Nillable(),
	}
}

func (Notification) Indexes() []ent.Index {
	// The inbox lists a user's newest first; the unread badge counts read_at IS NULL.
	return []ent.Index{index.Fields("username", "read_at"), index.Fields("username", "created_at")}
}

// LiveTicket is a one-time, short-lived ticket that authenticates one websocket
// handshake (GET /api/v1/live?ticket=…) for the session that asked for it, so no
// long-lived token ever travels in a URL. Stored (hashed) in the database so a ticket
// issued by one instance is accepted by any other behind the proxy; redeeming deletes it.
type LiveTicket struct{ ent.Schema }

func (LiveTicket) Fields() []ent.Field {
	return []ent.Field{
		field.String("hash").Unique().Sensitive(),
		field.Int("session_id"),
		field.Time("expires_at"),
	}
}

func (LiveTicket) Indexes() []ent.Index {
	return []ent.Index{index.Fields("expires_at")}
}
