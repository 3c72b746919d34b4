package catalogue

import (
	"context"
	"encoding/json"
	"net/http"

	"sluice/backend/definitions"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/definition"
	"sluice/backend/i18n"
	"sluice/backend/service"
)

// FlowItem is a flow a user may start.
type FlowItem struct {
	Key         string      `json:"key"`
	Version     int         `json:"version"`
	Name        engine.Text `json:"name,omitempty"`
	Description engine.Text `json:"description,omitempty"`
	Form        string      `json:"form"`
}

// StartableFlows lists the latest published flows, less the retired ones.
func (s *Catalogue) StartableFlows(ctx context.Context, a service.Actor) ([]FlowItem, error) {
	keys, err := s.Store.Read.Definition.Query().Where(definition.Kind("flow"), definition.Status("published")).
		Order(ent.Asc(definition.FieldKey)).GroupBy(definition.FieldKey).Strings(ctx)
	if err != nil {
		return nil, err
	}
	retired, err := retiredFlows(ctx, s.Store.Read)
	if err != nil {
		return nil, err
	}
	out := []FlowItem{}
	for _, k := range keys {
		if retired[k] {
			continue
		}
		f, err := s.Catalog.Flow(ctx, k, 0)
		if err != nil {
			return nil, err
		}
		if f != nil {
			out = append(out, FlowItem{Key: f.Key, Version: f.Version, Name: f.Doc.Name, Description: f.Doc.Description, Form: f.Doc.Form})
		}
	}
	return out, nil
}

// FlowFormView is what the order screen needs to render a flow's form.
type FlowFormView struct {
	Flow FlowItem `json:"flow"`
	Form struct {
		Key      string            `json:"key"`
		Version  int               `json:"version"`
		Name     engine.Text       `json:"name,omitempty"`
		Schema   json.RawMessage   `json:"schema"`
		UI       json.RawMessage   `json:"ui,omitempty"`
		Computed map[string]string `json:"computed,omitempty"`
	} `json:"form"`
}

// FlowForm returns the latest published flow with its form.
func (s *Catalogue) FlowForm(ctx context.Context, a service.Actor, key string) (*FlowFormView, error) {
	f, err := s.Catalog.Flow(ctx, key, 0)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, definitionNotFound("flow", key)
	}
	form, err := s.Catalog.Form(ctx, f.Doc.Form)
	if err != nil {
		return nil, err
	}
	if form == nil {
		return nil, definitionNotFound("form", f.Doc.Form)
	}
	v := &FlowFormView{Flow: FlowItem{Key: f.Key, Version: f.Version, Name: f.Doc.Name, Form: f.Doc.Form}}
	v.Form.Key, v.Form.Version, v.Form.Name = form.Key, form.Version, form.Name
	v.Form.Schema, v.Form.UI, v.Form.Computed = form.Schema, form.UI, form.Computed
	return v, nil
}

// ExpressionCheck is the body of POST /flows/expressions/check: a branch condition and
// the form whose fields it reads (latest published; empty: any order fields).
type ExpressionCheck struct {
	Form string `json:"form" max:"100"`
	Expr string `json:"expr"`
}

// ExpressionResult says whether the condition compiles, and if not what to fix.
type ExpressionResult struct {
	OK     bool                    `json:"ok"`
	Errors []definitions.ExprError `json:"errors"`
}

// MaxExpressionLen bounds a condition checked on its own, in bytes.
const MaxExpressionLen = 4000

// CheckExpression compiles a branch condition with the compiler the definitions
// validator uses, so the designer can check it as it is typed (admins: they design flows).
func (s *Catalogue) CheckExpression(ctx context.Context, a service.Actor, req ExpressionCheck) (*ExpressionResult, error) {
	if !s.CanCompanyWide(a, "definitions.manage") {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.design_flows", nil)
	}
	if len(req.Expr) > MaxExpressionLen {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.expression_invalid", nil,
			service.FieldErr("/expr", "text.too_many_bytes", i18n.Params{"Max": MaxExpressionLen}))
	}
	var form *definitions.Form
	if req.Form != "" {
		f, err := s.Catalog.Form(ctx, req.Form)
		if err != nil {
			return nil, err
		}
		if f == nil {
			return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.expression_unchecked", nil, service.FieldErr("/form", "form.unpublished", nil))
		}
		form = f
	}
	errs := definitions.CheckCondition(form, req.Expr)
	if errs == nil {
		errs = []definitions.ExprError{}
	}
	return &ExpressionResult{OK: len(errs) == 0, Errors: errs}, nil
}
