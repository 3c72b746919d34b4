package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Timer is one durable SLA timer of a task: a reminder, an escalation or an automatic
// action, written in the transaction that opens the task and cancelled in the one that
// closes it. The scheduler (backend/remind) fires a pending timer once its due_at has
// passed, in its own transaction, moving it pending -> fired with a conditional update
// (exactly once, on any number of instances). claimed_by/claimed_until spread due
// timers over instances (a lease); they never decide who fires, the status does.
type Timer struct{ ent.Schema }

func (Timer) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Timer) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id"),
		field.Int("task_id"),
		field.String("node"),
		field.String("kind"), // remind | escalate | auto
		// The reminder definition (key and published version) whose rule made it.
		field.String("reminder").Default(""),
		field.Int("reminder_version").Default(0),
		field.Time("due_at"),                      // UTC
		field.String("status").Default("pending"), // pending | fired | cancelled
		field.Int("attempt").Default(1),           // which reminder of a repeating rule (1-based)
		field.Time("fired_at").Optional().Nillable(),
		field.String("outcome").Default(""),
		field.String("claimed_by").Default(""),
		field.Time("claimed_until").Optional().Nillable(),
	}
}

func (Timer) Indexes() []ent.Index {
	// the scheduler reads pending timers by due time; closing a task cancels its own; an
	// order's changes cancel its waits, holds and exception deadlines by kind (without
	// this index every review action scanned all pending timers)
	return []ent.Index{index.Fields("status", "due_at"), index.Fields("task_id", "status"), index.Fields("order_id", "kind", "status")}
}
