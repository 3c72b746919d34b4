package catalogue

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"sluice/backend/definitions"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/order"
	"sluice/backend/i18n"
	"sluice/backend/service"
)

// SimulateRequest is the body of POST /flows/{key}/simulate.
type SimulateRequest struct {
	Orders []SimOrder `json:"orders,omitempty"`
	// Past adds past orders of this flow as samples (their data, department, submitter).
	Past      *PastFilter                `json:"past,omitempty"`
	Decisions map[string]engine.Decision `json:"decisions,omitempty"`
	// Version is a published version number, "draft", or absent for the latest published.
	Version json.RawMessage `json:"version,omitempty"`
	// Compare runs the same samples on a second version and reports the differences.
	Compare json.RawMessage `json:"compare,omitempty"`
	// At is when the sample orders are taken to arrive, for the reminder timers'
	// due times (default: now).
	At *time.Time `json:"at,omitempty"`
}

// PastFilter picks past orders to replay in a simulation.
type PastFilter struct {
	Status string `json:"status,omitempty" max:"64"` // e.g. completed
	Limit  int    `json:"limit,omitempty"`           // default 20, at most 200
}

// SimOrder is a sample order: a POST /orders body, optionally with who submits it.
type SimOrder struct {
	Flow       string         `json:"flow,omitempty" max:"100"`
	Data       map[string]any `json:"data"`
	Department string         `json:"department,omitempty" max:"64"`
	Submitter  string         `json:"submitter,omitempty" max:"64"`
}

// SimOrderResult is one simulated order.
type SimOrderResult struct {
	Index int `json:"index"`
	// Order is the past order replayed, when the sample came from the database.
	Order string `json:"order,omitempty"`
	engine.SimResult
	Errors []service.FieldError `json:"errors,omitempty"`
	// Compared is the same sample on the compare version, and Diff what changed.
	Compared *engine.SimResult `json:"compared,omitempty"`
	Diff     *SimDiff          `json:"diff,omitempty"`
	// Reminders are the reminder timers the order would set on the review nodes it
	// reaches (from the flow's published reminder definition; a draft simulated, from
	// the reminder draft with the flow's key when there is one); Stock is what its
	// inventory.check nodes would reserve, line by line.
	Reminders []SimReminder `json:"reminders,omitempty"`
	Stock     []SimStock    `json:"stock,omitempty"`
}

// SimDiff is how one sample fares differently on two versions.
type SimDiff struct {
	Same      bool     `json:"same"`
	Status    []string `json:"status,omitempty"`     // [this version, compare version] when they differ
	OnlyHere  []string `json:"only_here,omitempty"`  // nodes reached only on this version
	OnlyThere []string `json:"only_there,omitempty"` // nodes reached only on the compare version
	Approvers []string `json:"approvers,omitempty"`  // review nodes whose approvers differ
}

// SimulateResponse answers a simulation.
type SimulateResponse struct {
	Flow    string           `json:"flow"`
	Version string           `json:"version"`
	Compare string           `json:"compare,omitempty"`
	Results []SimOrderResult `json:"results"`
}

