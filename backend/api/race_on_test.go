//go:build race

package api_test

// raceDetector: this test binary runs under the race detector (race_off_test.go).
const raceDetector = true
