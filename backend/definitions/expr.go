package definitions

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
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

// compile compiles src against the environment. The program is compiled against a
// map[string]any environment, so it runs with map[string]any{"order": data} where data
// is the order decoded from JSON. want is the JSON type the result must have (boolean for
// conditions, the field's type for computed fields; "" for any). It returns a message
// saying what to fix on failure.
func (e *exprEnv) compile(src, want string) (*compiled, string) {
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
		msg := exprMessage(err)
		if strings.HasPrefix(msg, "unknown name ") {
			msg += fmt.Sprintf("; the order's fields are reached as order.<field> (order has: %s)", strings.Join(e.order.propNames(), ", "))
		}
		return nil, msg
	}
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, exprMessage(err)
	}
	c := &fieldChecker{root: e.order, refs: map[string]bool{}}
	c.node(tree.Node)
	if len(c.errs) > 0 {
		return nil, strings.Join(c.errs, "; ")
	}
	// Member access on maps is typed only at run time: a trial run against the sample
	// order catches type mismatches such as order.note > 5 or a non-boolean condition.
	if _, err := expr.Run(prog, env); err != nil {
		msg := exprMessage(err)
		if m := castError.FindStringSubmatch(msg); m != nil && want != "" {
			if want == "boolean" {
				return nil, fmt.Sprintf("a condition must be true or false, but this gives %s", article(jsonTypeName(m[1])))
			}
			return nil, fmt.Sprintf("the field is %s, but this gives %s", article(want), article(jsonTypeName(m[1])))
		}
		if strings.Contains(msg, "invalid operation") && !strings.Contains(msg, "<nil>") {
			return nil, "type mismatch: " + msg
		}
	}
	out := &compiled{prog: prog}
	for name := range c.refs {
		out.refs = append(out.refs, name)
	}
	return out, ""
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

// exprMessage renders an expr error on one line: message and column.
func exprMessage(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) {
		return fmt.Sprintf("%s (at column %d)", fe.Message, fe.Column+1)
	}
	return err.Error()
}

// fieldChecker walks an expression's syntax tree and reports order.<path> references to
// fields the form does not have. expr cannot do this itself: member access on a map is
// not type-checked.
type fieldChecker struct {
	root  *shape
	errs  []string
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
			known := s.propNames()
			msg := fmt.Sprintf("unknown field %q in %s.%s (column %d)", name, base.path, name, col)
			if len(known) > 0 {
				msg += fmt.Sprintf("; %s has: %s", describe(base.path), strings.Join(known, ", "))
			} else {
				msg += fmt.Sprintf("; %s has no fields", describe(base.path))
			}
			c.errs = append(c.errs, msg)
		}
	case "array":
		if index {
			return ref{s.items, base.path + "[" + strconv.Itoa(n.Property.(*ast.IntegerNode).Value) + "]"}
		}
		c.errs = append(c.errs, fmt.Sprintf("%s is a list, it has no field %q (column %d); use an item, e.g. map(%s, #.%s) or %s[0].%s",
			base.path, name, col, base.path, name, base.path, name))
	default:
		c.errs = append(c.errs, fmt.Sprintf("%s is a %s, it has no field %q (column %d)", base.path, s.typ, name, col))
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

func describe(path string) string {
	if strings.HasSuffix(path, "[]") {
		return "an item of " + strings.TrimSuffix(path, "[]")
	}
	return path
}