// Simulate dry-runs sample orders through a flow version with scripted decisions,
// resolving approvers from the real directory and running plugins in dry-run mode.
// It writes nothing.
func (s *Catalogue) Simulate(ctx context.Context, a service.Actor, key string, req SimulateRequest) (*SimulateResponse, error) {
	if !s.CanCompanyWide(a, "definitions.manage") {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.simulate_flows", nil)
	}
	f, label, err := s.simFlow(ctx, key, req.Version, "/version")
	if err != nil {
		return nil, err
	}
	var other *engine.Flow
	var otherLabel string
	if len(req.Compare) > 0 {
		if other, otherLabel, err = s.simFlow(ctx, key, req.Compare, "/compare"); err != nil {
			return nil, err
		}
	}
	samples := req.Orders
	var from []string
	if req.Past != nil {
		past, nums, err := s.pastSamples(ctx, key, *req.Past)
		if err != nil {
			return nil, err
		}
		samples = append(slices.Clone(samples), past...)
		from = append(make([]string, len(req.Orders)), nums...)
	}
	if len(samples) == 0 {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.nothing_to_simulate", nil, service.FieldErr("/orders", "simulation.samples_required", nil))
	}
	form, err := s.Catalog.Form(ctx, f.Doc.Form)
	if err != nil {
		return nil, err
	}
	out := &SimulateResponse{Flow: key, Version: label, Compare: otherLabel, Results: make([]SimOrderResult, 0, len(samples))}
	env := s.Env(ctx, s.Store.Read, key, true)
	rem, _, err := s.ReminderFor(ctx, key)
	if err != nil {
		return nil, err
	}
	if label == "draft" {
		// the draft's SLA, saved with it, is what it would be published with
		d, err := s.Catalog.DraftReminder(ctx, key, f)
		if err != nil {
			return nil, err
		}
		if d != nil {
			rem = d
		}
	}
	at := time.Now().UTC()
	if req.At != nil {
		at = req.At.UTC()
	}
	for i, so := range samples {
		r := SimOrderResult{Index: i}
		if i < len(from) {
			r.Order = from[i]
		}
		data := so.Data
		if data == nil {
			data = map[string]any{}
		}
		if form != nil {
			for _, p := range form.Prepare(data) {
				r.Errors = append(r.Errors, service.FromProblem(fmt.Sprintf("/orders/%d%s", i, p.Pointer), p))
			}
		}
		if len(r.Errors) == 0 {
			dept := so.Department
			if dept == "" {
				if dept, err = s.DepartmentFor(ctx, a, ""); err != nil {
					r.Status = "invalid"
					r.Errors = append(r.Errors, service.FieldErr(fmt.Sprintf("/orders/%d/department", i), "simulation.department_required", nil))
					out.Results = append(out.Results, r)
					continue
				}
			}
			eo := engine.Order{ID: -(i + 1), Number: fmt.Sprintf("SIM-%d", i+1), Department: dept, Submitter: so.Submitter, Data: data}
			r.SimResult = engine.Simulate(f, eo, req.Decisions, env)
			r.Stock = StockHeld(f, r.SimResult)
			r.Reminders = PlanReminders(rem, r.SimResult, data, at, func(e *definitions.Escalation, assignees []string) []string {
				to, err := s.EscalationTargets(ctx, s.Store.Read, e, &ent.Order{Department: dept}, assignees)
				if err != nil {
					return nil
				}
				return to
			})
			if other != nil {
				cmp := engine.Simulate(other, eo, req.Decisions, env)
				r.Compared, r.Diff = &cmp, diff(r.SimResult, cmp)
			}
		} else {
			r.Status = "invalid"
		}
		out.Results = append(out.Results, r)
	}
	// the samples' problems are an answer, not a refusal: read in the request's language
	// here, and so are the traces
	lang := i18n.FromContext(ctx)
	for i, r := range out.Results {
		for j := range r.Errors {
			r.Errors[j].Message = r.Errors[j].Localized(lang)
		}
		out.Results[i].Trace = engine.Localized(lang, r.Trace)
		if r.Compared != nil {
			r.Compared.Trace = engine.Localized(lang, r.Compared.Trace)
		}
	}
	return out, nil
}

