package service

import (
	"context"
	"encoding/json"
	"fmt"

	"sluice/backend/definitions"
	"sluice/backend/engine"
)

// SimulateRequest is the body of POST /flows/{key}/simulate.
type SimulateRequest struct {
	Orders    []SimOrder                 `json:"orders"`
	Decisions map[string]engine.Decision `json:"decisions,omitempty"`
	// Version is a published version number, "draft", or absent for the latest published.
	Version json.RawMessage `json:"version,omitempty"`
}

// SimOrder is a sample order: a POST /orders body, optionally with who submits it.
type SimOrder struct {
	Flow       string         `json:"flow,omitempty"`
	Data       map[string]any `json:"data"`
	Department string         `json:"department,omitempty"`
	Submitter  string         `json:"submitter,omitempty"`
}

// SimOrderResult is one simulated order.
type SimOrderResult struct {
	Index int `json:"index"`
	engine.SimResult
	Errors []FieldError `json:"errors,omitempty"`
}

// SimulateResponse answers a simulation.
type SimulateResponse struct {
	Flow    string           `json:"flow"`
	Version string           `json:"version"`
	Results []SimOrderResult `json:"results"`
}

// Simulate dry-runs sample orders through a flow version with scripted decisions,
// resolving approvers from the real directory and running plugins in dry-run mode.
// It writes nothing.
func (s *Service) Simulate(ctx context.Context, a Actor, key string, req SimulateRequest) (*SimulateResponse, error) {
	if !s.can(a, "*", "definitions", "manage") {
		return nil, forbidden("you may not simulate flows")
	}
	if len(req.Orders) == 0 {
		return nil, invalid("nothing to simulate", FieldError{"/orders", "give at least one sample order"})
	}
	var f *engine.Flow
	label := "latest"
	var ver any
	if len(req.Version) > 0 {
		if err := json.Unmarshal(req.Version, &ver); err != nil {
			return nil, invalid("bad version", FieldError{"/version", `a version number or "draft"`})
		}
	}
	switch v := ver.(type) {
	case nil:
		fl, err := s.Catalog.Flow(ctx, key, 0)
		if err != nil {
			return nil, err
		}
		f = fl
	case float64:
		fl, err := s.Catalog.Flow(ctx, key, int(v))
		if err != nil {
			return nil, err
		}
		f, label = fl, fmt.Sprint(int(v))
	case string:
		if v != "draft" {
			return nil, invalid("bad version", FieldError{"/version", `a version number or "draft"`})
		}
		d, err := version(ctx, s.Store.Read, "flow", key, 0)
		if err != nil {
			return nil, err
		}
		if d == nil {
			return nil, notFound("a draft of flow " + key)
		}
		fl, probs := definitions.CompileFlow(d.Body, 0, s.Catalog.lookup(ctx))
		if len(probs) > 0 {
			errs := make([]FieldError, len(probs))
			for i, p := range probs {
				errs[i] = FieldError{p.Pointer, p.Message}
			}
			return nil, invalid("the draft does not compile", errs...)
		}
		f, label = fl, "draft"
	default:
		return nil, invalid("bad version", FieldError{"/version", `a version number or "draft"`})
	}
	if f == nil {
		return nil, notFound("flow " + key)
	}
	if label == "latest" {
		label = fmt.Sprint(f.Version)
	}
	form, err := s.Catalog.Form(ctx, f.Doc.Form)
	if err != nil {
		return nil, err
	}
	out := &SimulateResponse{Flow: key, Version: label, Results: make([]SimOrderResult, 0, len(req.Orders))}
	env := &txEnv{ctx: ctx, c: s.Store.Read, flow: key, dryRun: true}
	for i, so := range req.Orders {
		r := SimOrderResult{Index: i}
		data := so.Data
		if data == nil {
			data = map[string]any{}
		}
		if form != nil {
			for _, p := range form.Prepare(data) {
				r.Errors = append(r.Errors, FieldError{fmt.Sprintf("/orders/%d%s", i, p.Pointer), p.Message})
			}
		}
		if len(r.Errors) == 0 {
			dept := so.Department
			if dept == "" {
				dept = "sales"
				if d, err := s.departmentFor(ctx, a, ""); err == nil {
					dept = d
				}
			}
			r.SimResult = engine.Simulate(f, engine.Order{ID: -(i + 1), Number: fmt.Sprintf("SIM-%d", i+1), Department: dept, Submitter: so.Submitter, Data: data}, req.Decisions, env)
		} else {
			r.Status = "invalid"
		}
		out.Results = append(out.Results, r)
	}
	return out, nil
}
