package definitions

import (
	"errors"
	"maps"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"sluice/backend/i18n"
)

// MaxExprNodes caps the size of a condition or computed expression.
const MaxExprNodes = 500

// exprEnv is what expressions of one form are checked against: the order's shape (with
// computed fields) and a sample environment {"order": {...}} built from it.
type exprEnv struct {
	order    *shape
	computed map[string]bool
}

func (e *exprEnv) env() map[string]any {
	return map[string]any{"order": e.order.sample()}
}

// emptyEnv is used when a flow's form is unknown: conditions are compiled but fields are
// not checked.
var emptyEnv = &exprEnv{order: &shape{typ: "object", open: true}}

// compiled is the result of compiling an expression.
type compiled struct {
	prog *vm.Program
	refs []string // top-level order fields the expression reads
}

// exprFault is one thing wrong with an expression: a catalogue code with its parameters
// and the 1-based column it points at (0 when the compiler names none). The column is
// kept apart so that the designer can underline it rather than read it.
type exprFault struct {
	code   string
	params i18n.Params
	column int
}

// problem is the fault at pointer, its column a parameter of the message.
func (f exprFault) problem(pointer string) Problem {
	p := maps.Clone(f.params)
	if f.column > 0 {
		if p == nil {
			p = i18n.Params{}
		}
		p["Column"] = f.column
	}
	return Coded(pointer, f.code, p)
}

// exprDetail is an expr error's own text (the library's English) and its column.
func exprDetail(err error) (string, int) {
	var fe *file.Error
	if errors.As(err, &fe) {
		return fe.Message, fe.Column + 1
	}
	return err.Error(), 0
}

// compile compiles src against the environment. The program is compiled against a
// map[string]any environment, so it runs with map[string]any{"order": data} where data
// is the order decoded from JSON. want is the JSON type the result must have (boolean for
// conditions, the field's type for computed fields; "" for any). It returns what to fix
// on failure.
func (e *exprEnv) compile(src, want string) (*compiled, []exprFault) {
	env := e.env()
	opts := []expr.Option{expr.Env(env), expr.MaxNodes(MaxExprNodes)}
	switch want {
	case "boolean":
		opts = append(opts, expr.AsBool())
	case "number", "integer":
		opts = append(opts, expr.AsFloat64())
	case "string":
		opts = append(opts, expr.AsKind(reflect.String))
	}
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		msg, col := exprDetail(err)
		if name, ok := strings.CutPrefix(msg, "unknown name "); ok {
			return nil, []exprFault{{"definition.expr.unknown_name", i18n.Params{"Name": name, "Fields": strings.Join(e.order.propNames(), ", ")}, col}}
		}
		return nil, []exprFault{{"definition.expr.invalid", i18n.Params{"Detail": msg}, col}}
	}
	tree, err := parser.Parse(src)
	if err != nil {
		msg, col := exprDetail(err)
		return nil, []exprFault{{"definition.expr.invalid", i18n.Params{"Detail": msg}, col}}
	}
	c := &fieldChecker{root: e.order, refs: map[string]bool{}}
	c.node(tree.Node)
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	// Member access on maps is typed only at run time: a trial run against the sample
	// order catches type mismatches such as order.note > 5 or a non-boolean condition.
	if _, err := expr.Run(prog, env); err != nil {
		msg, col := exprDetail(err)
		if m := castError.FindStringSubmatch(msg); m != nil && want != "" {
			got := jsonTypeName(m[1])
			if want == "boolean" {
				return nil, []exprFault{{"definition.expr.not_boolean", i18n.Params{"Got": got, "GotA": article(got)}, 0}}
			}
			return nil, []exprFault{{"definition.expr.wrong_type", i18n.Params{"Want": want, "WantA": article(want), "Got": got, "GotA": article(got)}, 0}}
		}
		if strings.Contains(msg, "invalid operation") && !strings.Contains(msg, "<nil>") {
			return nil, []exprFault{{"definition.expr.type_mismatch", i18n.Params{"Detail": msg}, col}}
		}
	}
	out := &compiled{prog: prog}
	for name := range c.refs {
		out.refs = append(out.refs, name)
	}
	return out, nil
}

// castError matches the error of converting the result to the wanted type.
var castError = regexp.MustCompile(`invalid operation: (?:bool|float|float64|int|string)\(([\w\[\]{}.]+)\)`)

func jsonTypeName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "float"), strings.HasPrefix(goType, "int"):
		return "number"
	case goType == "string", goType == "bool":
		return map[string]string{"string": "string", "bool": "boolean"}[goType]
	case strings.HasPrefix(goType, "map"):
		return "object"
	case strings.HasPrefix(goType, "[]"):
		return "array"
	}
	return goType
}

// fieldChecker walks an expression's syntax tree and reports order.<path> references to
// fields the form does not have. expr cannot do this itself: member access on a map is
// not type-checked.
type fieldChecker struct {
	root  *shape
	errs  []exprFault
	refs  map[string]bool // top-level fields of order that are read
	items []ref           // what # stands for, innermost last
	vars  []binding       // let variables in scope, innermost last
}

type ref struct {
	s    *shape // nil: unknown, nothing to check
	path string // how to name it in messages: order.customer, order.items[], …
}

type binding struct {
	name string
	ref  ref
}

