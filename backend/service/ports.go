package service

import (
	"context"

	entsql "entgo.io/ent/dialect/sql"

	"sluice/backend/definitions"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/i18n"
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

// The ports the reporting feature's boards read through (backend/reporting).

// ReadableOrder is the order the actor may see, else a 404 or 403 (readableOrder).
func (s *Service) ReadableOrder(ctx context.Context, a Actor, id int) (*ent.Order, error) {
	return s.readableOrder(ctx, a, id)
}

// MayRead says whether the actor may see an order (mayRead).
func (s *Service) MayRead(ctx context.Context, a Actor, o *ent.Order) (bool, error) {
	return s.mayRead(ctx, a, o)
}

// SearchText normalises a search query ("" when there is nothing to search).
func SearchText(q string) string { return searchText(q) }

// OrderSearch narrows an order query to the orders whose search text contains q, in SQL
// (orderSearch; a page it finds is checked again with FieldGuard.MatchesVisible).
func (s *Service) OrderSearch(q string) func(*entsql.Selector) { return s.orderSearch(q) }

// UniqueInts sorts and deduplicates a page's worth of ids.
func UniqueInts(ids []int) []int { return uniqueInts(ids) }

// Customer is o's customer name as the guard's actor may see it ("" when hidden).
func (g *FieldGuard) Customer(ctx context.Context, o *ent.Order) (string, error) {
	return g.customer(ctx, o)
}

// Total is o's total as the guard's actor may see it (0 when hidden).
func (g *FieldGuard) Total(ctx context.Context, o *ent.Order) (float64, error) {
	return g.total(ctx, o)
}

// The ports the catalogue feature's simulation and migration use (backend/catalogue).

// Env answers the engine's questions through c for an order of flow; dryRun (a
// simulation) tells the plugins to change nothing (txEnv).
func (s *Service) Env(ctx context.Context, c *ent.Client, flow string, dryRun bool) engine.Env {
	return &txEnv{ctx: ctx, c: c, flow: flow, dryRun: dryRun}
}

// EngineOrder is o as the engine sees it (engineOrder).
func EngineOrder(o *ent.Order) engine.Order { return engineOrder(o) }

// CloseOpenWork cancels o's open tasks and nodes (their timers, waits and waiting
// sub-flows too) in the caller's transaction, as a return does (writer.closeRest).
func (s *Service) CloseOpenWork(ctx context.Context, tx *ent.Tx, j *store.Journal, a Actor, o *ent.Order) error {
	w := &writer{ctx: ctx, tx: tx, j: j, a: a, o: o, now: j.At(), notify: map[string]string{}, s: s}
	return w.closeRest(nil)
}

// Apply writes an engine result for o in the caller's transaction (apply).
func (s *Service) Apply(ctx context.Context, tx *ent.Tx, j *store.Journal, a Actor, o *ent.Order, r *engine.Result) error {
	_, err := s.apply(ctx, tx, j, a, o, nil, r)
	return err
}

// Via is a decision taken from outside the web app's task page: a message link
// (backend/notify).
type Via struct {
	// Version is the task's version the link was made for; any other answers 409
	// task-changed (moved), after the Casbin and state checks every action gets.
	Version int
	// Detail goes into the decision's audit entry as "via" (e.g. the link and channel).
	Detail map[string]any
	// Claim runs first in the decision's transaction (the link marks itself used); its
	// error aborts the decision.
	Claim func(ctx context.Context, tx *ent.Tx) error
}

// ActVia is Act for a decision from a message link, with v's checks and record.
func (s *Service) ActVia(ctx context.Context, a Actor, taskID int, req ActionRequest, v Via) (*ActionResult, error) {
	req.via = &v
	res, _, err := s.Act(ctx, a, taskID, req, nil)
	return res, err
}

// TaskChanged is the TypeTaskChanged conflict of the given reason (taskChanged).
func TaskChanged(reason, key string, p i18n.Params) *Error { return taskChanged(reason, key, p) }

// ReminderFor is the newest published reminder definition for a flow and its version
// (nil if none; reminderFor, cached like the catalog's latest versions).
func (s *Service) ReminderFor(ctx context.Context, flowKey string) (*definitions.Reminder, int, error) {
	return s.reminderFor(ctx, flowKey)
}

// ReminderVersion is a published reminder version compiled (nil if it is gone or no
// longer compiles; reminderVersion).
func (s *Service) ReminderVersion(ctx context.Context, key string, v int) (*definitions.Reminder, error) {
	return s.reminderVersion(ctx, key, v)
}

// EscalationTargets names the people an escalation reaches for an order's assignees
// (escalationTargets).
func (s *Service) EscalationTargets(ctx context.Context, c *ent.Client, e *definitions.Escalation, o *ent.Order, assignees []string) ([]string, error) {
	return escalationTargets(ctx, c, e, o, assignees)
}

// MayAct says whether the actor may take action on the task (mayAct).
func (s *Service) MayAct(a Actor, f *engine.Flow, t *ent.Task, action string) bool {
	return s.mayAct(a, f, t, action)
}

// Decide takes the action on the task in the transaction tx, as Act does (decide).
func (s *Service) Decide(ctx context.Context, tx *ent.Tx, j *store.Journal, a Actor, f *engine.Flow, o *ent.Order, t *ent.Task, req ActionRequest) (*ActionResult, error) {
	return s.decide(ctx, tx, j, a, f, o, t, req)
}

// Automatic is req as a reminder's automatic action: the system decides
// (engine.Action.Auto) though it is no assignee, and auto, the action's record, goes into
// the decision's audit detail. A request body never sets it.
func (req ActionRequest) Automatic(auto map[string]any) ActionRequest {
	req.auto = auto
	return req
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

// RaiseException stops o, in review, with an exception at its task node for the reason
// (a person decides: retry or cancel), its open tasks closed; the system acts, by
// names what made it (e.g. "timer:12"), carried as the request id.
func (s *Service) RaiseException(ctx context.Context, tx *ent.Tx, j *store.Journal, by string, o *ent.Order, node, reason, msg string, detail map[string]any) error {
	sys := Actor{Username: "system", RequestID: by}
	r := &engine.Result{CancelRest: true, Status: engine.StatusException, Current: []string{node},
		Visits: []engine.Visit{{NodeID: node, Type: engine.TypeTask, Status: "exception", Reason: reason, Message: msg,
			Detail: map[string]any{"reason": reason, "message": msg, "detail": detail}}},
		Trace: []engine.Trace{engine.ExceptionLine(node, reason, msg, nil)}}
	_, err := s.apply(ctx, tx, j, sys, o, nil, r)
	return err
}

// NodeName is node's name in o's flow version as data (i18n.L): a notification renders
// it in each reader's language; the id when the node has no name or is gone.
func (s *Service) NodeName(ctx context.Context, o *ent.Order, node string) any {
	if f, err := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion); err == nil && f != nil {
		if n := f.Nodes[node]; n != nil {
			return i18n.L(n.Name, node)
		}
	}
	return node
}
