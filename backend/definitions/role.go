package definitions

import (
	"encoding/json"
	"slices"

	"sluice/backend/engine"
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

// ParseRole validates a role document.
func ParseRole(body []byte) (*Role, []Problem) {
	if _, ps := checkMeta("role", body); ps != nil {
		return nil, ps
	}
	var r Role
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, []Problem{{"", "cannot read role: " + err.Error()}}
	}
	return &r, nil
}
