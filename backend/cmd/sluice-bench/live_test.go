package main

import (
	"testing"
	"time"
)

func TestEventTimes(t *testing.T) {
	at := time.Date(2026, 11, 27, 9, 0, 0, 123456000, time.UTC)
	com := at.Add(3*time.Millisecond + 456)
	cases := []struct {
		name, msg    string
		seq          int64
		at, commited time.Time
		ok           bool
	}{
		{"live", `{"seq":42,"type":"order.updated","topic":"department:sales","at":"2026-11-27T09:00:00.123456Z","committed_at":"2026-11-27T09:00:00.126456456Z","data":{"at":"2020-01-01T00:00:00Z","committed_at":"x"}}`,
			42, at, com, true},
		{"replayed", `{"seq":7,"type":"t","topic":"user:a","at":"2026-11-27T09:00:00.123456Z","data":{}}`, 7, at, time.Time{}, true},
		{"control", `{"type":"subscribed","data":{"position":3}}`, 0, time.Time{}, time.Time{}, false},
		{"no at", `{"seq":9,"type":"t","topic":"user:a","data":{}}`, 0, time.Time{}, time.Time{}, false},
		{"bad at", `{"seq":9,"at":"yesterday"}`, 0, time.Time{}, time.Time{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seq, gotAt, gotCom, ok := eventTimes([]byte(c.msg))
			if ok != c.ok || seq != c.seq || (ok && (!gotAt.Equal(c.at) || !gotCom.Equal(c.commited))) {
				t.Fatalf("eventTimes = %d, %v, %v, %v; want %d, %v, %v, %v", seq, gotAt, gotCom, ok, c.seq, c.at, c.commited, c.ok)
			}
		})
	}
}

func TestFrameHeader(t *testing.T) {
	for _, c := range []struct{ payload, header int }{{0, 2}, {125, 2}, {126, 4}, {65535, 4}, {65536, 10}} {
		if got := frameHeader(c.payload); got != c.header {
			t.Errorf("frameHeader(%d) = %d, want %d", c.payload, got, c.header)
		}
	}
}

// The floor measures every socket it may, writes the size asked, and its percentiles
// come from the writes of all rounds.
func TestFanOutFloor(t *testing.T) {
	f, err := measureFanOutFloor(64, 300, 3)
	if err != nil {
		t.Fatal(err)
	}
	if f.Measured != 64 || f.Bytes != 300 || f.scope(64) != "all measured" {
		t.Fatalf("floor = %+v (%s)", f, f.scope(64))
	}
	if !(f.P50ms > 0 && f.P50ms <= f.P99ms && f.FanOutMs > 0) {
		t.Fatalf("floor percentiles: %+v", f)
	}
	if floorSockets() < 1 {
		t.Fatalf("floorSockets = %d", floorSockets())
	}
}