// simFlow picks the version to simulate: a number, "draft", or absent for the latest.
func (s *Catalogue) simFlow(ctx context.Context, key string, raw json.RawMessage, ptr string) (*engine.Flow, string, error) {
	bad := service.Refuse(http.StatusUnprocessableEntity, "problem.bad_version", nil, service.FieldErr(ptr, "simulation.version", nil))
	var ver any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &ver); err != nil {
			return nil, "", bad
		}
	}
	var f *engine.Flow
	var err error
	switch v := ver.(type) {
	case nil:
		f, err = s.Catalog.Flow(ctx, key, 0)
	case float64:
		if v < 1 || v != float64(int(v)) {
			return nil, "", bad
		}
		f, err = s.Catalog.Flow(ctx, key, int(v))
	case string:
		if v != "draft" {
			return nil, "", bad
		}
		d, err := service.Definition(ctx, s.Store.Read, "flow", key, 0)
		if err != nil {
			return nil, "", err
		}
		if d == nil {
			return nil, "", draftNotFound("flow", key)
		}
		fl, probs, err := s.Catalog.CompileDraft(ctx, d.Body)
		if err != nil {
			return nil, "", err
		}
		if len(probs) > 0 {
			errs := make([]service.FieldError, len(probs))
			for i, p := range probs {
				errs[i] = service.FromProblem(p.Pointer, p)
			}
			return nil, "", service.Refuse(http.StatusUnprocessableEntity, "problem.draft_not_compiling", nil, errs...)
		}
		return fl, "draft", nil
	default:
		return nil, "", bad
	}
	if err != nil {
		return nil, "", err
	}
	if f == nil && ver == nil {
		return nil, "", definitionNotFound("flow", key)
	}
	if f == nil {
		return nil, "", service.Refuse(http.StatusNotFound, "problem.not_found.definition_version",
			i18n.Params{"Kind": kindName("flow"), "Key": key, "Version": int(ver.(float64))})
	}
	return f, fmt.Sprint(f.Version), nil
}

// pastSamples turns past orders of the flow into simulation samples, newest first.
func (s *Catalogue) pastSamples(ctx context.Context, key string, p PastFilter) ([]SimOrder, []string, error) {
	if p.Limit <= 0 {
		p.Limit = 20
	}
	if p.Limit > 200 {
		return nil, nil, service.Refuse(http.StatusUnprocessableEntity, "problem.too_many_past_orders", nil,
			service.FieldErr("/past/limit", "number.at_most", i18n.Params{"Max": 200}))
	}
	q := s.Store.Read.Order.Query().Where(order.FlowKey(key))
	if p.Status != "" {
		q.Where(order.Status(p.Status))
	}
	rows, err := q.Order(ent.Desc(order.FieldID)).Limit(p.Limit).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := make([]SimOrder, len(rows))
	nums := make([]string, len(rows))
	for i, o := range rows {
		data := map[string]any{}
		for k, v := range o.Data {
			data[k] = v
		}
		out[i] = SimOrder{Flow: key, Data: data, Department: o.Department, Submitter: o.Submitter}
		nums[i] = o.Number
	}
	return out, nums, nil
}

// diff compares two simulated runs of the same sample.
func diff(a, b engine.SimResult) *SimDiff {
	d := &SimDiff{}
	nodes := func(r engine.SimResult) ([]string, map[string]string) {
		var ids []string
		who := map[string]string{}
		for _, p := range r.Path {
			ids = append(ids, p.Node)
			if p.Type == engine.TypeReview {
				who[p.Node] = strings.Join(p.Approvers, ",")
			}
		}
		return ids, who
	}
	na, wa := nodes(a)
	nb, wb := nodes(b)
	if a.Status != b.Status {
		d.Status = []string{a.Status, b.Status}
	}
	for _, n := range na {
		if !slices.Contains(nb, n) && !slices.Contains(d.OnlyHere, n) {
			d.OnlyHere = append(d.OnlyHere, n)
		}
	}
	for _, n := range nb {
		if !slices.Contains(na, n) && !slices.Contains(d.OnlyThere, n) {
			d.OnlyThere = append(d.OnlyThere, n)
		}
	}
	for n, w := range wa {
		if o, ok := wb[n]; ok && o != w {
			d.Approvers = append(d.Approvers, n)
		}
	}
	slices.Sort(d.Approvers)
	d.Same = d.Status == nil && d.OnlyHere == nil && d.OnlyThere == nil && d.Approvers == nil && slices.Equal(na, nb)
	return d
}
