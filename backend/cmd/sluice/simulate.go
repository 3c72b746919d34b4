package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"sluice/backend/catalogue"
	"sluice/backend/definitions"
	"sluice/backend/engine"
	"sluice/backend/pluginhost"
	"sluice/plugins"
	"sluice/schemas"
)

// simulate dry-runs sample orders through a flow file without a database: forms and
// roles come from the built-in examples (or files beside the flow), and approvers from
// the demo directory (schemas/examples/demo.json).
func simulate(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	flowFile := fs.String("flow", "", "flow definition file")
	ordersFile := fs.String("orders", "", "a POST /orders body, an array of them, or {\"orders\": [...]}")
	decisionsFile := fs.String("decisions", "", "optional: {\"<node>\": {\"action\": \"approve|reject\", \"reason\": \"…\"}}")
	department := fs.String("department", "sales", "department the sample orders are submitted in")
	reminderFile := fs.String("reminder", "", "optional reminder definition file (default: the example reminder of the flow, if any)")
	atFlag := fs.String("at", "", "when the orders arrive, RFC 3339 (default now): reminder due times count from it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	at := time.Now().UTC()
	if *atFlag != "" {
		t, err := time.Parse(time.RFC3339, *atFlag)
		if err != nil {
			return fmt.Errorf("--at: %w", err)
		}
		at = t
	}
	if *flowFile == "" || *ordersFile == "" {
		return errors.New("usage: sluice simulate --flow FILE --orders FILE [--decisions FILE] [--reminder FILE] [--at TIME]")
	}
	examples, _ := definitions.Examples()
	set := definitions.NewSet()
	set.Fallback = examples
	body, err := os.ReadFile(*flowFile)
	if err != nil {
		return err
	}
	set.Add(*flowFile, body)
	if *reminderFile != "" {
		rb, err := os.ReadFile(*reminderFile)
		if err != nil {
			return err
		}
		set.Add(*reminderFile, rb)
	}
	if probs := set.Check(); len(probs) > 0 {
		for _, p := range probs {
			fmt.Fprintln(stdout, p.String())
		}
		return exitError(1)
	}
	var flow *engine.Flow
	for _, d := range set.Docs() {
		if d.Kind == "flow" {
			flow, _ = set.Flow(d.Key)
		}
	}
	if flow == nil {
		return fmt.Errorf("%s is not a flow definition", *flowFile)
	}
	form, ok := set.Form(flow.Doc.Form)
	if !ok {
		return fmt.Errorf("form %q of the flow is unknown", flow.Doc.Form)
	}
	orders, err := readOrders(*ordersFile)
	if err != nil {
		return err
	}
	decisions := map[string]engine.Decision{}
	if *decisionsFile != "" {
		b, err := os.ReadFile(*decisionsFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &decisions); err != nil {
			return fmt.Errorf("%s: %w", *decisionsFile, err)
		}
	}
	demo, err := schemas.LoadDemo()
	if err != nil {
		return err
	}
	env := &demoEnv{demo: demo}
	rem := flowReminder(flow.Key, set, examples)
	type result struct {
		Index int `json:"index"`
		engine.SimResult
		Errors    []definitions.Problem   `json:"errors,omitempty"`
		Reminders []catalogue.SimReminder `json:"reminders,omitempty"`
		Stock     []catalogue.SimStock    `json:"stock,omitempty"`
	}
	var out []result
	failed := false
	for i, data := range orders {
		r := result{Index: i}
		r.Errors = form.Prepare(data)
		if len(r.Errors) > 0 {
			r.Status, failed = "invalid", true
		} else {
			r.SimResult = engine.Simulate(flow, engine.Order{ID: -(i + 1), Number: fmt.Sprintf("SIM-%d", i+1), Department: *department, Data: data}, decisions, env)
			failed = failed || r.Error != ""
			r.Stock = catalogue.StockHeld(flow, r.SimResult)
			r.Reminders = catalogue.PlanReminders(rem, r.SimResult, data, at, func(e *definitions.Escalation, assignees []string) []string {
				return env.escalation(e, *department, assignees)
			})
		}
		out = append(out, r)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return err
	}
	if failed {
		return exitError(1)
	}
	return nil
}

func readOrders(file string) ([]map[string]any, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	type body struct {
		Data map[string]any `json:"data"`
	}
	var wrapped struct {
		Orders []body `json:"orders"`
	}
	var list []body
	var one body
	switch {
	case json.Unmarshal(b, &list) == nil:
	case json.Unmarshal(b, &wrapped) == nil && len(wrapped.Orders) > 0:
		list = wrapped.Orders
	case json.Unmarshal(b, &one) == nil && one.Data != nil:
		list = []body{one}
	default:
		return nil, fmt.Errorf("%s: expected a POST /orders body, an array of them, or {\"orders\": [...]}", file)
	}
	out := make([]map[string]any, len(list))
	for i, o := range list {
		out[i] = o.Data
	}
	return out, nil
}

// demoEnv resolves approvers from the demo directory and runs plugins dry.
type demoEnv struct{ demo *schemas.Demo }

func (e *demoEnv) Resolve(a engine.Approvers, dept string, o engine.Order) ([]string, error) {
	if len(a.Users) > 0 {
		return a.Users, nil
	}
	var out []string
	for _, u := range e.demo.Users {
		if slices.ContainsFunc(u.Memberships, func(m schemas.DemoMembership) bool { return m.Department == dept && m.Role == a.Role }) {
			out = append(out, u.Username)
		}
	}
	return out, nil
}

func (e *demoEnv) Run(n *engine.NodeDoc, o engine.Order) (string, map[string]any, any, error) {
	p, ok := plugins.Get(n.Plugin)
	if !ok {
		return "", nil, nil, fmt.Errorf("plugin %q is not registered", n.Plugin)
	}
	cfg, err := pluginhost.Config(p, n)
	if err != nil {
		return "", nil, nil, err
	}
	out, err := p.Run(context.Background(), plugins.Input{Node: n.ID, Config: cfg, DryRun: true,
		Order: plugins.Order{ID: o.ID, Number: o.Number, Department: o.Department, Data: o.Data}})
	return out.Outcome, out.Detail, out.Effects, err
}

// escalation names an escalation's targets from the demo directory: the role's holders
// in its department (else the order's), and each assignee's manager levels up.
func (e *demoEnv) escalation(esc *definitions.Escalation, dept string, assignees []string) []string {
	var out []string
	if esc.Role != "" {
		if esc.Department != "" {
			dept = esc.Department
		}
		names, _ := e.Resolve(engine.Approvers{Role: esc.Role}, dept, engine.Order{})
		out = append(out, names...)
	}
	for _, a := range assignees {
		name := a
		for range esc.ManagerLevels {
			i := slices.IndexFunc(e.demo.Users, func(u schemas.DemoUser) bool { return u.Username == name })
			if i < 0 || e.demo.Users[i].Manager == "" {
				name = ""
				break
			}
			name = e.demo.Users[i].Manager
		}
		if name != "" && name != a && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// flowReminder is the reminder definition of the flow: from the files given, else the
// built-in examples.
func flowReminder(flow string, sets ...*definitions.Set) *definitions.Reminder {
	for _, set := range sets {
		if set == nil {
			continue
		}
		for _, d := range set.Docs() {
			if d.Kind != "reminder" {
				continue
			}
			if r, ok := set.Reminder(d.Key); ok && r.Flow == flow {
				return r
			}
		}
	}
	return nil
}

func (e *demoEnv) Eligible(username string) (bool, error) {
	return slices.ContainsFunc(e.demo.Users, func(u schemas.DemoUser) bool { return u.Username == username }), nil
}
