// Package backend_test holds the architecture's import rules (docs/architecture.md).
package backend_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// core is the workflow core; features attach to it and reach each other only through it.
const core = "sluice/backend/service"

// features are the feature packages (each may import the core, never another feature).
var features = []string{
	"sluice/backend/access",
	"sluice/backend/catalogue",
	"sluice/backend/fulfilment",
	"sluice/backend/inbound",
	"sluice/backend/notify",
	"sluice/backend/remind",
	"sluice/backend/reporting",
}

type listed struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// packages lists the backend's packages with their imports and transitive dependencies
// (tests not counted: they may compose the whole service).
func packages(t *testing.T) map[string]listed {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "sluice/backend/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]listed{}
	dec := json.NewDecoder(bufio.NewReader(bytes.NewReader(out)))
	for dec.More() {
		var p listed
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

func TestImportRules(t *testing.T) {
	pkgs := packages(t)
	for _, f := range append([]string{core}, features...) {
		if _, ok := pkgs[f]; !ok {
			t.Fatalf("package %s is gone: update the rules here and in docs/architecture.md", f)
		}
	}
	for _, dep := range pkgs[core].Deps {
		if slices.Contains(features, dep) {
			t.Errorf("the core %s imports the feature %s (directly or through another package)", core, dep)
		}
	}
	for _, f := range features {
		for _, dep := range pkgs[f].Deps {
			if dep != f && slices.Contains(features, dep) {
				t.Errorf("feature %s imports feature %s: features reach each other only through the core's ports", f, dep)
			}
		}
	}
	// handlers translate; they never query the ORM
	for _, imp := range pkgs["sluice/backend/api"].Imports {
		if imp == "sluice/backend/ent" || strings.HasPrefix(imp, "sluice/backend/ent/") {
			t.Errorf("sluice/backend/api imports %s: give the use case a port instead", imp)
		}
	}
}
