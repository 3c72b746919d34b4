package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sluice/backend/config"
)

// TestEveryKeyIsDocumented keeps docs/configuration.md's table in step with the
// settings: a key added without its row (or with the wrong variable) fails here.
func TestEveryKeyIsDocumented(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, l := range strings.Split(string(body), "\n") {
		if k, ok := strings.CutPrefix(l, "| `"); ok {
			if i := strings.Index(k, "`"); i > 0 {
				rows[k[:i]] = l
			}
		}
	}
	for _, f := range config.Fields {
		row, ok := rows[f.Key]
		if !ok {
			t.Errorf("docs/configuration.md has no row for %s", f.Key)
			continue
		}
		if !strings.Contains(row, "`"+f.Env()+"`") {
			t.Errorf("docs/configuration.md: the row of %s does not name %s", f.Key, f.Env())
		}
	}
}
