package schema

import (
	"encoding/json"
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Customer is who orders: verification checks that they exist, are not blocked and
// stay within their credit limit; confirmation writes to their address in their language.
type Customer struct{ ent.Schema }

func (Customer) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Customer) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxLen(64).Unique(),
		field.String("name").Default(""),
		field.String("email").Default(""),
		field.String("language").Default("zh-TW"), // zh-TW | zh-CN | en
		field.String("webhook_url").Default(""),
		field.Bool("blocked").Default(false),
		field.String("blocked_reason").Default(""),
		field.Float("credit_limit").Default(0), // 0: no credit check
		field.String("address").Default(""),
		// department whose customers.manage holders manage it; "" is company-wide
		// (only a role with scope global manages it)
		field.String("department").Default(""),
	}
}

// OutboxMessage is one effect outside the database (an email, an outgoing webhook),
// written in the transaction of the state change that causes it and delivered at least
// once afterwards by the outbox worker, with retries and backoff. The key is the
// idempotency key the receiver sees; status dead marks a message that ran out of
// attempts (visible to admins and re-triable).
type OutboxMessage struct{ ent.Schema }

func (OutboxMessage) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (OutboxMessage) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").NotEmpty().Unique(),
		field.String("channel"), // email | webhook
		field.Int("order_id").Optional().Nillable(),
		field.String("template").Default(""),
		field.String("language").Default(""),
		field.String("recipient"), // address or URL
		field.String("subject").Default(""),
		field.Text("body").Default(""),
		field.JSON("headers", map[string]string{}).Optional(),
		field.String("status").Default("pending"), // pending | sent | dead
		field.Int("attempts").Default(0),
		field.Int("max_attempts").Default(8),
		field.Time("next_at").Default(func() time.Time { return time.Now().UTC() }),
		field.String("last_error").Default(""),
		field.Time("sent_at").Optional().Nillable(),
		field.String("claimed_by").Default(""),
		field.Time("claimed_until").Optional().Nillable(),
	}
}

func (OutboxMessage) Indexes() []ent.Index {
	return []ent.Index{index.Fields("status", "next_at"), index.Fields("order_id")}
}

// Exception is one problem that stopped an order: a shortage, a failed verification,
// no approver, an automatic node that errored. It has a typed reason, an owner and a
// deadline, and ends with one of the actions that resolve it: retry (after fixing the
// data), override (with a reason) or cancel.
type Exception struct{ ent.Schema }

func (Exception) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Exception) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id"),
		field.String("node").Default(""),
		field.String("reason"), // stock | credit | data | price | address | no_approver | error | customer
		field.String("message").Default(""),
		field.JSON("detail", map[string]any{}).Optional(),
		field.String("department").Default(""),
		field.String("owner").Default(""), // username; "" = the department's exception desk
		field.Time("deadline").Optional().Nillable(),
		field.String("status").Default("open"), // open | resolved
		field.String("resolution").Default(""), // retry | override | cancel
		field.String("resolved_by").Default(""),
		field.Time("resolved_at").Optional().Nillable(),
		field.String("note").Default(""),
	}
}

func (Exception) Indexes() []ent.Index {
	return []ent.Index{index.Fields("status", "deadline"), index.Fields("order_id", "status")}
}

// Shipment is one parcel of an order: carrier, tracking number and the lines in it.
// An order ships in one or more shipments until every line is fully shipped.
type Shipment struct{ ent.Schema }

func (Shipment) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Shipment) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id"),
		field.String("number").Unique(),
		field.String("carrier").Default(""),
		field.String("tracking").Default(""),
		field.String("tracking_url").Default(""),
		field.String("warehouse").Default(""),
		field.JSON("lines", []map[string]any{}), // [{sku, qty}]
		field.String("shipped_by").Default(""),
	}
}

func (Shipment) Indexes() []ent.Index {
	return []ent.Index{index.Fields("order_id")}
}

// ImportJob is one CSV or Excel import of orders: the file's hash and the mapping make
// its key, each row's outcome is recorded, and rows already imported (same source and
// external reference on an order) are skipped, so importing a file again creates nothing.
type ImportJob struct{ ent.Schema }

func (ImportJob) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (ImportJob) Fields() []ent.Field {
	return []ent.Field{
		field.String("flow_key"),
		field.String("filename").Default(""),
		field.String("file_hash"),
		field.JSON("mapping", json.RawMessage{}).Optional(),
		field.String("status").Default("running"), // running | done | failed
		field.Int("total").Default(0),
		field.Int("created").Default(0),
		field.Int("skipped").Default(0),
		field.Int("failed").Default(0),
		field.JSON("errors", []map[string]any{}).Optional(), // [{row, column, message}]
		field.String("created_by").Default(""),
		field.Time("finished_at").Optional().Nillable(),
		// heartbeat_at is renewed while the import runs; a running job whose heartbeat
		// stopped lost its server (a crash) and is marked failed by any instance.
		field.Time("heartbeat_at").Optional().Nillable(),
		// encoding is the text encoding a CSV file was read in ("" for a workbook).
		field.String("encoding").Default(""),
	}
}

func (ImportJob) Indexes() []ent.Index {
	return []ent.Index{index.Fields("file_hash")}
}

// Channel is an e-commerce shop that posts orders to Sluice by webhook: the HMAC key
// its requests are signed with and the JSON mapping from its payload to the flow's form.
type Channel struct{ ent.Schema }

func (Channel) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Channel) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").NotEmpty().MaxLen(64).Unique(),
		field.String("name").Default(""),
		field.String("flow_key"),
		field.String("department").Default(""),
		field.String("submitter").Default(""), // the user the orders are submitted as
		field.String("secret").Sensitive(),
		field.JSON("mapping", json.RawMessage{}),
		field.Bool("enabled").Default(true),
	}
}

// The status column is read by the inbox's index; keep it to the two known values.
func (Exception) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Checks(map[string]string{
		"exception_status_known": "status IN ('open','resolved')",
	})}
}
