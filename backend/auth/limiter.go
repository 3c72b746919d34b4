package auth

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"time"
)

// Limiter limits attempts per key (for logins: one key per username and one per client IP,
// e.g. "user:alice" and "ip:203.0.113.7"). Each key has a token bucket of burst attempts
// that refills evenly over window, implemented as GCRA (one timestamp per key, integer
// arithmetic, so retry-after is exact): after burst rapid attempts a key is blocked, it
// regains one attempt every window/burst and is fully recovered one window after its last
// allowed attempt.
//
// Memory is bounded: at most WithMaxKeys keys (default 10000) are tracked, the least
// recently used evicted first, and a key longer than 64 bytes is kept as its SHA-256 (a
// client chooses the username part of a key). An evicted key whose bucket had refilled loses nothing;
// evicting a busy key (only under a flood of that many distinct keys) resets it, so keep a
// per-IP key alongside the per-username key. It is safe for concurrent use.
//
// golang.org/x/time/rate is served by the proxy but was not used: its float token count
// makes "retry after exactly this long" off by rounding, and a per-key rate.Limiter is
// several times larger than the single timestamp kept here.
type Limiter struct {
	interval  time.Duration // Window / Burst: the cost of one attempt
	tolerance time.Duration // Window - interval: how far ahead of now a key may run
	maxKeys   int
	now       func() time.Time

	mu    sync.Mutex
	keys  map[string]*list.Element // value: *limEntry
	order *list.List               // front = most recently used
}

type limEntry struct {
	key string
	tat time.Time // theoretical arrival time: the bucket is full again at tat
}

// LimiterOption configures a Limiter.
type LimiterOption func(*Limiter)

// WithClock replaces time.Now (for tests).
func WithClock(now func() time.Time) LimiterOption { return func(l *Limiter) { l.now = now } }

// WithMaxKeys bounds the number of tracked keys (default 10000).
func WithMaxKeys(n int) LimiterOption {
	return func(l *Limiter) {
		if n > 0 {
			l.maxKeys = n
		}
	}
}

// NewLimiter allows burst attempts per key, refilling over window (for logins e.g. 5 per
// 15 minutes). burst < 1 is treated as 1; window must be positive.
func NewLimiter(burst int, window time.Duration, opts ...LimiterOption) *Limiter {
	burst = max(burst, 1)
	if window <= 0 {
		panic("auth: NewLimiter: window must be positive")
	}
	interval := max(window/time.Duration(burst), 1)
	l := &Limiter{
		interval:  interval,
		tolerance: interval * time.Duration(burst-1),
		maxKeys:   10000,
		now:       time.Now,
		keys:      map[string]*list.Element{},
		order:     list.New(),
	}
	for _, o := range opts {
		o(l)
	}
	return l
}

// Allow records an attempt for key. It returns true if the attempt may proceed; otherwise
// false and how long until the next attempt would be allowed (for a Retry-After header).
// A refused attempt does not count.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	key = boundKey(key)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()

	var e *limEntry
	if el, found := l.keys[key]; found {
		l.order.MoveToFront(el)
		e = el.Value.(*limEntry)
	} else {
		for len(l.keys) >= l.maxKeys {
			old := l.order.Back()
			l.order.Remove(old)
			delete(l.keys, old.Value.(*limEntry).key)
		}
		e = &limEntry{key: key, tat: now}
		l.keys[key] = l.order.PushFront(e)
	}

	tat := e.tat
	if tat.Before(now) {
		tat = now
	}
	if ahead := tat.Sub(now); ahead > l.tolerance {
		return false, ahead - l.tolerance
	}
	e.tat = tat.Add(l.interval)
	return true, 0
}

// Refund gives back one attempt recorded by Allow for key (for logins: a successful
// attempt, so only failures use up the bucket and a whole office behind one address can
// sign in at nine o'clock). Earlier attempts keep counting.
func (l *Limiter) Refund(key string) {
	key = boundKey(key)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.keys[key]
	if !ok {
		return
	}
	e := el.Value.(*limEntry)
	e.tat = e.tat.Add(-l.interval)
	if e.tat.Before(now) {
		e.tat = now
	}
}

// Reset forgets key (e.g. the username key after a successful login).
func (l *Limiter) Reset(key string) {
	key = boundKey(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.keys[key]; ok {
		l.order.Remove(el)
		delete(l.keys, key)
	}
}

// Len is the number of keys currently tracked.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// maxKeyLen is the longest key kept as given; longer ones are kept as their SHA-256.
const maxLimiterKey = 64

func boundKey(key string) string {
	if len(key) <= maxLimiterKey {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + string(sum[:])
}
