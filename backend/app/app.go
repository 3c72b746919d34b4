// Package app composes Sluice's use cases: the workflow core (backend/service) with the
// feature packages attached to it. Service's methods are the core's and the features'
// (promoted through embedding), so the API and the tests call one value. The
// composition root, backend/cmd, builds it with New.
package app

import (
	"context"
	"log/slog"

	"sluice/backend/access"
	"sluice/backend/catalogue"
	"sluice/backend/fulfilment"
	"sluice/backend/inbound"
	"sluice/backend/notify"
	"sluice/backend/remind"
	"sluice/backend/reporting"
	"sluice/backend/service"
	"sluice/backend/store"
)

// Service is the core with every feature attached.
type Service struct {
	*service.Service
	*inbound.Inbound
	*access.Access
	*notify.Notify
	*remind.Reminders
	*reporting.Reporting
	*catalogue.Catalogue
	*fulfilment.Fulfilment
}

// New wires the core and its features over an open, migrated store.
func New(ctx context.Context, s *store.Store, log *slog.Logger) (*Service, error) {
	core, err := service.New(ctx, s, log)
	if err != nil {
		return nil, err
	}
	return Compose(core), nil
}

// Compose attaches the features to a core.
func Compose(core *service.Service) *Service {
	return &Service{Service: core, Inbound: inbound.New(core), Access: access.New(core), Notify: notify.New(core),
		Reminders: remind.Attach(core), Reporting: reporting.New(core), Catalogue: catalogue.New(core),
		Fulfilment: fulfilment.New(core)}
}
