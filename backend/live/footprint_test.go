package live_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// rss reads a process's resident set size in bytes.
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestFootprint measures, on one `sluice serve` process (SQLite), the memory per idle
// socket and the time from a state change to its delivery on every socket. It runs only
// when LIVE_FOOTPRINT=<sockets> is set, e.g. LIVE_FOOTPRINT=10000.
func TestFootprint(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("LIVE_FOOTPRINT"))
	if n <= 0 {
		t.Skip("set LIVE_FOOTPRINT=<sockets> to measure")
	}
	bin := buildSluice(t)
	p := serveProc(t, bin, "footprint", "sqlite://"+filepath.Join(t.TempDir(), "f.db"), true)
	p.waitReady(t)
	token := login(t, p.url, "clerk")
	pid := p.cmd.Process.Pid
	time.Sleep(500 * time.Millisecond)
	before := rss(t, pid)

	conns := make([]*websocket.Conn, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	var mu sync.Mutex
	var dialErr error
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, _, err := dial(p.url, token, "?topics=department:sales")
			if err != nil {
				mu.Lock()
				dialErr = err
				mu.Unlock()
				return
			}
			conns[i] = c.Conn
			if _, _, err := c.Conn.ReadMessage(); err != nil { // subscribed
				mu.Lock()
				dialErr = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if dialErr != nil {
		t.Fatalf("dial: %v", dialErr)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	time.Sleep(2 * time.Second) // let the server settle
	after := rss(t, pid)
	t.Logf("%d idle sockets: server RSS %d MiB → %d MiB, %.1f KiB per socket", n, before>>20, after>>20, float64(after-before)/float64(n)/1024)

	// Deliveries: every socket reads every event; latency = receipt − the event's
	// timestamp (taken when its transaction began, so an upper bound of commit→delivery).
	lat := make([][]time.Duration, n)
	var rw sync.WaitGroup
	const orders = 5
	for i, c := range conns {
		rw.Add(1)
		go func() {
			defer rw.Done()
			for {
				_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
				_, b, err := c.ReadMessage()
				if err != nil {
					return
				}
				now := time.Now()
				m, err := decodeMsg(b)
				if err != nil || m.Seq == 0 {
					continue
				}
				lat[i] = append(lat[i], now.Sub(m.At))
				if m.Data["status"] == "completed" {
					return
				}
			}
		}()
	}
	tokens := map[string]string{"clerk": token}
	started := time.Now()
	for range orders {
		walkOrder(t, p.url, tokens, "small-standard.json")
	}
	rw.Wait()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) == 0 {
		t.Fatal("nothing delivered")
	}
	pct := func(q float64) time.Duration { return all[int(q*float64(len(all)-1))] }
	t.Logf("%d deliveries (%d orders walked in %s): p50 %s, p99 %s, max %s", len(all), orders,
		time.Since(started).Round(time.Millisecond), pct(.5), pct(.99), all[len(all)-1])
}
