package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// NotifyChannel is a place a person's notifications go besides the web app: an email
// address, a chat robot's webhook (Slack, Teams, LINE, WeCom, DingTalk) or a signed
// JSON webhook (backend/notify). A channel with an empty username is the company's,
// set by admins: its kinds are the default every person gets there until they choose
// (NotifyPref).
type NotifyChannel struct{ ent.Schema }

func (NotifyChannel) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (NotifyChannel) Fields() []ent.Field {
	return []ent.Field{
		field.String("username").Default("").MaxLen(64), // "" = the company's
		field.String("type").NotEmpty().MaxLen(16),      // email | slack | teams | line | wecom | dingtalk | webhook
		field.String("name").Default("").MaxLen(100),
		// address is the email address (empty on a company email channel: each
		// person's own) or the URL posted to.
		field.String("address").Default("").MaxLen(2000),
		// to is LINE's recipient (a user, group or room id).
		field.String("to").Default("").MaxLen(100),
		// secret is DingTalk's signing secret or LINE's channel access token, sealed
		// (backend/seal); never shown back.
		field.String("secret").Default("").Sensitive(),
		field.JSON("kinds", []string{}),
		field.Bool("enabled").Default(true),
		field.Time("updated_at").Default(func() time.Time { return time.Now().UTC() }),
	}
}

func (NotifyChannel) Indexes() []ent.Index {
	return []ent.Index{index.Fields("username", "id")}
}

// NotifyPref is a person's choice of kinds on a company channel (overriding its
// default kinds; an empty list opts out).
type NotifyPref struct{ ent.Schema }

func (NotifyPref) Fields() []ent.Field {
	return []ent.Field{
		field.String("username").MaxLen(64),
		field.Int("channel_id"),
		field.JSON("kinds", []string{}),
	}
}

func (NotifyPref) Indexes() []ent.Index {
	return []ent.Index{index.Fields("username", "channel_id").Unique(), index.Fields("channel_id")}
}

// ActionLink is one signed "act from the message" link: bound to a task, a person and
// the task's version, it expires and works once (used_at is set in the transaction of
// the decision it carried).
type ActionLink struct{ ent.Schema }

func (ActionLink) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (ActionLink) Fields() []ent.Field {
	return []ent.Field{
		field.Int("task_id"),
		field.String("username").MaxLen(64),
		field.Int("task_version"),
		field.String("channel").MaxLen(16), // the channel type the message went by
		field.Int("channel_id").Default(0),
		field.Time("expires_at"),
		field.Time("used_at").Optional().Nillable(),
	}
}

func (ActionLink) Indexes() []ent.Index {
	return []ent.Index{index.Fields("task_id"), index.Fields("expires_at")}
}
