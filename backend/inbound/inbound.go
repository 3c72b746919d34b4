// Package inbound is the intake feature: orders that arrive from elsewhere (file
// imports, channels' webhooks), the customers they come from, what leaves (the Excel
// export, the outbox). It attaches to the workflow core (backend/service) and submits
// through it; it imports no other feature. (backend/intake is the file parser it uses.)
package inbound

import "sluice/backend/service"

// Inbound is the intake feature's use cases over the core.
type Inbound struct {
	*service.Service
	imports importState // background imports, stopped at shutdown (imports.go)
}

// New attaches the intake feature to the core.
func New(core *service.Service) *Inbound { return &Inbound{Service: core} }
