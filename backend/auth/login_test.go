package auth

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var testPolicy = LoginPolicy{Window: 15 * time.Minute, PerAddress: 100, PerPair: 10, PerAccount: 30, PairBackoff: 2}

func fail(g *LoginGuard, account, address string) (bool, time.Duration) {
	_, ok, wait := g.Allow(account, address)
	return ok, wait
}

func TestLoginGuardOwnerNotLockedOutByOneAddress(t *testing.T) {
	clk := newFakeClock()
	g := NewLoginGuard(testPolicy, WithClock(clk.Now))
	for i := range 1000 {
		ok, wait := fail(g, "admin", "A")
		if want := i < 10; ok != want {
			t.Fatalf("attempt %d from A: ok=%v", i, ok)
		}
		if !ok && wait <= 0 {
			t.Fatalf("attempt %d refused without a wait", i)
		}
	}
	tk, ok, _ := g.Allow("admin", "B")
	if !ok {
		t.Fatal("owner refused from B")
	}
	tk.Succeeded()
	// A's refused attempts took nothing from the account: 20 more failures from B and C
	// stay within its budget (30), so neither is put on the backoff (2 each).
	for i := range 10 {
		for _, addr := range []string{"B", "C"} {
			if ok, _ := fail(g, "admin", addr); !ok {
				t.Fatalf("attempt %d from %s refused: A's blocked attempts used the account's budget", i, addr)
			}
		}
	}
}

func TestLoginGuardDistributedAttackBacksOff(t *testing.T) {
	clk := newFakeClock()
	g := NewLoginGuard(testPolicy, WithClock(clk.Now))
	allowed := 0
	for a := range 100 {
		for range 5 {
			if ok, _ := fail(g, "admin", fmt.Sprintf("10.0.%d.1", a)); ok {
				allowed++
			}
		}
	}
	// The first 30 from six addresses (5 each), then 2 each from the 94 others.
	if want := 30 + 94*2; allowed != want {
		t.Fatalf("allowed %d of 500 attempts from 100 addresses, want %d", allowed, want)
	}
	// The owner from a fresh address: allowed, and succeeds.
	tk, ok, _ := g.Allow("admin", "owner")
	if !ok {
		t.Fatal("owner refused from a fresh address during a distributed attack")
	}
	tk.Succeeded()
	// A typo, then the right password: still allowed (the backoff grants 2).
	if ok, _ := fail(g, "admin", "owner2"); !ok {
		t.Fatal("owner2's first attempt refused")
	}
	if tk, ok, _ := g.Allow("admin", "owner2"); !ok {
		t.Fatal("owner2's second attempt refused")
	} else {
		tk.Succeeded()
	}
	// Other accounts are untouched.
	if ok, _ := fail(g, "clerk", "10.0.1.1"); !ok {
		t.Fatal("another account was limited")
	}
	// After the window the backoff has passed.
	clk.Advance(testPolicy.Window)
	if ok, _ := fail(g, "admin", "10.0.1.1"); !ok {
		t.Fatal("still backed off after the window")
	}
}

func TestLoginGuardSuccessIsGivenBack(t *testing.T) {
	clk := newFakeClock()
	g := NewLoginGuard(testPolicy, WithClock(clk.Now))
	for i := range 500 { // an office behind one address signing in all morning
		tk, ok, _ := g.Allow(fmt.Sprintf("user%d", i%40), "office")
		if !ok {
			t.Fatalf("sign-in %d refused", i)
		}
		tk.Succeeded()
	}
	for range 9 { // the owner's own typos are forgotten by a successful sign-in
		fail(g, "alice", "home")
	}
	tk, _, _ := g.Allow("alice", "home")
	tk.Succeeded()
	for i := range 10 {
		if ok, _ := fail(g, "alice", "home"); !ok {
			t.Fatalf("typo %d after a successful sign-in refused", i)
		}
	}
}

func TestLoginGuardBoundedMemory(t *testing.T) {
	clk := newFakeClock()
	g := NewLoginGuard(testPolicy, WithClock(clk.Now), WithMaxKeys(50))
	long := strings.Repeat("x", 1<<16)
	for i := range 5000 {
		fail(g, fmt.Sprintf("%s%d", long, i), fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255))
	}
	for name, l := range map[string]*Limiter{"address": g.address, "pair": g.pair, "account": g.account, "backoff": g.backoff} {
		if n := l.Len(); n > 50 {
			t.Fatalf("%s tracks %d keys, more than 50", name, n)
		}
		l.mu.Lock()
		for k := range l.keys {
			if len(k) > 2*maxLimiterKey {
				l.mu.Unlock()
				t.Fatalf("%s keeps a %d-byte key", name, len(k))
			}
		}
		l.mu.Unlock()
	}
}
