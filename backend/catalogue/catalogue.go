// Package catalogue is the catalogue feature: definitions (forms, flows, roles,
// reminders) listed, drafted and published, the flows a user may start, the designer's
// expression check, the simulation of a flow version and the migration of in-flight
// orders between versions. It attaches to the workflow core (backend/service), which
// keeps the published definitions' cache (service.Catalog, read on every path) and
// does what a new version changes in it (Published, PublishCommitted); it imports no
// other feature.
package catalogue

import "sluice/backend/service"

// Catalogue is the catalogue feature's use cases over the core.
type Catalogue struct {
	*service.Service
}

// New attaches the catalogue feature to the core.
func New(core *service.Service) *Catalogue { return &Catalogue{Service: core} }
