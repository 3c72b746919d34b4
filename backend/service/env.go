package service

import (
	"context"
	"errors"
	"fmt"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/membership"
	"sluice/backend/ent/user"
	"sluice/backend/i18n"
	"sluice/backend/pluginhost"
	"sluice/backend/store"
	"sluice/plugins"
)

// txEnv answers the engine's questions: inside the transaction that applies its result,
// or (dryRun, for simulation) from the read pool with plugins told to change nothing.
type txEnv struct {
	ctx    context.Context
	c      *ent.Client
	flow   string
	dryRun bool
}

func (e *txEnv) active(names ...string) ([]string, error) {
	got, err := e.c.User.Query().Where(user.UsernameIn(names...), user.Disabled(false)).Select(user.FieldUsername).Strings(e.ctx)
	if err != nil {
		return nil, err
	}
	// keep the order asked for (sequential reviews depend on it)
	ok := map[string]bool{}
	for _, g := range got {
		ok[g] = true
	}
	out := make([]string, 0, len(got))
	for _, n := range names {
		if ok[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

func (e *txEnv) Resolve(a engine.Approvers, dept string, o engine.Order) ([]string, error) {
	switch {
	case len(a.Users) > 0:
		return e.active(a.Users...)
	case a.Field != "":
		v := engine.Lookup(o.Data, a.Field)
		var names []string
		switch x := v.(type) {
		case string:
			names = []string{x}
		case []any:
			for _, i := range x {
				if s, ok := i.(string); ok {
					names = append(names, s)
				}
			}
		}
		if len(names) == 0 {
			return nil, nil
		}
		return e.active(names...)
	case a.Manager > 0:
		// a missing user is nobody (the engine raises no_approver); any other error is a
		// fault and aborts, never a durable "nobody"
		u, err := e.c.User.Query().Where(user.Username(o.Submitter)).Only(e.ctx)
		if ent.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		for i := 0; i < a.Manager; i++ {
			if u.ManagerID == nil {
				return nil, nil
			}
			if u, err = e.c.User.Get(e.ctx, *u.ManagerID); ent.IsNotFound(err) {
				return nil, nil
			} else if err != nil {
				return nil, err
			}
		}
		return e.active(u.Username)
	}
	ids, err := e.c.Membership.Query().Where(membership.Department(dept), membership.Role(a.Role)).
		Select(membership.FieldUserID).Ints(e.ctx)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return e.c.User.Query().Where(user.IDIn(ids...), user.Disabled(false)).Order(ent.Asc(user.FieldUsername)).
		Select(user.FieldUsername).Strings(e.ctx)
}

func (e *txEnv) Eligible(username string) (bool, error) {
	return e.c.User.Query().Where(user.Username(username), user.Disabled(false)).Exist(e.ctx)
}

// Run runs a task node's plugin. Whatever goes wrong becomes an exception the engine
// raises at the node (a typed plugins.Failure keeps its reason, anything else is reason
// "error"), so an order never fails silently nor fails the request; only a cancelled
// request or an error of the database (store.DatabaseError) aborts. The plugin runs inside a savepoint: when it
// fails, what it wrote is undone (the node did not pass) and, on PostgreSQL, the
// transaction stays usable for writing the exception.
func (e *txEnv) Run(n *engine.NodeDoc, o engine.Order) (string, map[string]any, any, error) {
	p, ok := plugins.Get(n.Plugin)
	if !ok {
		return "", nil, nil, pluginFailure(ReasonError, "exception.plugin_missing", i18n.Params{"Plugin": n.Plugin})
	}
	cfg, err := pluginhost.Config(p, n)
	if err != nil {
		// a version published before its plugin checked this: a person must fix the node
		return "", nil, nil, pluginFailure(ReasonError, "exception.plugin_failed", i18n.Params{"Plugin": n.Plugin, "Error": err.Error()})
	}
	save := !e.dryRun && e.c != nil
	if save {
		if _, err := e.c.ExecContext(e.ctx, "SAVEPOINT sluice_plugin"); err != nil {
			return "", nil, nil, err
		}
	}
	out, err := p.Run(e.ctx, plugins.Input{Node: n.ID, Config: cfg, DryRun: e.dryRun, Ports: pluginhost.Ports(e.c, e.dryRun), Order: plugins.Order{
		ID: o.ID, Number: o.Number, Flow: e.flow, Department: o.Department, Submitter: o.Submitter, Data: o.Data}})
	if err == nil {
		if save {
			if _, err := e.c.ExecContext(e.ctx, "RELEASE SAVEPOINT sluice_plugin"); err != nil {
				return "", nil, nil, err
			}
		}
		return out.Outcome, out.Detail, out.Effects, nil
	}
	if ctxErr := e.ctx.Err(); ctxErr != nil {
		return "", nil, nil, ctxErr
	}
	if store.DatabaseError(err) {
		// the plugin's environment failed, not the plugin: that is no exception for a
		// person but a fault that aborts the transaction
		return "", nil, nil, fmt.Errorf("plugin %s: %w", n.Plugin, err)
	}
	if save {
		if _, rbErr := e.c.ExecContext(e.ctx, "ROLLBACK TO SAVEPOINT sluice_plugin"); rbErr != nil {
			return "", nil, nil, fmt.Errorf("plugin %s failed (%v) and its writes could not be undone: %w", n.Plugin, err, rbErr)
		}
		if _, rbErr := e.c.ExecContext(e.ctx, "RELEASE SAVEPOINT sluice_plugin"); rbErr != nil {
			return "", nil, nil, rbErr
		}
	}
	if f, ok := errors.AsType[*plugins.Failure](err); ok {
		reason := f.Reason
		if reason == "" {
			reason = ReasonError // a Failure that forgot its reason still reaches a person
		}
		return "", nil, nil, &engine.Failure{Reason: reason, Message: f.Message, Detail: f.Detail, Text: f.Text}
	}
	return "", nil, nil, pluginFailure(ReasonError, "exception.plugin_failed", i18n.Params{"Plugin": n.Plugin, "Error": err.Error()})
}

// pluginFailure is an exception the service raises for a plugin, its message kept as data.
func pluginFailure(reason, key string, p i18n.Params) *engine.Failure {
	return &engine.Failure{Reason: reason, Message: i18n.En(key, p), Text: i18n.M(key, p)}
}

func engineOrder(o *ent.Order) engine.Order {
	return engine.Order{ID: o.ID, Number: o.Number, Department: o.Department, Submitter: o.Submitter, Data: o.Data}
}
