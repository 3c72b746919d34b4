package schemas

import (
	"encoding/json"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMetaSchemas(t *testing.T) {
	for _, kind := range Kinds {
		body, err := MetaSchema(kind)
		require.NoError(t, err, kind)
		var doc map[string]any
		require.NoError(t, json.Unmarshal(body, &doc), kind)
		require.Equal(t, URL(kind), doc["$id"])
		require.Equal(t, "https://json-schema.org/draft/2020-12/schema", doc["$schema"])
	}
	_, err := MetaSchema("forms")
	require.Error(t, err)
}

func TestExamplesAreJSON(t *testing.T) {
	n := 0
	err := fs.WalkDir(Examples(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		require.True(t, strings.HasSuffix(path, ".json"), path)
		body, err := fs.ReadFile(Examples(), path)
		require.NoError(t, err)
		require.True(t, json.Valid(body), path)
		n++
		return nil
	})
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, 12)
}

func TestDemo(t *testing.T) {
	d, err := LoadDemo()
	require.NoError(t, err)
	deps := map[string]bool{}
	for _, dep := range d.Departments {
		deps[dep.Key] = true
		for _, lang := range []string{"zh-TW", "zh-CN", "en"} {
			require.NotEmpty(t, dep.Name[lang], "%s %s", dep.Key, lang)
		}
	}
	for _, k := range []string{"sales", "sales-south", "finance", "warehouse", "service"} {
		require.True(t, deps[k], k)
	}
	users := map[string]DemoUser{}
	for _, u := range d.Users {
		users[u.Username] = u
		require.NotEmpty(t, u.DisplayName)
		require.NotEmpty(t, u.Memberships)
		for _, m := range u.Memberships {
			require.True(t, deps[m.Department], "%s: unknown department %s", u.Username, m.Department)
		}
	}
	for _, u := range d.Users {
		if u.Manager != "" {
			_, ok := users[u.Manager]
			require.True(t, ok, "%s: unknown manager %s", u.Username, u.Manager)
		}
	}
	for _, name := range []string{"clerk", "manager", "manager2", "finance", "finance2", "warehouse", "service"} {
		_, ok := users[name]
		require.True(t, ok, name)
	}
	require.NotEmpty(t, d.Products)
	for _, p := range d.Products {
		require.NotEmpty(t, p.SKU)
		require.Greater(t, p.Price, 0.0)
	}
}
