package catalogue

import (
	"context"
	"maps"
	"net/http"
	"slices"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/order"
	"sluice/backend/i18n"
	"sluice/backend/service"
	"sluice/backend/store"
)

// MigrationRequest moves in-flight orders from one published version of a flow to
// another: Map says where an order waiting at an old node goes in the new version.
type MigrationRequest struct {
	From   int               `json:"from"`
	To     int               `json:"to"`
	Map    map[string]string `json:"map"`
	Orders []int             `json:"orders,omitempty"` // apply: the orders to move (preview: a filter; empty = all)
}

// MigrationItem is one order in a migration preview or result.
type MigrationItem struct {
	Order   int      `json:"order"`
	Number  string   `json:"number"`
	At      []string `json:"at"`                // where it waits on the old version
	To      []string `json:"to,omitempty"`      // where it will wait (preview) or waits (applied)
	Problem string   `json:"problem,omitempty"` // why it cannot move, in the request's language
	Moved   bool     `json:"moved"`
}

// PreviewMigration lists the orders in review on the old version and where each would
// move; nothing is written.
func (s *Catalogue) PreviewMigration(ctx context.Context, a service.Actor, key string, req MigrationRequest) ([]MigrationItem, error) {
	_, _, orders, err := s.migrationPlan(ctx, a, key, req)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationItem, 0, len(orders))
	for _, o := range orders {
		out = append(out, planOne(o, req.Map, i18n.FromContext(ctx)))
	}
	return out, nil
}

// planOne is where the order would move by the map m, or why it cannot (in lang).
func planOne(o *ent.Order, m map[string]string, lang string) MigrationItem {
	it := MigrationItem{Order: o.ID, Number: o.Number, At: o.CurrentNodes}
	switch {
	case len(o.CurrentNodes) == 0:
		it.Problem = i18n.T(lang, "migration.not_at_review", i18n.Params{"Status": o.Status})
	case len(o.CurrentNodes) > 1:
		it.Problem = i18n.T(lang, "migration.in_parallel_branches", nil)
	default:
		to, ok := m[o.CurrentNodes[0]]
		if !ok {
			it.Problem = i18n.T(lang, "migration.node_unmapped", i18n.Params{"Node": o.CurrentNodes[0]})
		} else {
			it.To = []string{to}
		}
	}
	return it
}

func (s *Catalogue) migrationPlan(ctx context.Context, a service.Actor, key string, req MigrationRequest) (*engine.Flow, *engine.Flow, []*ent.Order, error) {
	if !s.CanCompanyWide(a, "definitions.manage") {
		return nil, nil, nil, service.Refuse(http.StatusForbidden, "problem.forbidden.migrate_orders", nil)
	}
	from, err := s.Catalog.Flow(ctx, key, req.From)
	if err != nil {
		return nil, nil, nil, err
	}
	if from == nil || req.From < 1 {
		return nil, nil, nil, service.Refuse(http.StatusUnprocessableEntity, "problem.unknown_version", nil,
			service.FieldErr("/from", "migration.from_version", i18n.Params{"Flow": key}))
	}
	to, err := s.Catalog.Flow(ctx, key, req.To)
	if err != nil {
		return nil, nil, nil, err
	}
	if to == nil || req.To < 1 || req.To == req.From {
		return nil, nil, nil, service.Refuse(http.StatusUnprocessableEntity, "problem.unknown_version", nil,
			service.FieldErr("/to", "migration.to_version", i18n.Params{"Flow": key}))
	}
	var errs []service.FieldError
	for _, old := range slices.Sorted(maps.Keys(req.Map)) {
		n, nn := from.Nodes[old], to.Nodes[req.Map[old]]
		switch {
		case n == nil || n.Type != engine.TypeReview:
			errs = append(errs, service.FieldErr("/map/"+old, "migration.no_review_node", i18n.Params{"Version": req.From, "Node": old}))
		case nn == nil || nn.Type != engine.TypeReview:
			errs = append(errs, service.FieldErr("/map/"+old, "migration.no_review_node", i18n.Params{"Version": req.To, "Node": req.Map[old]}))
		}
	}
	if len(errs) > 0 {
		return nil, nil, nil, service.Refuse(http.StatusUnprocessableEntity, "problem.node_map_invalid", nil, errs...)
	}
	q := s.Store.Read.Order.Query().Where(order.FlowKey(key), order.FlowVersion(req.From), order.Status(engine.StatusInReview))
	if len(req.Orders) > 0 {
		q.Where(order.IDIn(req.Orders...))
	}
	orders, err := q.Order(ent.Asc(order.FieldID)).Limit(1000).All(ctx)
	return from, to, orders, err
}

// ApplyMigration moves the chosen orders, each in its own transaction: their open
// tasks close, the order is pinned to the new version and enters the mapped node there
// (approvers resolved anew), and the move is in the audit trail.
func (s *Catalogue) ApplyMigration(ctx context.Context, a service.Actor, key string, req MigrationRequest) ([]MigrationItem, error) {
	if len(req.Orders) == 0 {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.migration_orders_required", nil, service.FieldErr("/orders", "migration.orders_required", nil))
	}
	_, to, orders, err := s.migrationPlan(ctx, a, key, req)
	if err != nil {
		return nil, err
	}
	lang := i18n.FromContext(ctx)
	out := make([]MigrationItem, 0, len(orders))
	for _, o := range orders {
		it := planOne(o, req.Map, lang)
		if it.Problem != "" {
			out = append(out, it)
			continue
		}
		planned := it.To // kept: the closure changes it.To, and Store.Tx may run it twice
		err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
			cur, err := s.LockForWrite(ctx, tx, o.ID)
			if err != nil {
				return err
			}
			if cur.Version != o.Version || cur.FlowVersion != req.From {
				return service.Refuse(http.StatusConflict, "problem.order_changed_meanwhile", i18n.Params{"Number": o.Number})
			}
			if err := s.CloseOpenWork(ctx, tx, j, a, cur); err != nil {
				return err
			}
			n, err := tx.Order.Update().Where(order.ID(cur.ID), order.Version(cur.Version)).SetFlowVersion(req.To).
				SetCurrentNodes([]string{}).AddVersion(1).Save(ctx)
			if err != nil {
				return err
			}
			if n == 0 {
				return service.Refuse(http.StatusConflict, "problem.order_changed_meanwhile", i18n.Params{"Number": o.Number})
			}
			cur.Version++
			cur.FlowVersion, cur.CurrentNodes = req.To, []string{}
			r, err := engine.Enter(to, planned[0], service.EngineOrder(cur), s.Env(ctx, tx.Client(), key, false))
			if err != nil {
				return err
			}
			if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: "migrated", OrderID: cur.ID,
				Detail: map[string]any{"from": req.From, "to": req.To, "at": it.At, "entered": planned, "trace": r.Trace}}); err != nil {
				return err
			}
			if err := s.Apply(ctx, tx, j, a, cur, r); err != nil {
				return err
			}
			it.To, it.Moved = cur.CurrentNodes, true
			return nil
		})
		if err != nil {
			e, ok := service.AsError(err)
			if !ok {
				return nil, err
			}
			it.Problem = e.LocalizedDetail(lang)
		}
		out = append(out, it)
	}
	return out, nil
}
