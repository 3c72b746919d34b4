package all

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"sluice/plugins"
)

func TestAllRegistered(t *testing.T) {
	names := plugins.Names()
	for _, n := range []string{"documents.print", "inventory.check", "inventory.return", "inventory.ship", "notify.confirm", "verify.rules"} {
		require.Contains(t, names, n)
	}
}

func TestCarriers(t *testing.T) {
	cs := plugins.Carriers()
	require.NotEmpty(t, cs)
	for _, c := range cs {
		require.True(t, strings.HasPrefix(c.TrackingURL, "https://"), c.Key)
		for _, l := range []string{"zh-TW", "zh-CN", "en"} {
			require.NotEmpty(t, c.Name[l], c.Key)
		}
	}
	tcat, ok := plugins.GetCarrier("tcat")
	require.True(t, ok)
	// the number is escaped: it cannot add parameters to the carrier's URL
	require.Equal(t, "https://www.t-cat.com.tw/Inquire/TraceDetail.aspx?BillID=A1%26x%3D1", tcat.Link("A1&x=1"))
	_, ok = plugins.GetCarrier("pigeon")
	require.False(t, ok)
	require.Panics(t, func() { plugins.RegisterCarrier(plugins.Carrier{Key: "bad", TrackingURL: "http://x/{tracking}"}) })
}
