package definitions

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"sluice/backend/engine"
	"sluice/backend/i18n"
)

// Form is a compiled form definition: the schema of an order's data, its UI hints and its
// computed fields.
type Form struct {
	Key         string
	Version     int // set by the caller (0 = draft); ParseForm leaves it 0
	Name        engine.Text
	Description engine.Text
	Schema      json.RawMessage // JSON Schema of the order's data
	UI          json.RawMessage // rjsf uiSchema; nil if none
	Computed    map[string]string

	schema *schema
	env    *exprEnv
	// programs of the computed fields, in evaluation order (a field after those it reads).
	programs []computedField
}

type computedField struct {
	name string
	prog *vm.Program
}

type formDoc struct {
	Key         string            `json:"key"`
	Name        engine.Text       `json:"name"`
	Description engine.Text       `json:"description"`
	Schema      json.RawMessage   `json:"schema"`
	UI          json.RawMessage   `json:"ui"`
	Computed    map[string]string `json:"computed"`
}

// ParseForm validates a form document and compiles it: the data schema (checked against
// JSON Schema 2020-12) and its computed expressions (checked against the schema's fields).
func ParseForm(body []byte) (*Form, []Problem) {
	if _, ps := checkMeta("form", body); ps != nil {
		return nil, ps
	}
	var doc formDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, []Problem{Coded("", "definition.unreadable", i18n.Params{"Kind": kindName("form"), "Detail": err.Error()})}
	}
	f := &Form{Key: doc.Key, Name: doc.Name, Description: doc.Description, Schema: doc.Schema, UI: doc.UI, Computed: doc.Computed}
	var ps []Problem

	raw, _ := decode(doc.Schema)
	raw, ps = plainTexts(raw, "/schema")
	obj, _ := raw.(map[string]any)
	if s, ok := obj["$schema"].(string); ok && s != "https://json-schema.org/draft/2020-12/schema" {
		ps = append(ps, Coded("/schema/$schema", "definition.form.schema_draft", i18n.Params{"Schema": s}))
	} else {
		sch, sps := compileSchema("https://sluice.dev/forms/"+doc.Key+"/data.schema.json", raw, "/schema")
		ps = append(ps, sps...)
		f.schema = sch
	}

	// The shape conditions see: the schema's properties plus the computed fields.
	order := shapeOf(raw)
	if order.props == nil {
		order.props = map[string]*shape{}
	}
	env := &exprEnv{order: order, computed: map[string]bool{}}
	for name := range doc.Computed {
		env.computed[name] = true
		if _, ok := order.props[name]; !ok {
			order.props[name] = &shape{} // type unknown: not declared in the schema
		}
	}
	f.env = env

	names := slices.Sorted(maps.Keys(doc.Computed))
	progs := map[string]*vm.Program{}
	deps := map[string][]string{}
	for _, name := range names {
		at := ptr("computed", name)
		c, faults := env.compile(doc.Computed[name], order.props[name].typ)
		if len(faults) > 0 {
			for _, f := range faults {
				ps = append(ps, f.problem(at))
			}
			continue
		}
		progs[name] = c.prog
		for _, r := range c.refs {
			if env.computed[r] {
				deps[name] = append(deps[name], r)
			}
		}
	}
	seq, cyc := evalOrder(names, deps)
	for _, name := range cyc {
		ps = append(ps, Coded(ptr("computed", name), "definition.form.computed_cycle", i18n.Params{"Field": name, "Through": quoteList(deps[name])}))
	}
	for _, name := range seq {
		if p, ok := progs[name]; ok {
			f.programs = append(f.programs, computedField{name, p})
		}
	}
	if len(ps) > 0 {
		return nil, sortProblems(ps)
	}
	return f, nil
}

// evalOrder sorts computed fields so each comes after the fields it reads; fields on a
// cycle are returned separately.
func evalOrder(names []string, deps map[string][]string) (order, cyclic []string) {
	state := map[string]int{} // 0 new, 1 visiting, 2 done
	var visit func(n string) bool
	visit = func(n string) bool {
		switch state[n] {
		case 1:
			return false
		case 2:
			return true
		}
		state[n] = 1
		ok := true
		for _, d := range deps[n] {
			if d != n && !visit(d) {
				ok = false
			}
			if d == n {
				ok = false
			}
		}
		state[n] = 2
		if ok {
			order = append(order, n)
		} else {
			cyclic = append(cyclic, n)
		}
		return ok
	}
	for _, n := range names {
		visit(n)
	}
	return order, cyclic
}

// ComputeError says which computed field could not be computed.
type ComputeError struct {
	Field string
	Err   error
}

func (e *ComputeError) Error() string { return fmt.Sprintf("computing %s: %v", e.Field, e.Err) }
func (e *ComputeError) Unwrap() error { return e.Err }

// Compute sets the computed fields (e.g. total) in data, replacing whatever was sent.
// data is an order's data as decoded by encoding/json; json.Number values are converted
// to float64 first, so that expressions see numbers.
func (f *Form) Compute(data map[string]any) error {
	normalize(data)
	env := map[string]any{"order": data}
	for _, c := range f.programs {
		v, err := expr.Run(c.prog, env)
		if err != nil {
			return &ComputeError{Field: c.name, Err: err}
		}
		data[c.name] = v
	}
	return nil
}

// ValidateData checks an order's data against the form's schema. Pointers start with
// /data: they point into the POST /orders body {"flow": …, "data": …}.
func (f *Form) ValidateData(data map[string]any) []Problem {
	if data == nil {
		return []Problem{Coded("/data", "definition.order.data_missing", nil)}
	}
	return f.schema.validate(data, "/data")
}

// Prepare is what an order handler calls: Compute, then ValidateData. If a computed field
// cannot be computed the data's own problems are reported (a missing price explains a
// missing total); if it has none, the computation's.
func (f *Form) Prepare(data map[string]any) []Problem {
	err := f.Compute(data)
	ps := f.ValidateData(data)
	if err != nil && len(ps) == 0 {
		at, detail, col := "/data", err.Error(), 0
		if ce, ok := errors.AsType[*ComputeError](err); ok {
			at = join("/data", ce.Field)
			detail, col = exprDetail(ce.Err)
		}
		return []Problem{exprFault{"definition.order.compute_failed", i18n.Params{"Detail": detail}, col}.problem(at)}
	}
	return ps
}

// Fields lists the top-level fields of the order conditions may use, computed ones
// included, sorted.
func (f *Form) Fields() []string { return f.env.order.propNames() }

// normalize converts json.Number values (from a decoder with UseNumber) to float64, the
// number type expressions and the engine expect.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
	}
	return v
}
