// Package access is the access feature: people (users, departments, memberships),
// sessions (sign-in, sign-out, ending sessions) and the Casbin policy derived from what
// is published and who holds which role. It attaches to the workflow core
// (backend/service), whose Policy port it fills; it imports no other feature.
package access

import "sluice/backend/service"

// Access is the access feature's use cases over the core.
type Access struct {
	*service.Service
}

// New attaches the access feature to the core and makes it the core's policy writer.
func New(core *service.Service) *Access {
	a := &Access{Service: core}
	core.Policy = a
	return a
}
