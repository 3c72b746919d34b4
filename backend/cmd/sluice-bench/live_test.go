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
