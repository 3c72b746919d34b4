package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// source is the backend's non-test Go code (the generated ORM aside), parsed.
func source(t *testing.T) map[string]*ast.File {
	t.Helper()
	files := map[string]*ast.File{}
	fset := token.NewFileSet()
	// the backend and the plugins (whose failures name catalogue keys too)
	err := walk([]string{"..", "../../plugins"}, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "ent" || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(path)] = f
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func walk(roots []string, fn fs.WalkDirFunc) error {
	for _, r := range roots {
		if err := filepath.WalkDir(r, fn); err != nil {
			return err
		}
	}
	return nil
}

func callName(c *ast.CallExpr) string {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

func literal(e ast.Expr) (string, bool) {
	if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	return "", false
}

// keyed are the helpers whose argument at the index is a catalogue key ("key") or a
// field code ("code": the key is "field."+code).
var keyed = map[string]struct {
	arg  int
	kind string
}{
	"problem":       {1, "key"}, // api: problem(c, status, key, params, errs...)
	"keyedProblem":  {3, "key"},
	"Refuse":        {1, "key"},
	"badInput":      {1, "key"},
	"M":             {0, "key"}, // i18n.M(key, params): a message kept as data
	"traceLine":     {1, "key"}, // engine's traceLine(node, key, params): a rule trace line
	"trace":         {0, "key"}, // engine's m.trace(key, params)
	"Fail":          {1, "key"}, // plugins.Fail(reason, key, params)
	"fail":          {3, "key"}, // the verify plugin's fail(rule, reason, pointer, key, params)
	"pluginFailure": {1, "key"},
	"FieldErr":      {1, "code"},
	"Coded":         {1, "code"}, // definitions.Coded(pointer, code, params)
	"coded":         {1, "code"}, // the same, by its short name in definitions and intake
	"fault":         {0, "code"}, // intake's fault(code, params)
	"RowFault":      {2, "code"}, // intake.RowFault(row, column, code, params)
	"addc":          {1, "code"}, // definitions: a checker's addc(pointer, code, params)
	"codedErr":      {0, "code"}, // definitions: an error of a code
}

// Every key the code names through the helpers is in the catalogue, and every
// catalogue key is named somewhere in the code (a literal, or two joined: a code's
// prefix and suffix), so the catalogue holds no dead texts.
func TestKeysUsedAndKnown(t *testing.T) {
	en := catalogue(t, "en")
	lits := map[string]bool{}
	for path, f := range source(t) {
		ast.Inspect(f, func(n ast.Node) bool {
			if s, ok := literal(asExpr(n)); ok {
				lits[s] = true
			}
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			h, ok := keyed[callName(c)]
			if !ok || len(c.Args) <= h.arg {
				return true
			}
			s, ok := literal(c.Args[h.arg])
			if !ok {
				return true // computed (a code chosen by a switch): its literals are checked below
			}
			key := s
			if h.kind == "code" {
				key = "field." + s
			}
			if _, ok := en[key]; !ok {
				t.Errorf("%s: %s names %q, which the catalogue lacks", path, callName(c), key)
			}
			return true
		})
	}
	used := func(k string) bool {
		if lits[k] {
			return true
		}
		code := strings.TrimPrefix(k, "field.")
		if code != k && lits[code] {
			return true
		}
		for i := 1; i < len(code); i++ {
			if lits[code[:i]] && lits[code[i:]] {
				return true
			}
		}
		return false
	}
	for k := range en {
		if !used(k) {
			t.Errorf("catalogue key %q is used nowhere", k)
		}
	}
}

func asExpr(n ast.Node) ast.Expr {
	e, _ := n.(ast.Expr)
	return e
}

// legacy are the refusal helpers that take free English text (a format, a detail)
// instead of a catalogue key; a field error literal with a Message is the same.
var legacy = map[string]bool{
	"Errf": true, "errf": true, "NotFound": true, "notFound": true, "Forbidden": true, "forbidden": true,
	"Conflict": true, "conflict": true, "Invalid": true, "invalid": true, "taskChanged": true, "rawProblem": true,
}

// No server message bypasses the catalogue where it has been moved there, and no new
// one may: the api package answers only through catalogue keys (rawProblem, for a
// component's own operational reason, twice), and every other package's count of
// free-text refusals (legacy helpers with a literal text, FieldError literals with a
// Message) may only go down. Lower a count when you move texts to the catalogue.
func TestNoNewFreeText(t *testing.T) {
	ceiling := map[string]int{
		"../api":        2, // rawProblem: readiness reason, websocket handshake refusal
		"../access":     1,
		"../catalogue":  0, // moved to the catalogue: keep it so
		"../fulfilment": 0, // moved to the catalogue: keep it so
		"../inbound":    0, // moved to the catalogue: keep it so
		"../notify":     0, // moved to the catalogue: keep it so
		"../reporting":  0, // moved to the catalogue: keep it so
		"../service":    71,
	}
	counts := map[string]int{}
	where := map[string][]string{}
	for path, f := range source(t) {
		dir := filepath.ToSlash(filepath.Dir(path))
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if legacy[callName(n)] && len(n.Args) > 0 {
					if _, ok := literal(n.Args[0]); ok || callName(n) == "rawProblem" {
						counts[dir]++
						where[dir] = append(where[dir], path)
					}
				}
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.SelectorExpr); (ok && id.Sel.Name == "FieldError") || isIdent(n.Type, "FieldError") {
					for _, e := range n.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok && isIdent(kv.Key, "Message") {
							if _, lit := literal(kv.Value); lit || isCall(kv.Value, "Sprintf") {
								counts[dir]++
								where[dir] = append(where[dir], path)
							}
						}
					}
				}
			}
			return true
		})
	}
	dirs := make([]string, 0, len(counts))
	for d := range counts {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	total := 0
	for _, d := range dirs {
		total += counts[d]
		if max, ok := ceiling[d]; !ok || counts[d] > max {
			t.Errorf("%s has %d free-text refusals (ceiling %d): use catalogue keys (service.Refuse, service.FieldErr); in %v", d, counts[d], max, where[d])
		}
	}
	t.Logf("free-text refusals left: %d %v", total, counts)
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func isCall(e ast.Expr, name string) bool {
	c, ok := e.(*ast.CallExpr)
	return ok && callName(c) == name
}
