package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// FlowRetirement marks a flow retired: no new orders start in it (its published
// versions stay, so orders already in it go on to their end). Restoring the flow
// deletes the row.
type FlowRetirement struct{ ent.Schema }

func (FlowRetirement) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (FlowRetirement) Fields() []ent.Field {
	return []ent.Field{
		field.String("flow_key").NotEmpty().MaxLen(64).Unique(),
		field.String("retired_by").Default(""),
	}
}
