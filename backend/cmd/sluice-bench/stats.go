package main

import (
	"slices"
	"time"
)

// recorder collects one load goroutine's figures; merged after the phase.
type recorder struct {
	ok        int
	errors    int
	conflicts int
	lat       []time.Duration // successful requests only
	firstErr  string
}

func (r *recorder) success(d time.Duration) {
	r.ok++
	r.lat = append(r.lat, d)
}

func (r *recorder) fail(err error) {
	if statusOf(err) == 409 {
		r.conflicts++
	} else {
		r.errors++
	}
	if r.firstErr == "" {
		r.firstErr = err.Error()
	}
}

// phaseResult is one measured phase.
type phaseResult struct {
	Name       string  `json:"name"`
	Count      int     `json:"count"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"per_second"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	Errors     int     `json:"errors"`
	Conflicts  int     `json:"conflicts"`
	FirstError string  `json:"first_error,omitempty"`
}

func merge(name string, elapsed time.Duration, rs []*recorder) phaseResult {
	p := phaseResult{Name: name, Seconds: elapsed.Seconds()}
	var lat []time.Duration
	for _, r := range rs {
		p.Count += r.ok
		p.Errors += r.errors
		p.Conflicts += r.conflicts
		lat = append(lat, r.lat...)
		if p.FirstError == "" {
			p.FirstError = r.firstErr
		}
	}
	if elapsed > 0 {
		p.PerSecond = float64(p.Count) / elapsed.Seconds()
	}
	slices.Sort(lat)
	p.P50ms = ms(percentile(lat, 0.50))
	p.P99ms = ms(percentile(lat, 0.99))
	if len(lat) > 0 {
		p.MaxMs = ms(lat[len(lat)-1])
	}
	return p
}

// percentile by nearest rank on sorted durations.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*q+0.999999) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
