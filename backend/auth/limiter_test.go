package auth

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestLimiter(t *testing.T) {
	type step struct {
		advance time.Duration
		key     string
		ok      bool
		retry   time.Duration
	}
	const window = 15 * time.Minute // 5 per 15 min: one attempt back every 3 min
	five := func(key string) []step {
		s := make([]step, 5)
		for i := range s {
			s[i] = step{key: key, ok: true}
		}
		return s
	}
	cat := func(parts ...[]step) []step {
		var out []step
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"blocks after N", cat(five("u:a"), []step{{key: "u:a", ok: false, retry: 3 * time.Minute}})},
		{"refused attempts do not count", cat(five("u:a"), []step{
			{key: "u:a", retry: 3 * time.Minute},
			{advance: time.Minute, key: "u:a", retry: 2 * time.Minute},
			{advance: time.Minute, key: "u:a", retry: time.Minute},
			{advance: time.Minute, key: "u:a", ok: true},
			{key: "u:a", retry: 3 * time.Minute},
		})},
		{"recovers fully after the window", cat(five("u:a"),
			[]step{{key: "u:a", retry: 3 * time.Minute}, {advance: window}},
			five("u:a"),
			[]step{{key: "u:a", retry: 3 * time.Minute}})},
		{"one short of the window is not full", cat(five("u:a"),
			[]step{{advance: window - time.Nanosecond}},
			five("u:a")[:4],
			[]step{{key: "u:a", retry: time.Nanosecond}})},
		{"keys are independent", cat(five("u:a"),
			[]step{{key: "u:a", retry: 3 * time.Minute}},
			five("u:b"),
			[]step{{key: "ip:1.2.3.4", ok: true}})},
		{"spread attempts never block", []step{
			{key: "k", ok: true}, {advance: 3 * time.Minute, key: "k", ok: true},
			{advance: 3 * time.Minute, key: "k", ok: true}, {advance: 3 * time.Minute, key: "k", ok: true},
			{advance: 3 * time.Minute, key: "k", ok: true}, {advance: 3 * time.Minute, key: "k", ok: true},
			{advance: 3 * time.Minute, key: "k", ok: true}, {advance: 3 * time.Minute, key: "k", ok: true},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			l := NewLimiter(5, window, WithClock(clk.Now))
			for i, s := range tc.steps {
				clk.Advance(s.advance)
				if s.key == "" {
					continue
				}
				ok, retry := l.Allow(s.key)
				if ok != s.ok || retry != s.retry {
					t.Fatalf("step %d (%s): Allow = (%v, %v), want (%v, %v)", i, s.key, ok, retry, s.ok, s.retry)
				}
			}
		})
	}
}

func TestLimiterReset(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(2, time.Minute, WithClock(clk.Now))
	l.Allow("k")
	l.Allow("k")
	if ok, _ := l.Allow("k"); ok {
		t.Fatal("third attempt allowed")
	}
	l.Reset("k")
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("attempt after Reset refused")
	}
}

func TestLimiterRefund(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(2, time.Minute, WithClock(clk.Now))
	for i := 0; i < 10; i++ { // refunded attempts never use up the bucket
		if ok, _ := l.Allow("k"); !ok {
			t.Fatalf("refunded attempt %d refused", i)
		}
		l.Refund("k")
	}
	l.Allow("k")
	l.Allow("k")
	if ok, _ := l.Allow("k"); ok {
		t.Fatal("third unrefunded attempt allowed")
	}
	l.Refund("k") // gives back exactly one
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("attempt after one refund refused")
	}
	if ok, _ := l.Allow("k"); ok {
		t.Fatal("one refund gave back more than one attempt")
	}
	clk.Advance(2 * time.Minute)
	l.Refund("k") // a refund never banks credit beyond a full bucket
	l.Refund("k")
	l.Allow("k")
	l.Allow("k")
	if ok, _ := l.Allow("k"); ok {
		t.Fatal("refunds on a full bucket banked extra attempts")
	}
	l.Refund("unknown") // no-op
	if l.Len() != 1 {
		t.Fatalf("Refund of an unknown key tracked it: %d keys", l.Len())
	}
}

func TestLimiterBoundedMemory(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(1, time.Hour, WithClock(clk.Now), WithMaxKeys(100))
	for i := range 1000 {
		l.Allow(fmt.Sprintf("k%d", i))
	}
	if n := l.Len(); n != 100 {
		t.Fatalf("Len = %d, want 100", n)
	}
	// The most recently used keys are still tracked (and still blocked)...
	if ok, _ := l.Allow("k999"); ok {
		t.Fatal("recent key forgotten")
	}
	// ...the oldest were evicted.
	if ok, _ := l.Allow("k0"); !ok {
		t.Fatal("evicted key still blocked")
	}
	// Touching a key protects it from eviction.
	l.Allow("k950")
	for i := range 99 {
		l.Allow(fmt.Sprintf("new%d", i))
	}
	if ok, _ := l.Allow("k950"); ok {
		t.Fatal("recently used key was evicted")
	}
}

func TestLimiterConcurrent(t *testing.T) {
	clk := newFakeClock()
	const burst = 10
	l := NewLimiter(burst, time.Minute, WithClock(clk.Now), WithMaxKeys(50))
	var allowedShared atomic.Int64
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			for i := range 200 {
				if ok, _ := l.Allow("shared"); ok {
					allowedShared.Add(1)
				}
				l.Allow(fmt.Sprintf("g%d-%d", g, i%20))
				if i%50 == 0 {
					l.Reset(fmt.Sprintf("g%d-0", g))
					_ = l.Len()
				}
			}
		})
	}
	wg.Wait()
	// The clock never moved, and "shared" is touched on every round, so it is never evicted:
	// exactly burst attempts got through.
	if n := allowedShared.Load(); n != burst {
		t.Fatalf("shared key allowed %d times, want %d", n, burst)
	}
	if n := l.Len(); n > 50 {
		t.Fatalf("Len = %d exceeds max keys", n)
	}
}
