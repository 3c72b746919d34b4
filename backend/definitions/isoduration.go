package definitions

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// isoDuration is the subset of ISO 8601 durations a deadline needs: days, hours and
// minutes (months and years have no fixed length, so a deadline never uses them).
var isoDuration = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$`)

// ParseISODuration parses PT24H, P2D, P1DT12H, PT30M.
func ParseISODuration(s string) (time.Duration, error) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "P" || s == "PT" || (len(s) > 1 && s[len(s)-1] == 'T') {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration; write days, hours and minutes like PT4H, PT24H, P2D or P1DT12H", s)
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil || n > 10000 {
			return 0, fmt.Errorf("%q is too long", s)
		}
		d += time.Duration(n) * unit
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q is zero; give a positive duration such as PT24H", s)
	}
	return d, nil
}
