package service

import (
	"context"
	"errors"
	"fmt"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/pluginhost"
	"sluice/plugins"
)

// failure turns a plugin's *plugins.Failure (the order cannot go on without a person,
// e.g. a return of more than shipped) into a 422 for the one who acted: the action
// rolls back, so nothing of it is written and the order stays where it was.
func failure(err error) (*Error, bool) {
	var pf *plugins.Failure
	if err == nil || !errors.As(err, &pf) {
		return nil, false
	}
	return invalid(pf.Message, FieldError{Pointer: "", Message: fmt.Sprintf("%s (%s)", pf.Message, pf.Reason)}), true
}

// precheck asks the flow's plugins that can tell (plugins.Checker) whether the order
// would fail at their node, so a return of more than was shipped is refused when it is
// submitted rather than after its inspection. It runs in the submit's transaction.
func (s *Service) precheck(ctx context.Context, c *ent.Client, f *engine.Flow, dept string, a Actor, parent int, data map[string]any) error {
	var errs []FieldError
	for _, n := range f.Doc.Nodes {
		if n.Type != engine.TypeTask {
			continue
		}
		p, ok := plugins.Get(n.Plugin)
		if !ok {
			continue
		}
		ch, ok := p.(plugins.Checker)
		if !ok {
			continue
		}
		cfg, err := pluginhost.Config(p, &n)
		if err != nil {
			continue // the node raises it when the order gets there
		}
		for _, pr := range ch.Check(ctx, plugins.Input{Node: n.ID, Config: cfg, DryRun: true, Ports: pluginhost.Ports(c, true), Order: plugins.Order{
			Flow: f.Key, Department: dept, Submitter: a.Username, Data: data, Parent: parent}}) {
			errs = append(errs, FieldError{Pointer: pr.Pointer, Message: pr.Message})
		}
	}
	if len(errs) > 0 {
		return invalid("the order cannot go through its flow", errs...)
	}
	return nil
}
