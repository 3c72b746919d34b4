package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// User is a person who logs in.
type User struct{ ent.Schema }

func (User) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("username").Unique().NotEmpty().MaxLen(64),
		field.String("display_name").Default(""),
		field.String("email").Default(""),
		field.String("password_hash").Sensitive(),
		field.Bool("is_admin").Default(false),
		field.Bool("disabled").Default(false),
		field.String("locale").Default("zh-TW"),
		// language is the user's own choice of the language the server answers in
		// (problems, notifications); "" follows the browser (Accept-Language), else zh-TW.
		// locale stays the language an administrator gave the account (messages sent
		// outside a request, such as emails, use language first, then locale).
		field.String("language").Default("").MaxLen(35),
		// manager_id points at the user's line manager (approver resolution "manager N levels up").
		field.Int("manager_id").Optional().Nillable(),
	}
}

// Department is an organisational unit; it is also the Casbin domain.
type Department struct{ ent.Schema }

func (Department) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Department) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").Unique().NotEmpty().MaxLen(64),
		field.String("name").Default(""),
		// names holds the name per UI language (zh-TW, zh-CN, en); name is the fallback.
		field.JSON("names", map[string]string{}).Optional(),
		field.String("parent_key").Optional().Nillable(),
	}
}

// Membership says a user holds a role in a department.
type Membership struct{ ent.Schema }

func (Membership) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Membership) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.String("department").NotEmpty(),
		field.String("role").NotEmpty(),
	}
}

func (Membership) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "department", "role").Unique(),
		index.Fields("department", "role"),
	}
}

// Session is a login; the token is stored only as its SHA-256.
type Session struct{ ent.Schema }

func (Session) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Session) Fields() []ent.Field {
	return []ent.Field{
		field.String("token_hash").Unique().Sensitive(),
		field.Int("user_id"),
		field.String("csrf_token").Sensitive(),
		field.Time("expires_at"),
	}
}

func (Session) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id")}
}

// CasbinRule is one line of Casbin policy (p or g), kept in the database.
type CasbinRule struct{ ent.Schema }

func (CasbinRule) Fields() []ent.Field {
	return []ent.Field{
		field.String("ptype").Default(""),
		field.String("v0").Default(""),
		field.String("v1").Default(""),
		field.String("v2").Default(""),
		field.String("v3").Default(""),
		field.String("v4").Default(""),
		field.String("v5").Default(""),
	}
}

func (CasbinRule) Indexes() []ent.Index {
	return []ent.Index{index.Fields("ptype", "v0", "v1", "v2", "v3", "v4", "v5").Unique()}
}
