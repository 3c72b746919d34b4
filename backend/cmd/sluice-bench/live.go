package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// liveResult is phase C: many idle websocket clients on one instance, the memory each
// costs the server, and how long events take from the transaction to every socket.
type liveResult struct {
	Sockets      int     `json:"sockets"`
	Connected    int     `json:"connected"`
	DialSeconds  float64 `json:"dial_seconds"`
	RSSBeforeMiB float64 `json:"server_rss_before_mib"`
	RSSAfterMiB  float64 `json:"server_rss_after_mib"`
	KiBPerSocket float64 `json:"kib_per_idle_socket"`
	Orders       int     `json:"orders_walked"`
	// Transactions is the submits and actions made while walking them; each one's events
	// reach a socket in one write, of WriteBytes on average (frames included).
	Transactions int `json:"transactions"`
	WriteBytes   int `json:"bytes_per_socket_write"`
	Deliveries   int `json:"deliveries"`
	Expected     int `json:"deliveries_expected"`
	// From the commit (committed_at); Timed counts the deliveries that carried it. An
	// event the pump read before the commit hook had marked its commit goes without one:
	// those are dispatched early, so leaving them out never flatters the figure.
	Timed int     `json:"deliveries_with_commit_time"`
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
	// From the transaction's start (at).
	TxP50ms float64 `json:"from_tx_start_p50_ms"`
	TxP99ms float64 `json:"from_tx_start_p99_ms"`
	TxMaxMs float64 `json:"from_tx_start_max_ms"`
	// CPUPerDelivery is the server's CPU time (user + system) during the walk divided by
	// the deliveries: what one event to one socket costs the server, whatever the client.
	CPUPerDeliveryUs float64 `json:"server_cpu_us_per_delivery"`
	// ServerCores is the server's CPU time during the walk over its wall time.
	ServerCores float64 `json:"server_cores_used"`
	// Floor is the ceiling of this phase: a bare loopback fan-out, measured after it.
	Floor *floorResult `json:"raw_fan_out,omitempty"`
	Error string       `json:"error,omitempty"`
}

// rssOf reads a process's resident set size in bytes (Linux; 0 elsewhere).
func rssOf(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuOf reads a process's CPU time, user + system (Linux; 0 elsewhere).
func cpuOf(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces, hence the last ')').
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)        // utime, field 14
	st, _ := strconv.ParseInt(f[12], 10, 64)        // stime, field 15
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

// eventTimes pulls seq, "at" (the transaction's time) and "committed_at" (when the
// server learnt of the commit; zero if absent) out of one live message without decoding
// it all: ten thousand readers share the client's cores with the server, and a full JSON
// decode per delivery would measure the client instead. The envelope's fields come
// before "data", so the first match of each is the envelope's.
func eventTimes(b []byte) (seq int64, at, committed time.Time, ok bool) {
	i := bytes.Index(b, []byte(`"seq":`))
	if i < 0 {
		return 0, at, committed, false
	}
	j := i + len(`"seq":`)
	k := j
	for k < len(b) && b[k] >= '0' && b[k] <= '9' {
		k++
	}
	seq, err := strconv.ParseInt(string(b[j:k]), 10, 64)
	if err != nil || seq == 0 {
		return 0, at, committed, false
	}
	stamp := func(key string) (time.Time, bool) {
		i := bytes.Index(b, []byte(`"`+key+`":"`))
		if i < 0 {
			return time.Time{}, false
		}
		j := i + len(key) + 4
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return time.Time{}, false
		}
		t, err := time.Parse(time.RFC3339Nano, string(b[j:j+k]))
		return t, err == nil
	}
	if at, ok = stamp("at"); !ok {
		return 0, at, committed, false
	}
	committed, _ = stamp("committed_at")
	return seq, at, committed, true
}

