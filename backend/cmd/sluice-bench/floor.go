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
}

// floorSockets bounds the loopback pairs measured: both ends live in this process, and a
// process may hold 20,000 descriptors here. The cost per write is what is measured.
const floorSockets = 4000

// measureFanOutFloor writes size bytes to each of min(n, floorSockets) loopback TCP
// sockets per round, draining the peers between rounds, and scales the median round to n.
func measureFanOutFloor(n, size, rounds int) (floorResult, error) {
	m := min(n, floorSockets)
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
	for range rounds {
		t0 := time.Now()
		var wg sync.WaitGroup
		var werr error
		var once sync.Once
		for part := range slices.Chunk(senders, (m+shards-1)/shards) {
			wg.Go(func() {
				for _, s := range part {
					if _, err := s.Write(buf); err != nil {
						once.Do(func() { werr = err })
						return
					}
				}
			})
		}
		wg.Wait()
		times = append(times, time.Since(t0))
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
	return res, nil
}
