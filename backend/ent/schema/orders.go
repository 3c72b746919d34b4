package schema

import (
	"encoding/json"
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Definition is one version of a form, flow, role or reminder document.
// Version 0 is the editable draft; published versions (1, 2, …) never change.
type Definition struct{ ent.Schema }

func (Definition) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Definition) Fields() []ent.Field {
	return []ent.Field{
		field.String("kind").NotEmpty(),
		field.String("key").NotEmpty().MaxLen(64),
		field.Int("version"),
		field.String("status").Default("draft"), // draft | published
		field.JSON("body", json.RawMessage{}),
		field.String("created_by").Default(""),
	}
}

func (Definition) Indexes() []ent.Index {
	return []ent.Index{index.Fields("kind", "key", "version").Unique()}
}

// Order is one order on its way through a pinned flow version.
type Order struct{ ent.Schema }

func (Order) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Order) Fields() []ent.Field {
	return []ent.Field{
		field.String("number").Unique(),
		field.String("flow_key"),
		field.Int("flow_version"),
		field.String("status"),
		field.String("department"),
		field.String("submitter"),
		field.JSON("data", map[string]any{}),
		field.Float("total").Default(0),
		field.JSON("current_nodes", []string{}),
		field.Int("version").Default(1),
		field.Time("updated_at").Default(func() time.Time { return time.Now().UTC() }),
		// Where the order came from (api, form, import, a channel key) and its reference
		// there; the pair is unique, so a re-imported row or a re-sent webhook finds the
		// order it made before instead of making a second one.
		field.String("source").Default("api"),
		field.String("external_ref").Optional().Nillable(),
		// An after-sales order (return, complaint) links to the order it is about.
		field.Int("parent_id").Optional().Nillable(),
		field.String("customer").Default(""),
	}
}

func (Order) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("source", "external_ref").Unique(),
		index.Fields("parent_id"),
		index.Fields("customer", "status"),
		index.Fields("status"),
		index.Fields("department", "status"),
		index.Fields("submitter"),
	}
}

// NodeInstance is one visit of an order to a node, with the counters its review mode needs.
type NodeInstance struct{ ent.Schema }

func (NodeInstance) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (NodeInstance) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id"),
		field.String("node_id"),
		field.String("node_type"),
		field.String("status"), // active | approved | rejected | done | cancelled
		field.String("mode").Default(""),
		field.Int("required").Default(0), // approvals that pass the node
		field.Int("pool").Default(0),     // voters in all (ratio arithmetic)
		field.Int("approvals").Default(0),
		field.Int("rejections").Default(0),
		field.JSON("queue", []string{}).Optional(), // sequential: who comes next
		field.JSON("after", []string{}).Optional(), // signers added after
		field.String("return_to").Default(""),      // a direct return comes back here on pass
		field.String("department").Default(""),
		field.Int("version").Default(1),
		field.Time("ended_at").Optional().Nillable(),
	}
}

func (NodeInstance) Indexes() []ent.Index {
	return []ent.Index{index.Fields("order_id", "status")}
}

// Task is a piece of work for one assignee or a set of candidates (first one acts).
type Task struct{ ent.Schema }

func (Task) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Task) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id"),
		field.Int("node_instance_id"),
		field.String("node_id"),
		field.String("department").Default(""),
		field.JSON("assignees", []string{}),
		field.String("status").Default("open"), // open | waiting | done | cancelled | cc
		// kind: review (a vote) | before (an added signer deciding first) | delegate | cc
		field.String("kind").Default("review"),
		field.Int("parent_id").Optional().Nillable(),
		// granted: assigned by someone's action (transfer, delegation, added signer),
		// which is its authority, rather than resolved from a role
		field.Bool("granted").Default(false),
		field.String("comment").Default(""),
		field.Time("urged_at").Optional().Nillable(),
		// An approval's fingerprint: the form fields its reviewer saw and a hash of their
		// values; an edit that changes any of them voids the approval.
		field.JSON("seen", []string{}).Optional(),
		field.String("fingerprint").Default(""),
		field.String("decision").Default(""),
		field.String("decided_by").Default(""),
		field.Time("decided_at").Optional().Nillable(),
		field.Int("version").Default(1),
	}
}

func (Task) Indexes() []ent.Index {
	return []ent.Index{index.Fields("order_id", "status"), index.Fields("status"),
		// a node's open tasks are read on every action; the done inbox by decider
		index.Fields("node_instance_id", "status"), index.Fields("decided_by")}
}

// TaskAssignee indexes tasks by each user who may act on them (the inbox query).
type TaskAssignee struct{ ent.Schema }

func (TaskAssignee) Fields() []ent.Field {
	return []ent.Field{
		field.Int("task_id"),
		field.String("username"),
		field.Bool("open").Default(true),
	}
}

func (TaskAssignee) Indexes() []ent.Index {
	return []ent.Index{index.Fields("username", "open"), index.Fields("task_id")}
}

// AuditEntry is append-only and hash-chained: hash = SHA-256(prev_hash, entry). Each
// entry belongs to one chain (an order's, an actor's, or the global chain "" that holds
// the anchors and the entries written before chains were split); chain_seq numbers it
// within its chain, seq across all entries.
type AuditEntry struct{ ent.Schema }

func (AuditEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("seq").Unique(),
		field.Time("at"),
		field.String("actor"),
		field.String("action"),
		field.Int("order_id").Optional().Nillable(),
		field.String("node").Default(""),
		field.Int("task_id").Optional().Nillable(),
		field.JSON("detail", map[string]any{}),
		field.String("request_id").Default(""),
		field.String("prev_hash"),
		field.String("hash"),
		field.String("chain").Default(""),
		field.Int64("chain_seq").Default(0),
	}
}

func (AuditEntry) Indexes() []ent.Index {
	return []ent.Index{index.Fields("order_id"), index.Fields("chain", "chain_seq").Unique()}
}

// Event is a state change for live subscribers; seq is global and increasing in an
// order consistent with commit visibility (see store.FinalEvents for when a reader may
// take it).
type Event struct{ ent.Schema }

func (Event) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("seq").Unique(),
		field.Time("at"),
		field.String("type"),
		field.String("topic"),
		field.JSON("data", map[string]any{}),
	}
}

// Ledger is a single row of counters SQLite hands numbers out from (its one writer makes
// that free); PostgreSQL uses sequences instead, so no row is locked by every writer.
type Ledger struct{ ent.Schema }

func (Ledger) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("audit_seq").Default(0),
		field.String("audit_hash").Default(""),
		field.Int64("event_seq").Default(0),
		field.Int64("order_seq").Default(0),
	}
}

// IdempotencyKey remembers the first response to a keyed request.
type IdempotencyKey struct{ ent.Schema }

func (IdempotencyKey) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (IdempotencyKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("user"),
		field.String("scope"),
		field.String("key"),
		field.String("request_hash"),
		field.Int("status_code"),
		field.Bytes("response"),
	}
}

func (IdempotencyKey) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user", "scope", "key").Unique()}
}
