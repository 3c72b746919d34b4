package service

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"sluice/backend/authz"
	"sluice/backend/definitions"
	"sluice/backend/ent"
	"sluice/backend/seal"
	"sluice/backend/store"
)

// Service holds what every use case needs.
type Service struct {
	Store   *store.Store
	Authz   *authz.Authz
	Catalog *Catalog
	Log     *slog.Logger
	// Secrets seals the secrets kept in the database (channels'); nil stores them as given.
	Secrets *seal.Key
	// AllowPrivateWebhooks lets customers' webhook URLs name loopback, private and
	// link-local addresses (webhook.allow_private; tests, a demo on localhost).
	AllowPrivateWebhooks bool
	// Policy rebuilds the Casbin policy after a change of roles, flows or memberships
	// (the access feature; backend/app sets it).
	Policy PolicyWriter
	// Notices is told, before each change commits, whom it notified (hooks.go); nil:
	// no one is told.
	Notices NoticeHook
	// Reminders writes and fires the reminder timers (the reminders feature;
	// backend/app sets it).
	Reminders Reminders
	// Fulfilment applies plugins' stock effects and shows an order's shipping (the
	// fulfilment feature; backend/app sets it).
	Fulfilment FulfilmentHooks

	timers timerState // reminder definitions by flow (timers.go)
}

// New wires a service over an open, migrated store.
func New(ctx context.Context, s *store.Store, log *slog.Logger) (*Service, error) {
	if log == nil {
		log = slog.Default()
	}
	az, err := authz.New(ctx, s.Read) // Read: Change may reload it inside a write transaction
	if err != nil {
		return nil, err
	}
	svc := &Service{Store: s, Authz: az, Log: log}
	svc.Catalog = newCatalog(s)
	return svc, nil
}

// Actor is the authenticated caller.
type Actor struct {
	ID       int
	Username string
	IsAdmin  bool
	// RequestID is carried into audit entries.
	RequestID string
	// SignedInAt is when the session's password was entered (its sign-in or last
	// re-authentication); zero for actors without a session (the system, tests).
	SignedInAt time.Time
	// Language is the user's own language setting ("" when they follow the browser).
	Language string
}

// sub is the actor's Casbin subject.
func (a Actor) sub() string { return authz.Subject(a.Username) }

// Can asks Casbin; admins are granted through policy too, not here.
func (s *Service) Can(a Actor, dom, obj, act string) bool {
	return s.Authz.Can(a.sub(), dom, obj, act)
}

// The core's files call the checks and Change by their short names.
func (s *Service) can(a Actor, dom, obj, act string) bool { return s.Can(a, dom, obj, act) }
func (s *Service) canAnywhere(a Actor, obj, act string) bool {
	return s.CanAnywhere(a, obj, act)
}
func (s *Service) canCompanyWide(a Actor, permission string) bool {
	return s.CanCompanyWide(a, permission)
}
func (s *Service) change(ctx context.Context, a Actor, fn func(tx *ent.Tx, j *store.Journal) error) error {
	return s.Change(ctx, a, fn)
}

// CanCompanyWide checks one of definitions.CompanyWide (definitions.manage, users.manage,
// audit.read), which belong to no department: held through a global role (or as an
// admin). MyPermissions reports them from the same list. Any other permission is false.
func (s *Service) CanCompanyWide(a Actor, permission string) bool {
	if !slices.Contains(definitions.CompanyWide, permission) {
		return false
	}
	obj, act, _ := authz.Permission(permission)
	return s.Can(a, authz.Global, obj, act)
}

// Change runs fn in one transaction with the journal open, closing it before commit.
func (s *Service) Change(ctx context.Context, a Actor, fn func(tx *ent.Tx, j *store.Journal) error) error {
	return s.Store.Tx(ctx, func(tx *ent.Tx) error {
		j, err := store.Begin(ctx, tx, a.RequestID)
		if err != nil {
			return err
		}
		// decide on the policy committed now, not on a snapshot a change by this or
		// another instance has not yet reloaded (one indexed read; a reload if behind)
		if err := s.Authz.Current(ctx, tx.CasbinRule); err != nil {
			return err
		}
		if err := fn(tx, j); err != nil {
			return err
		}
		if err := s.tell(ctx, tx, j); err != nil {
			return err
		}
		return j.Close(ctx)
	})
}

// CanAnywhere holds when the actor has the permission globally or in any department
// they belong to (e.g. finance's orders.read_all, held in the finance department).
func (s *Service) CanAnywhere(a Actor, obj, act string) bool {
	return s.Authz.CanAnywhere(a.sub(), obj, act)
}
