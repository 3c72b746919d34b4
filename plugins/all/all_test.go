package all

import (
	"testing"

	"github.com/stretchr/testify/require"

	"sluice/plugins"
)

func TestAllRegistered(t *testing.T) {
	names := plugins.Names()
	for _, n := range []string{"documents.print", "inventory.check", "notify.confirm", "verify.rules"} {
		require.Contains(t, names, n)
	}
}
