package definitions

import (
	"encoding/json"
	"slices"

	"sluice/backend/engine"
	"sluice/backend/i18n"
)

// Role scopes.
const (
	ScopeDepartment = "department" // held in a department
	ScopeGlobal     = "global"     // held company-wide
)

// Permissions a role may grant, "<object>.<action>".
var Permissions = []string{
	"orders.create",
	"orders.read",
	"orders.read_all",
	"definitions.manage",
	"users.manage",
	"audit.read",
	"exceptions.resolve",
	"customers.manage",
	"stock.manage",
}

// CompanyWide are the permissions checked company-wide only — the definitions, the users
// and the audit trail belong to no department — so only a role with scope global grants
// them; in a department role they would confer nothing.
var CompanyWide = []string{"definitions.manage", "users.manage", "audit.read"}

// Role is a role definition.
type Role struct {
	Key         string      `json:"key"`
	Name        engine.Text `json:"name,omitempty"`
	Description engine.Text `json:"description,omitempty"`
	Scope       string      `json:"scope"`
	Permissions []string    `json:"permissions"`
}

// Has says whether the role grants permission.
func (r *Role) Has(permission string) bool { return slices.Contains(r.Permissions, permission) }

// ValidateRole checks a role document as written or published: its shape (ParseRole)
// and that a department role grants no company-wide permission.
func ValidateRole(body []byte) (*Role, []Problem) {
	r, ps := ParseRole(body)
	if r == nil || r.Scope != ScopeDepartment {
		return r, ps
	}
	for i, p := range r.Permissions {
		if slices.Contains(CompanyWide, p) {
			ps = append(ps, Coded(ptr("permissions", i), "definition.role.company_wide", i18n.Params{"Permission": p}))
		}
	}
	return r, ps
}

// ParseRole reads a role document checked against the role schema. Stored roles load
// through it, so a rule added to ValidateRole later never drops a role already in use.
func ParseRole(body []byte) (*Role, []Problem) {
	if _, ps := checkMeta("role", body); ps != nil {
		return nil, ps
	}
	var r Role
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, []Problem{Coded("", "definition.unreadable", i18n.Params{"Kind": kindName("role"), "Detail": err.Error()})}
	}
	return &r, nil
}
