// Package reporting is the reporting feature: flow statistics for the dashboards, the
// system status page, and the department boards with their soft locks and comments. It
// attaches to the workflow core (backend/service) and reads through it; it imports no
// other feature.
package reporting

import "sluice/backend/service"

// Reporting is the reporting feature's use cases over the core.
type Reporting struct {
	*service.Service
}

// New attaches the reporting feature to the core.
func New(core *service.Service) *Reporting { return &Reporting{Service: core} }
