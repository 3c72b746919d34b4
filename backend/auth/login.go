package auth

import "time"

// LoginGuard throttles password guessing without letting anyone lock an account's owner
// out (OWASP Authentication Cheat Sheet, "account lockout"). An attempt is counted in
// four buckets, checked in this order:
//
//   - the address (all accounts from one client address): stops one address spraying
//     many accounts;
//   - the pair (one account from one address): the ordinary limit on guessing; an address
//     that runs into it is refused without touching the account's budget;
//   - the account (one account from every address): the account's budget;
//   - the backoff (one account from one address, used only once the account's budget is
//     spent): an account under attack from many addresses lets each address try only
//     rarely (PairBackoff), so guessing slows to a crawl, while any address that has not
//     tried lately, the owner's included, still gets its attempt and signs in with the
//     right password. No state ever refuses an address that has not failed itself.
//
// A refused attempt counts nowhere (what an earlier bucket took is given back); a
// successful one is given back everywhere and clears the pair. Memory is bounded by the
// limiters' key caps. Safe for concurrent use.
type LoginGuard struct {
	address, pair, account, backoff *Limiter
}

// LoginPolicy are a LoginGuard's limits: each is attempts per window.
type LoginPolicy struct {
	Window      time.Duration
	PerAddress  int // one address, all accounts
	PerPair     int // one account from one address
	PerAccount  int // one account, all addresses, before the backoff
	PairBackoff int // one account from one address while the account is in backoff
}

// DefaultLoginPolicy: per 15 minutes, 100 attempts from an address, 10 at one account
// from one address, 30 at one account in all; beyond that 2 per address and account.
var DefaultLoginPolicy = LoginPolicy{Window: 15 * time.Minute, PerAddress: 100, PerPair: 10, PerAccount: 30, PairBackoff: 2}

// NewLoginGuard builds a guard; opts (clock, key cap) apply to each of its limiters.
func NewLoginGuard(p LoginPolicy, opts ...LimiterOption) *LoginGuard {
	return &LoginGuard{
		address: NewLimiter(p.PerAddress, p.Window, opts...),
		pair:    NewLimiter(p.PerPair, p.Window, opts...),
		account: NewLimiter(p.PerAccount, p.Window, opts...),
		backoff: NewLimiter(p.PairBackoff, p.Window, opts...),
	}
}

// LoginTicket is an allowed attempt: call Succeeded when the password was right.
type LoginTicket struct {
	g                        *LoginGuard
	address, pair, account   string
	usedAccount, usedBackoff bool
}

// Allow records an attempt at account from address. When refused it answers how long
// the address should wait (Retry-After).
func (g *LoginGuard) Allow(account, address string) (t LoginTicket, ok bool, retryAfter time.Duration) {
	t = LoginTicket{g: g, address: address, pair: account + "\x00" + address, account: account}
	if ok, wait := g.address.Allow(t.address); !ok {
		return t, false, wait
	}
	if ok, wait := g.pair.Allow(t.pair); !ok {
		g.address.Refund(t.address)
		return t, false, wait
	}
	if ok, _ := g.account.Allow(t.account); ok {
		t.usedAccount = true
		return t, true, 0
	}
	if ok, wait := g.backoff.Allow(t.pair); !ok {
		g.address.Refund(t.address)
		g.pair.Refund(t.pair)
		return t, false, wait
	}
	t.usedBackoff = true
	return t, true, 0
}

// Succeeded gives the attempt back: only failures count.
func (t LoginTicket) Succeeded() {
	t.g.address.Refund(t.address)
	t.g.pair.Reset(t.pair)
	if t.usedAccount {
		t.g.account.Refund(t.account)
	}
	if t.usedBackoff {
		t.g.backoff.Refund(t.pair)
	}
}
