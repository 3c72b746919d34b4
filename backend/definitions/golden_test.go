package definitions

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestBadDocuments validates every document in testdata/<kind>/*.json (each wrong in one
// way) against the examples and compares the problems with testdata/<kind>/<name>.golden:
// one "pointer<TAB>message" line per problem. Run with -update to rewrite the golden files.
func TestBadDocuments(t *testing.T) {
	set := examples(t)
	n := 0
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		kind := filepath.Base(filepath.Dir(path))
		if _, ok := NormalizeKind(kind); !ok {
			return nil
		}
		n++
		t.Run(strings.TrimPrefix(strings.TrimSuffix(path, ".json"), "testdata/"), func(t *testing.T) {
			body, err := os.ReadFile(path)
			require.NoError(t, err)
			ps := Validate(kind, body, set)
			require.NotEmpty(t, ps, "a bad document must have problems")
			var sb strings.Builder
			for _, p := range ps {
				require.True(t, p.Pointer == "" || strings.HasPrefix(p.Pointer, "/"), "pointer %q", p.Pointer)
				require.NotEmpty(t, p.Message)
				sb.WriteString(p.Pointer + "\t" + p.Message + "\n")
			}
			golden := strings.TrimSuffix(path, ".json") + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(sb.String()), 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "missing golden file; run go test -update")
			require.Equal(t, string(want), sb.String())
		})
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, n, 50)
}

func examples(t testing.TB) *Set {
	t.Helper()
	set, ps := Examples()
	require.Empty(t, ps)
	return set
}
