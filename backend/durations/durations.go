// Package durations reads the durations admins write in definitions and plugin
// settings: days, hours and minutes (30m, 4h, 2d, 1d12h) and, for deadlines written
// before that form was everywhere, ISO 8601 (PT4H, P2D).
package durations

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Duration is a duration such as 30m, 4h, 2d or 1d12h (reminders, waits). Days stay
// days: with a calendar they are working days, without one 24 hours (see Std).
type Duration struct {
	Days, Hours, Minutes int
}

// Error is a duration that does not read. Kind says why, stably (a definition check turns
// it into a catalogue code); Value is the text as written.
type Error struct {
	Kind  string
	Value string
}

// Kinds of Error.
const (
	NotDuration = "not_duration" // not days, hours and minutes
	NotSpan     = "not_span"     // neither that nor ISO 8601
	NotISO      = "not_iso"      // not an ISO 8601 duration
	TooLong     = "too_long"
	Zero        = "zero"     // zero where a positive one is needed
	ZeroISO     = "zero_iso" // the same, written in ISO 8601
)

var errorTexts = map[string]string{
	NotDuration: "%q is not a duration; write days, hours and minutes like 30m, 4h, 2d or 1d12h",
	NotSpan:     "%q is not a duration; write days, hours and minutes like 30m, 4h, 2d or 1d12h (or ISO 8601: PT4H, P2D)",
	NotISO:      "%q is not an ISO 8601 duration; write days, hours and minutes like PT4H, PT24H, P2D or P1DT12H",
	TooLong:     "%q is too long",
	Zero:        "%q is zero; give a positive duration such as 24h",
	ZeroISO:     "%q is zero; give a positive duration such as PT24H",
}

func (e *Error) Error() string {
	return strings.Replace(errorTexts[e.Kind], "%q", strconv.Quote(e.Value), 1)
}

var durationRE = regexp.MustCompile(`^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$`)

// Parse parses days, hours and minutes in that order: 30m, 4h, 2d, 1d12h, 1h30m.
func Parse(s string) (Duration, error) {
	m := durationRE.FindStringSubmatch(s)
	if m == nil || s == "" {
		return Duration{}, &Error{NotDuration, s}
	}
	var d Duration
	for i, p := range []*int{&d.Days, &d.Hours, &d.Minutes} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil || n > 100000 {
			return Duration{}, &Error{TooLong, s}
		}
		*p = n
	}
	return d, nil
}

// Std is the duration in wall-clock time, a day being 24 hours.
func (d Duration) Std() time.Duration {
	return time.Duration(d.Days)*24*time.Hour + time.Duration(d.Hours)*time.Hour + time.Duration(d.Minutes)*time.Minute
}

// IsZero says whether the duration is unset (or zero).
func (d Duration) IsZero() bool { return d == Duration{} }

func (d Duration) String() string {
	var sb strings.Builder
	for _, p := range []struct {
		n    int
		unit string
	}{{d.Days, "d"}, {d.Hours, "h"}, {d.Minutes, "m"}} {
		if p.n > 0 {
			sb.WriteString(strconv.Itoa(p.n) + p.unit)
		}
	}
	if sb.Len() == 0 {
		return "0m"
	}
	return sb.String()
}

func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	*d = v
	return err
}

// Span reads a length of wall-clock time written either way — 30m, 4h, 2d, 1d12h or
// ISO 8601 PT4H, P2D, P1DT12H — a day being 24 hours. It must be positive.
func Span(s string) (time.Duration, error) {
	if strings.HasPrefix(s, "P") {
		return ParseISO(s)
	}
	d, err := Parse(s)
	if err != nil {
		return 0, &Error{NotSpan, s}
	}
	if d.IsZero() {
		return 0, &Error{Zero, s}
	}
	return d.Std(), nil
}

// isoDuration is the subset of ISO 8601 durations a deadline needs: days, hours and
// minutes (months and years have no fixed length, so a deadline never uses them).
var isoDuration = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$`)

// ParseISO parses PT24H, P2D, P1DT12H, PT30M.
func ParseISO(s string) (time.Duration, error) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "P" || s == "PT" || (len(s) > 1 && s[len(s)-1] == 'T') {
		return 0, &Error{NotISO, s}
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil || n > 10000 {
			return 0, &Error{TooLong, s}
		}
		d += time.Duration(n) * unit
	}
	if d <= 0 {
		return 0, &Error{ZeroISO, s}
	}
	return d, nil
}