func (c *fieldChecker) node(n ast.Node) ref {
	switch n := n.(type) {
	case nil:
		return ref{}
	case *ast.IdentifierNode:
		for i := len(c.vars) - 1; i >= 0; i-- {
			if c.vars[i].name == n.Value {
				return c.vars[i].ref
			}
		}
		if n.Value == "order" {
			return ref{c.root, "order"}
		}
		return ref{}
	case *ast.PointerNode:
		if n.Name == "" && len(c.items) > 0 {
			return c.items[len(c.items)-1]
		}
		return ref{}
	case *ast.ChainNode:
		return c.node(n.Node)
	case *ast.MemberNode:
		return c.member(n)
	case *ast.BuiltinNode:
		return c.builtin(n)
	case *ast.PredicateNode:
		c.node(n.Node)
	case *ast.UnaryNode:
		c.node(n.Node)
	case *ast.BinaryNode:
		c.node(n.Left)
		c.node(n.Right)
	case *ast.SliceNode:
		base := c.node(n.Node)
		c.node(n.From)
		c.node(n.To)
		if base.s.known() && base.s.typ == "array" {
			return base
		}
	case *ast.CallNode:
		c.node(n.Callee)
		for _, a := range n.Arguments {
			c.node(a)
		}
	case *ast.ConditionalNode:
		c.node(n.Cond)
		c.node(n.Exp1)
		c.node(n.Exp2)
	case *ast.VariableDeclaratorNode:
		v := c.node(n.Value)
		c.vars = append(c.vars, binding{n.Name, v})
		c.node(n.Expr)
		c.vars = c.vars[:len(c.vars)-1]
	case *ast.SequenceNode:
		for _, x := range n.Nodes {
			c.node(x)
		}
	case *ast.ArrayNode:
		for _, x := range n.Nodes {
			c.node(x)
		}
	case *ast.MapNode:
		for _, x := range n.Pairs {
			c.node(x)
		}
	case *ast.PairNode:
		c.node(n.Key)
		c.node(n.Value)
	}
	return ref{}
}

func (c *fieldChecker) member(n *ast.MemberNode) ref {
	base := c.node(n.Node)
	var name string
	index := false
	switch p := n.Property.(type) {
	case *ast.StringNode:
		name = p.Value
	case *ast.IntegerNode:
		index = true
	default:
		c.node(n.Property)
		if base.s.known() && base.s.typ == "array" {
			return ref{base.s.items, base.path + "[]"}
		}
		return ref{}
	}
	s := base.s
	if !s.known() {
		return ref{}
	}
	col := n.Property.Location().From + 1
	switch s.typ {
	case "object":
		if index {
			return ref{}
		}
		if base.s == c.root && base.path == "order" {
			c.refs[name] = true
		}
		if child, ok := s.props[name]; ok {
			return ref{child, base.path + "." + name}
		}
		if !s.open {
			c.errs = append(c.errs, unknownField(base.path, name, s.propNames(), col))
		}
	case "array":
		if index {
			return ref{s.items, base.path + "[" + strconv.Itoa(n.Property.(*ast.IntegerNode).Value) + "]"}
		}
		c.errs = append(c.errs, exprFault{"definition.expr.list_field", i18n.Params{"List": base.path, "Field": name}, col})
	default:
		c.errs = append(c.errs, exprFault{"definition.expr.scalar_field", i18n.Params{"Path": base.path, "Type": s.typ, "TypeA": article(s.typ), "Field": name}, col})
	}
	return ref{}
}

// builtin handles predicate builtins (map, filter, all, any, sum, find, …): inside the
// predicate, # is an item of the first argument.
func (c *fieldChecker) builtin(n *ast.BuiltinNode) ref {
	hasPredicate := false
	for _, a := range n.Arguments {
		if _, ok := a.(*ast.PredicateNode); ok {
			hasPredicate = true
		}
	}
	if !hasPredicate || len(n.Arguments) == 0 {
		for _, a := range n.Arguments {
			c.node(a)
		}
		return ref{}
	}
	coll := c.node(n.Arguments[0])
	item := ref{}
	if coll.s.known() && coll.s.typ == "array" {
		item = ref{coll.s.items, "#"}
		if coll.path != "" {
			item.path = coll.path + "[]"
		}
	}
	c.items = append(c.items, item)
	for _, a := range n.Arguments[1:] {
		c.node(a)
	}
	c.items = c.items[:len(c.items)-1]
	switch n.Name {
	case "find", "findLast":
		return item
	case "filter":
		return coll
	}
	return ref{}
}

// unknownField is the fault of a field an object (an item of a list, when path ends in
// []) does not have, naming those it has.
func unknownField(path, name string, known []string, col int) exprFault {
	p := i18n.Params{"Field": name, "Path": path + "." + name, "Object": path, "Known": strings.Join(known, ", ")}
	list, item := strings.CutSuffix(path, "[]")
	switch {
	case item && len(known) > 0:
		p["Object"] = list
		return exprFault{"definition.expr.unknown_item_field", p, col}
	case item:
		p["Object"] = list
		delete(p, "Known")
		return exprFault{"definition.expr.unknown_item_field_empty", p, col}
	case len(known) > 0:
		return exprFault{"definition.expr.unknown_field", p, col}
	}
	delete(p, "Known")
	return exprFault{"definition.expr.unknown_field_empty", p, col}
}
