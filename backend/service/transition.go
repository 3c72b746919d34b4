package service

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/flowretirement"
	"sluice/backend/ent/membership"
	"sluice/backend/ent/order"
	"sluice/backend/store"
	"sluice/plugins"
)

// departmentFor picks the department an order is submitted in: the one asked for, or
// the submitter's only department where they may create orders.
func (s *Service) departmentFor(ctx context.Context, a Actor, asked string) (string, error) {
	if asked != "" {
		if !s.can(a, asked, "orders", "create") {
			return "", forbidden("you may not submit orders in department %q", asked)
		}
		return asked, nil
	}
	depts, err := s.Store.Read.Membership.Query().Where(membership.UserID(a.ID)).
		Select(membership.FieldDepartment).Strings(ctx)
	if err != nil {
		return "", err
	}
	slices.Sort(depts)
	depts = slices.Compact(depts)
	var ok []string
	for _, d := range depts {
		if s.can(a, d, "orders", "create") {
			ok = append(ok, d)
		}
	}
	switch len(ok) {
	case 0:
		return "", Refuse(http.StatusForbidden, "problem.forbidden.submit_orders", nil)
	case 1:
		return ok[0], nil
	}
	return "", invalid("you submit orders for several departments; say which",
		FieldError{Pointer: "/department", Message: fmt.Sprintf("one of %v", ok)})
}

// Submit validates an order against its flow's form and starts it on the latest
// published version of the flow.
func (s *Service) Submit(ctx context.Context, a Actor, req SubmitRequest, id *Idem) (*OrderView, *Replay, error) {
	if req.Flow == "" {
		return nil, nil, invalid("the order names no flow", FieldError{Pointer: "/flow", Message: "required: the key of a published flow"})
	}
	f, err := s.Catalog.Flow(ctx, req.Flow, 0)
	if err != nil {
		return nil, nil, err
	}
	if f == nil {
		return nil, nil, invalid("unknown flow", FieldError{Pointer: "/flow", Message: fmt.Sprintf("no published flow %q", req.Flow)})
	}
	dept, err := s.departmentFor(ctx, a, req.Department)
	if err != nil {
		return nil, nil, err
	}
	form, err := s.Catalog.Form(ctx, f.Doc.Form)
	if err != nil {
		return nil, nil, err
	}
	if form == nil {
		return nil, nil, fmt.Errorf("flow %s names form %q, which is not published", f.Key, f.Doc.Form)
	}
	data := req.Data
	if data == nil {
		return nil, nil, Refuse(http.StatusUnprocessableEntity, "problem.order_no_data", nil, FieldErr("/data", "order.data_required", nil))
	}
	if probs := form.Prepare(data); len(probs) > 0 {
		errs := make([]FieldError, len(probs))
		for i, p := range probs {
			errs[i] = FromProblem(p.Pointer, p)
		}
		return nil, nil, Refuse(http.StatusUnprocessableEntity, "problem.order_form_mismatch", nil, errs...)
	}
	total, _ := data["total"].(float64)
	customer := plugins.CustomerKey(data)
	source := req.Source
	if source == "" {
		source = "api"
	}
	if req.Parent != 0 {
		ok, err := s.MayReadOrder(ctx, a, req.Parent)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return nil, nil, invalid("unknown parent order", FieldError{Pointer: "/parent", Message: fmt.Sprintf("no order %d that you may see", req.Parent)})
		}
	}
	var view *OrderView
	var replay *Replay
	err = s.change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		if replay, err = checkIdem(ctx, tx, a, id); err != nil || replay != nil {
			return err
		}
		if req.ExternalRef != "" {
			prev, err := tx.Order.Query().Where(order.Source(source), order.ExternalRef(req.ExternalRef)).Only(ctx)
			if err == nil {
				g, err := s.guard(ctx, tx.Client(), a, prev)
				if err != nil {
					return err
				}
				v, err := g.view(ctx, prev)
				if err != nil {
					return err
				}
				v.Existing = true
				view = &v
				return nil
			} else if !ent.IsNotFound(err) {
				return err
			}
		}
		// A retired flow takes no new order (one found by its reference above is not new);
		// read here rather than cached, so a retirement holds at once on every instance.
		if retired, err := tx.FlowRetirement.Query().Where(flowretirement.FlowKey(f.Key)).Exist(ctx); err != nil {
			return err
		} else if retired {
			return FlowRetired(f.Key)
		}
		if req.Parent != 0 {
			// the new case is noted on its parent's timeline: the parent's lock first
			if _, err := lockOrder(ctx, tx, req.Parent); err != nil {
				return err
			}
		}
		if err := s.precheck(ctx, tx.Client(), f, dept, a, req.Parent, data); err != nil {
			return err
		}
		now := j.At()
		seq, err := j.NextOrderSeq(ctx)
		if err != nil {
			return err
		}
		create := tx.Order.Create().SetNumber(fmt.Sprintf("SO-%s-%06d", now.Format("20060102"), seq)).
			SetFlowKey(f.Key).SetFlowVersion(f.Version).SetStatus(engine.StatusInReview).SetDepartment(dept).
			SetSubmitter(a.Username).SetData(data).SetTotal(total).SetCurrentNodes([]string{}).
			SetSource(source).SetCustomer(customer).SetCreatedAt(now).SetUpdatedAt(now)
		if req.ExternalRef != "" {
			create.SetExternalRef(req.ExternalRef)
		}
		if req.Parent != 0 {
			create.SetParentID(req.Parent)
		}
		o, err := create.Save(ctx)
		if err != nil {
			return err
		}
		if err := store.LockOrders(ctx, tx, o.ID); err != nil {
			return err
		}
		r, err := engine.Start(f, engineOrder(o), &txEnv{ctx: ctx, c: tx.Client(), flow: o.FlowKey})
		if err != nil {
			return err
		}
		if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: "submitted", OrderID: o.ID,
			Detail: submitDetail(f, dept, source, req, r.Trace)}); err != nil {
			return err
		}
		if err := caseOpened(ctx, j, a, o); err != nil {
			return err
		}
		opened, err := s.apply(ctx, tx, j, a, o, nil, r)
		if err != nil {
			return err
		}
		if view, err = s.orderWithTasks(ctx, tx.Client(), a, f, o, opened); err != nil {
			return err
		}
		return rememberIdem(ctx, tx, a, id, http.StatusCreated, view)
	})
	if err != nil {
		return nil, nil, err
	}
	return view, replay, nil
}

// submitDetail is the audit detail of a submit: where the order came from and why it
// went where it went.
func submitDetail(f *engine.Flow, dept, source string, req SubmitRequest, trace []engine.Trace) map[string]any {
	d := map[string]any{"flow": f.Key, "version": f.Version, "department": dept, "trace": trace}
	if source != "api" {
		d["source"] = source
	}
	if req.ExternalRef != "" {
		d["external_ref"] = req.ExternalRef
	}
	if req.Parent != 0 {
		d["parent"] = req.Parent
	}
	return d
}