// measureLive opens n sockets subscribed to the demo sales department's board, reads
// the server's memory with them idle, then walks orders through review — each action
// once the previous one's events reached every socket — while every socket records, per
// event, its arrival time − committed_at (commit → delivery, what the target is about)
// and − at (the transaction's start: adds the transaction itself and its commit, an
// fsync and now and then a WAL checkpoint on SQLite).
func measureLive(ctx context.Context, a *api, srv *server, n, orders int, body []byte, logf func(string, ...any)) liveResult {
	res := liveResult{Sockets: n, Orders: orders}
	token, err := a.token(ctx, submitter)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	pid := srv.Cmd.Process.Pid
	before := rssOf(pid)
	u := strings.Replace(srv.base, "http://", "ws://", 1) + "/api/v1/live?topics=department:sales"
	hdr := http.Header{"Authorization": {"Bearer " + token}}
	d := websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 256}
	conns := make([]*websocket.Conn, n)
	var failed atomic.Int64
	var firstErr atomic.Value
	t0 := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, _, err := d.DialContext(ctx, u, hdr)
			if err == nil {
				_, _, err = c.ReadMessage() // "subscribed"
			}
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
				if c != nil {
					c.Close()
				}
				return
			}
			conns[i] = c
		})
	}
	wg.Wait()
	res.DialSeconds = time.Since(t0).Seconds()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	res.Connected = n - int(failed.Load())
	if e, ok := firstErr.Load().(string); ok {
		res.Error = fmt.Sprintf("%d sockets failed: %s", failed.Load(), e)
	}
	logf("phase C: %d sockets open in %.1fs; letting the server settle", res.Connected, res.DialSeconds)
	time.Sleep(2 * time.Second)
	after := rssOf(pid)
	res.RSSBeforeMiB, res.RSSAfterMiB = float64(before)/(1<<20), float64(after)/(1<<20)
	if res.Connected > 0 && after > 0 {
		res.KiBPerSocket = float64(after-before) / float64(res.Connected) / 1024
	}

	// Every socket reads until the walk is over and they have gone quiet.
	lat := make([][]time.Duration, n)   // from the commit
	txLat := make([][]time.Duration, n) // from the transaction's start
	seen := map[int64]struct{}{}        // the distinct events the topic carried (watch's thread only)
	var distinct, got, bytes atomic.Int64
	var done atomic.Bool
	watched := make(chan error, 1)
	go func() {
		watched <- watch(conns, 3*time.Second, done.Load, func(i int, b []byte, now time.Time) {
			if seq, at, committed, ok := eventTimes(b); ok {
				txLat[i] = append(txLat[i], now.Sub(at))
				if !committed.IsZero() {
					lat[i] = append(lat[i], now.Sub(committed))
				}
				if _, dup := seen[seq]; !dup {
					seen[seq] = struct{}{}
					distinct.Add(1)
				}
				got.Add(1)
				bytes.Add(int64(len(b) + frameHeader(len(b))))
			}
		})
	}()
	// settled waits until every socket has every event so far, so each action's events
	// fan out on their own (as when people act, not a burst queued behind the last one).
	settled := func(before int64) {
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
			d := distinct.Load()
			if d > before && got.Load() >= d*int64(res.Connected) {
				return
			}
		}
	}
	logf("phase C: walking %d orders through review with %d sockets watching", orders, res.Connected)
	cpu0, wall0 := cpuOf(pid), time.Now()
walk:
	for range orders {
		before := distinct.Load()
		o, err := a.submit(ctx, token, body)
		if err != nil {
			res.Error = err.Error()
			break
		}
		res.Transactions++
		settled(before)
		for steps := 0; o.Status == "in_review" && steps < 50; steps++ {
			t, ok := nextTask(o)
			if !ok {
				break
			}
			before = distinct.Load()
			if o, err = a.approve(ctx, a.actor(t), t); err != nil {
				res.Error = err.Error()
				break walk
			}
			res.Transactions++
			settled(before)
		}
	}
	cpu, wall := cpuOf(pid)-cpu0, time.Since(wall0)
	done.Store(true)
	if err := <-watched; err != nil && res.Error == "" {
		res.Error = err.Error()
	}
	all, fromTx := slices.Concat(lat...), slices.Concat(txLat...)
	res.Deliveries, res.Timed, res.Expected = len(fromTx), len(all), int(distinct.Load())*res.Connected
	if len(fromTx) == 0 {
		if res.Error == "" {
			res.Error = "no event was delivered"
		}
		return res
	}
	if res.Transactions > 0 && res.Connected > 0 {
		res.WriteBytes = int(bytes.Load() / int64(res.Transactions*res.Connected))
	}
	if cpu > 0 {
		res.CPUPerDeliveryUs = float64(cpu.Microseconds()) / float64(len(fromTx))
		res.ServerCores = cpu.Seconds() / wall.Seconds()
	}
	res.P50ms, res.P99ms, res.MaxMs = percentiles(all)
	res.TxP50ms, res.TxP99ms, res.TxMaxMs = percentiles(fromTx)
	return res
}

// frameHeader is the size of a server frame's header for a payload of n bytes.
func frameHeader(n int) int {
	switch {
	case n < 126:
		return 2
	case n < 1<<16:
		return 4
	}
	return 10
}

// percentiles sorts d and returns its p50, p99 and max in milliseconds (zeros if empty).
func percentiles(d []time.Duration) (p50, p99, max float64) {
	if len(d) == 0 {
		return 0, 0, 0
	}
	slices.Sort(d)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return ms(d[len(d)/2]), ms(d[int(0.99*float64(len(d)-1))]), ms(d[len(d)-1])
}
