package service

import (
	"context"

	"sluice/backend/definitions"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/store"
)

// The core's ports: what the feature packages (backend/inbound, …) may use of it. Each
// is a thin exported face of the core's own helper; the core's files keep calling the
// unexported names.

// DepartmentFor picks the department an order is submitted in (departmentFor).
func (s *Service) DepartmentFor(ctx context.Context, a Actor, asked string) (string, error) {
	return s.departmentFor(ctx, a, asked)
}

// OrderQuery selects the orders the actor may see that match the filter (orderQuery).
func (s *Service) OrderQuery(ctx context.Context, a Actor, f OrderFilter) (*ent.OrderQuery, error) {
	return s.orderQuery(ctx, a, f)
}

// FieldGuard renders orders' data with the fields the actor may not see left out.
type FieldGuard = fieldGuard

// Guard reads the actor's tasks on the given orders (guard).
func (s *Service) Guard(ctx context.Context, c *ent.Client, a Actor, orders ...*ent.Order) (*FieldGuard, error) {
	return s.guard(ctx, c, a, orders...)
}

// Data is the order's data as the actor may see it and the top-level fields left out.
func (g *FieldGuard) Data(ctx context.Context, o *ent.Order) (map[string]any, map[string]bool, error) {
	d, h, err := g.data(ctx, o)
	return d, h.fields, err
}

// MatchesVisible says whether the search query q is in what the guard's actor may see
// of o (a search page's last check, pages.go).
func (g *FieldGuard) MatchesVisible(ctx context.Context, o *ent.Order, q string) (bool, error) {
	return g.matchesVisible(ctx, o, searchText(q))
}

// ParseCursor reads a list's ?cursor= (parseCursor).
func ParseCursor(s string) (int, error) { return parseCursor(s) }

// ScanJSONUpTo is ScanJSON with numbers bounded by maxNumber instead of MaxNumber.
func ScanJSONUpTo(body []byte, maxNumber float64) *Error { return scanJSON(body, maxNumber) }

// PublishedRole is the newest published version of a role, if it parses (a lookup
// that fails answers no, as a definition's references do).
func (c *Catalog) PublishedRole(ctx context.Context, key string) (*definitions.Role, bool) {
	return c.lookup(ctx).Role(key)
}

// PublishBody validates body and stores it as a new published version (publish).
func (s *Service) PublishBody(ctx context.Context, a Actor, kind, key string, body []byte) (int, error) {
	return s.publish(ctx, a, kind, key, body)
}

// PolicyWriter rebuilds the Casbin policy from the published roles and flows and the
// memberships, in the transaction that changed one of them. The access feature fills
// the core's Policy with it (backend/app).
type PolicyWriter interface {
	WritePolicy(ctx context.Context, tx *ent.Tx) error
}

// writePolicy is the core's call of its policy port.
func (s *Service) writePolicy(ctx context.Context, tx *ent.Tx) error {
	return s.Policy.WritePolicy(ctx, tx)
}

// ReloadPolicy loads the policy a committed transaction changed. The change is saved
// whatever happens here, so a failure does not fail the request that made it: the
// snapshot is marked stale (Authz.Fresh reloads it before the next request is
// authenticated; the live hub reloads it too on the change's notification).
func (s *Service) ReloadPolicy(ctx context.Context) {
	if err := s.Authz.Reload(ctx); err != nil {
		s.Log.Error("reload the policy after a change; it is reloaded before the next request", "err", err)
	}
}

func (s *Service) reloadPolicy(ctx context.Context) { s.ReloadPolicy(ctx) }

// Ports of the fulfilment feature (backend/fulfilment).

// ReadableOrder is the order if the actor may see it: 404 when there is none, 403 when
// it is not theirs to see (readableOrder).
func (s *Service) ReadableOrder(ctx context.Context, a Actor, id int) (*ent.Order, error) {
	return s.readableOrder(ctx, a, id)
}

// MayRead says whether the actor may see the order (mayRead).
func (s *Service) MayRead(ctx context.Context, a Actor, o *ent.Order) (bool, error) {
	return s.mayRead(ctx, a, o)
}

// MayAct says whether the actor may take action on the task (mayAct).
func (s *Service) MayAct(a Actor, f *engine.Flow, t *ent.Task, action string) bool {
	return s.mayAct(a, f, t, action)
}

// Decide takes the action on the task in the transaction tx, as Act does (decide).
func (s *Service) Decide(ctx context.Context, tx *ent.Tx, j *store.Journal, a Actor, f *engine.Flow, o *ent.Order, t *ent.Task, req ActionRequest) (*ActionResult, error) {
	return s.decide(ctx, tx, j, a, f, o, t, req)
}

// OrderDetail renders an order with its open and waiting tasks (orderDetail).
func (s *Service) OrderDetail(ctx context.Context, c *ent.Client, a Actor, o *ent.Order) (*OrderView, error) {
	return s.orderDetail(ctx, c, a, o)
}

// AddCases adds to a single-order view the orders linked to it (addCases).
func AddCases(ctx context.Context, c *ent.Client, o *ent.Order, v *OrderView) error {
	return addCases(ctx, c, o, v)
}

// CheckIdem and RememberIdem are the Idempotency-Key's look-up and record, inside the
// write transaction (checkIdem, rememberIdem).
func CheckIdem(ctx context.Context, tx *ent.Tx, a Actor, id *Idem) (*Replay, error) {
	return checkIdem(ctx, tx, a, id)
}

// RememberIdem: see CheckIdem.
func RememberIdem(ctx context.Context, tx *ent.Tx, a Actor, id *Idem, status int, v any) error {
	return rememberIdem(ctx, tx, a, id, status, v)
}

// Total is o's total as the guard's actor may see it (0 when hidden).
func (g *FieldGuard) Total(ctx context.Context, o *ent.Order) (float64, error) {
	return g.total(ctx, o)
}

// RaiseException stops o, in review, with an exception at its task node for the reason
// (a person decides: retry or cancel), its open tasks closed; the system acts, by
// names what made it (e.g. "timer:12"), carried as the request id.
func (s *Service) RaiseException(ctx context.Context, tx *ent.Tx, j *store.Journal, by string, o *ent.Order, node, reason, msg string, detail map[string]any) error {
	sys := Actor{Username: "system", RequestID: by}
	r := &engine.Result{CancelRest: true, Status: engine.StatusException, Current: []string{node},
		Visits: []engine.Visit{{NodeID: node, Type: engine.TypeTask, Status: "exception", Reason: reason, Message: msg,
			Detail: map[string]any{"reason": reason, "message": msg, "detail": detail}}},
		Trace: []engine.Trace{{Node: node, Text: "exception (" + reason + "): " + msg}}}
	_, err := s.apply(ctx, tx, j, sys, o, nil, r)
	return err
}
