package main

import (
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"sync"
	"time"
)

// floorResult is the live phase's ceiling: how long one fan-out takes with nothing but
// the kernel in the way — no server, no websocket, no database — so that the p99 can be
// read against what this machine can do at the moment it is measured.
type floorResult struct {
	Measured int `json:"sockets_measured"`
	Bytes    int `json:"bytes_per_write"`
	// FanOutMs is the median time to write Bytes to every socket once, from GOMAXPROCS
	// goroutines as the hub does, scaled from Measured to the live phase's sockets.
	FanOutMs   float64 `json:"fan_out_ms"`
	UsPerWrite float64 `json:"us_per_write"` // the same per socket (wall time)
	// P50ms and P99ms are the live phase's figures without the server: over every write
	// of every round, the time from the round's start until that write returned (scaled
	// like FanOutMs). The live p99 is read against P99ms.
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
}

// scope says how the floor was measured for n sockets.
func (f floorResult) scope(n int) string {
	if f.Measured >= n {
		return "all measured"
	}
	return fmt.Sprintf("%d measured, scaled", f.Measured)
}

// measureFanOutFloor writes size bytes to each of min(n, floorSockets()) loopback TCP
// sockets per round, draining the peers between rounds, and scales the median round to n.
func measureFanOutFloor(n, size, rounds int) (floorResult, error) {
	m := min(n, floorSockets())
	res := floorResult{Measured: m, Bytes: size}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	defer ln.Close()
	var senders, peers []net.Conn
	defer func() {
		for _, c := range append(senders, peers...) {
			c.Close()
		}
	}()
	for range m {
		p, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return res, fmt.Errorf("floor: dial: %w", err)
		}
		peers = append(peers, p)
		s, err := ln.Accept()
		if err != nil {
			return res, fmt.Errorf("floor: accept: %w", err)
		}
		senders = append(senders, s)
	}
	buf := make([]byte, size)
	in := make([]byte, size)
	shards := runtime.GOMAXPROCS(0)
	var times []time.Duration
	done := make([]time.Duration, 0, rounds*m) // each write's return, from its round's start
	for range rounds {
		round := make([]time.Duration, m)
		t0 := time.Now()
		var wg sync.WaitGroup
		var werr error
		var once sync.Once
		chunk := (m + shards - 1) / shards
		for first := 0; first < m; first += chunk {
			wg.Go(func() {
				for i := first; i < min(first+chunk, m); i++ {
					if _, err := senders[i].Write(buf); err != nil {
						once.Do(func() { werr = err })
						return
					}
					round[i] = time.Since(t0)
				}
			})
		}
		wg.Wait()
		times = append(times, time.Since(t0))
		done = append(done, round...)
		if werr != nil {
			return res, fmt.Errorf("floor: write: %w", werr)
		}
		for _, p := range peers {
			_ = p.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadFull(p, in); err != nil {
				return res, fmt.Errorf("floor: read: %w", err)
			}
		}
	}
	slices.Sort(times)
	med := times[len(times)/2]
	res.UsPerWrite = float64(med.Nanoseconds()) / float64(m) / 1000
	res.FanOutMs = res.UsPerWrite * float64(n) / 1000
	scale := float64(n) / float64(m)
	for i := range done {
		done[i] = time.Duration(float64(done[i]) * scale)
	}
	res.P50ms, res.P99ms, _ = percentiles(done)
	return res, nil
}
