package durations

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]Duration{
		"30m":    {Minutes: 30},
		"4h":     {Hours: 4},
		"2d":     {Days: 2},
		"1d12h":  {Days: 1, Hours: 12},
		"1h30m":  {Hours: 1, Minutes: 30},
		"1d2h3m": {Days: 1, Hours: 2, Minutes: 3},
		"0m":     {},
	} {
		got, err := Parse(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "2", "30s", "2h1d", "1.5h", "-1h", "1 d", "d", "1w", "999999999999999999999d"} {
		_, err := Parse(in)
		require.Error(t, err, in)
	}
	d, _ := Parse("1d12h")
	require.Equal(t, 36*time.Hour, d.Std())
	require.Equal(t, "1d12h", d.String())
	b, err := d.MarshalText()
	require.NoError(t, err)
	require.Equal(t, "1d12h", string(b))
}

func TestParseISO(t *testing.T) {
	for in, want := range map[string]time.Duration{"PT24H": 24 * time.Hour, "P2D": 48 * time.Hour, "P1DT12H": 36 * time.Hour, "PT30M": 30 * time.Minute} {
		got, err := ParseISO(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "P", "PT", "P1DT", "24h", "PT0H", "P1M", "-PT1H"} {
		_, err := ParseISO(bad)
		require.Error(t, err, bad)
	}
}

func TestSpan(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"72h": 72 * time.Hour, "3d": 72 * time.Hour, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute, "1h30m": 90 * time.Minute,
		"PT4H": 4 * time.Hour, "P2D": 48 * time.Hour, "P1DT12H": 36 * time.Hour,
	} {
		got, err := Span(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "0m", "PT0H", "30s", "1.5h", "-1h", "P", "4H", "pt4h", "2h1d"} {
		_, err := Span(bad)
		require.Error(t, err, bad)
	}
}

// A failure says why as a stable kind (a definition check's code), and reads as before.
func TestErrorKinds(t *testing.T) {
	for in, want := range map[string]struct{ kind, text string }{
		"2 hours": {NotSpan, `"2 hours" is not a duration; write days, hours and minutes like 30m, 4h, 2d or 1d12h (or ISO 8601: PT4H, P2D)`},
		"0m":      {Zero, `"0m" is zero; give a positive duration such as 24h`},
		"PT":      {NotISO, `"PT" is not an ISO 8601 duration; write days, hours and minutes like PT4H, PT24H, P2D or P1DT12H`},
		"PT0H":    {ZeroISO, `"PT0H" is zero; give a positive duration such as PT24H`},
		"P99999D": {TooLong, `"P99999D" is too long`},
	} {
		_, err := Span(in)
		var e *Error
		require.ErrorAs(t, err, &e, in)
		require.Equal(t, want.kind, e.Kind, in)
		require.Equal(t, in, e.Value, in)
		require.Equal(t, want.text, err.Error(), in)
	}
	_, err := Parse("2h1d")
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, NotDuration, e.Kind)
}
