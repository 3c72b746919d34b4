package catalogue

import (
	"context"
	"net/http"

	"sluice/backend/ent"
	"sluice/backend/ent/flowretirement"
	"sluice/backend/i18n"
	"sluice/backend/service"
	"sluice/backend/store"
)

// RetireFlow retires a published flow: it leaves the clerks' flow picker and new orders
// in it are refused (service.FlowRetired); its versions stay, so the orders already in
// it go on to their end. Audited; retiring a retired flow changes nothing.
func (s *Catalogue) RetireFlow(ctx context.Context, a service.Actor, key string) (*DefinitionView, error) {
	return s.setRetired(ctx, a, key, true)
}

// RestoreFlow takes a flow out of retirement: it starts orders again.
func (s *Catalogue) RestoreFlow(ctx context.Context, a service.Actor, key string) (*DefinitionView, error) {
	return s.setRetired(ctx, a, key, false)
}

func (s *Catalogue) setRetired(ctx context.Context, a service.Actor, key string, retire bool) (*DefinitionView, error) {
	if !s.CanCompanyWide(a, "definitions.manage") {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.retire_flows", nil)
	}
	f, err := s.Catalog.Flow(ctx, key, 0)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, service.Refuse(http.StatusNotFound, "problem.not_found.published_flow", i18n.Params{"Flow": key})
	}
	err = s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		n, err := tx.FlowRetirement.Delete().Where(flowretirement.FlowKey(key)).Exec(ctx)
		if err != nil {
			return err
		}
		if retire {
			if err := tx.FlowRetirement.Create().SetFlowKey(key).SetRetiredBy(a.Username).SetCreatedAt(j.At()).Exec(ctx); err != nil {
				return err
			}
		}
		if (n > 0) == retire { // no change: nothing to tell
			return nil
		}
		action := map[bool]string{true: "flow.retired", false: "flow.restored"}[retire]
		if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: action, Detail: map[string]any{"flow": key, "version": f.Version}}); err != nil {
			return err
		}
		_, err = j.Event(ctx, action, "admin", map[string]any{"kind": "flow", "key": key})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.GetDefinition(ctx, a, "flow", key, 0)
}

// retiredFlows is the set of retired flow keys.
func retiredFlows(ctx context.Context, c *ent.Client) (map[string]bool, error) {
	keys, err := c.FlowRetirement.Query().Select(flowretirement.FieldFlowKey).Strings(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	return out, nil
}
