package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// socket is one websocket client that keeps reconnecting with ?after=<last seq> and
// records every event it received, so the run can check it got each event of its
// topics exactly once, in order, across every reconnect.
type socket struct {
	user   string
	topics []string // granted, from the first subscription answer

	mu       sync.Mutex
	start    int64 // position of the first subscription: events after it are expected
	started  bool
	last     int64   // last seq received
	seqs     []int64 // every event received, in arrival order
	dups     []string
	resyncs  int
	connects int
	lastErr  string // why the last connection ended (or failed to open)
	storms   chan struct{}
}

// liveLoad runs the sockets; storm() makes all of them drop and reconnect at once.
type liveLoad struct {
	cl      *client
	sockets []*socket
}

var socketUsers = []string{"clerk", "manager", "warehouse", "finance", "service"}

func newLiveLoad(cl *client, n int) *liveLoad {
	ll := &liveLoad{cl: cl}
	for i := range n {
		ll.sockets = append(ll.sockets, &socket{user: socketUsers[i%len(socketUsers)], storms: make(chan struct{}, 1)})
	}
	return ll
}

func (ll *liveLoad) storm() {
	for _, s := range ll.sockets {
		select {
		case s.storms <- struct{}{}:
		default:
		}
	}
}

// run keeps socket s connected until ctx ends.
func (ll *liveLoad) run(ctx context.Context, rng *rand.Rand, s *socket) {
	for ctx.Err() == nil {
		err := ll.session(ctx, rng, s)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.mu.Lock()
			s.lastErr = err.Error()
			s.mu.Unlock()
		}
		sleep(ctx, time.Duration(20+rng.IntN(200))*time.Millisecond)
	}
}

// session is one connection: dial (resuming after the last seq), read until it breaks
// or a storm closes it.
func (ll *liveLoad) session(ctx context.Context, rng *rand.Rand, s *socket) error {
	tok, err := ll.cl.token(ctx, rng, s.user)
	if err != nil {
		return err
	}
	in := ll.cl.c.next()
	q := "?topics=department:sales"
	s.mu.Lock()
	if s.started {
		q += "&after=" + strconv.FormatInt(s.last, 10)
	}
	s.mu.Unlock()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+tok)
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, res, err := d.DialContext(ctx, "ws"+strings.TrimPrefix(in.base, "http")+"/api/v1/live"+q, h)
	if err != nil {
		if res != nil {
			return fmt.Errorf("dial %s: %w (HTTP %d)", in.name, err, res.StatusCode)
		}
		return fmt.Errorf("dial %s: %w", in.name, err)
	}
	defer conn.Close()
	s.mu.Lock()
	s.connects++
	s.mu.Unlock()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
		case <-s.storms:
		case <-done:
			return
		}
		conn.Close()
	}()
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		var m struct {
			Seq  int64          `json:"seq"`
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		s.mu.Lock()
		switch {
		case m.Seq > 0:
			if !s.started {
				s.dups = append(s.dups, fmt.Sprintf("event %d before the subscription answer", m.Seq))
			} else if m.Seq <= s.last {
				s.dups = append(s.dups, fmt.Sprintf("event %d after %d (duplicate or out of order)", m.Seq, s.last))
			} else {
				s.last = m.Seq
			}
			s.seqs = append(s.seqs, m.Seq)
		case m.Type == "resync":
			s.resyncs++
		case m.Type == "subscribed" && !s.started:
			pos, _ := m.Data["position"].(float64)
			s.start, s.last, s.started = int64(pos), int64(pos), true
			for _, t := range m.Data["topics"].([]any) {
				s.topics = append(s.topics, t.(string))
			}
		}
		s.mu.Unlock()
	}
}
