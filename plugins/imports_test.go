package plugins_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// forbidden are what a plugin must never reach, directly or through another package:
// the ORM, the store and the host's own implementation of the ports. A plugin gets
// the database only through its ports (ports.go).
var forbidden = []string{"sluice/backend/ent", "sluice/backend/store", "sluice/backend/pluginhost", "sluice/backend/service", "entgo.io/ent"}

func reaches(dep, root string) bool { return dep == root || strings.HasPrefix(dep, root+"/") }

// TestPluginsDoNotImportTheORM lists every package under plugins/ with all it depends
// on (go list -deps, tests excluded: a test may set up a database) and fails naming
// the package and what it reaches.
func TestPluginsDoNotImportTheORM(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(gobin, "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, "sluice/plugins/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := 0
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkgs++
		var bad []string
		for _, dep := range fields[1:] {
			for _, f := range forbidden {
				if reaches(dep, f) {
					bad = append(bad, dep)
				}
			}
		}
		if len(bad) > 0 {
			t.Errorf("%s depends on %d forbidden packages (%s …): plugins reach the database only through their ports",
				fields[0], len(bad), strings.Join(bad[:min(3, len(bad))], ", "))
		}
	}
	if pkgs < 5 {
		t.Fatalf("go list found %d packages under plugins/; want them all:\n%s", pkgs, out)
	}
}
