package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const demoPassword = "sluice-demo"

// requestTimeout is how long a request may go unanswered: far beyond any request's
// time on a loaded machine, so a timeout is a hang (a killed instance resets its
// connections at once instead).
const requestTimeout = 30 * time.Second

// client talks to the cluster as the demo users. A connection error, a timeout or a
// 5xx is an unknown outcome: the request is sent again, with the same Idempotency-Key,
// to the next instance, until it gets an answer below 500 or the retry deadline passes.
// Only a 2xx counts as acknowledged.
type client struct {
	c     *cluster
	hc    *http.Client
	rec   *recorder
	retry time.Time // no retries after this (the run's hard end)

	mu     sync.Mutex
	tokens map[string]string
	login  map[string]*sync.Mutex // one login per user at a time (the server throttles logins)
}

func newClient(c *cluster, rec *recorder, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: 30 * time.Second, DisableCompression: true}
	return &client{c: c, rec: rec, hc: &http.Client{Transport: tr, Timeout: requestTimeout}, tokens: map[string]string{}, login: map[string]*sync.Mutex{}}
}

// answer is a response below 500.
type answer struct {
	Status   int
	Body     []byte
	Replayed bool // Idempotent-Replayed: the server answered from its idempotency record
	Attempts int  // 1 = first try
}

func (a answer) ok() bool { return a.Status >= 200 && a.Status < 300 }

// errUnknown: no answer below 500 before the retry deadline; the outcome is unknown.
var errUnknown = errors.New("unknown outcome: no answer below 500 before the deadline")

// do sends the request until it gets an answer below 500 (see client). key is the
// Idempotency-Key ("" for none); route names the request in the tallies.
func (cl *client) do(ctx context.Context, rng *rand.Rand, method, path, route, user, key string, body []byte) (answer, error) {
	relogged := false
	for attempt := 1; ; attempt++ {
		if ctx.Err() != nil {
			return answer{}, ctx.Err()
		}
		if attempt > 1 && time.Now().After(cl.retry) {
			return answer{}, errUnknown
		}
		tok, err := cl.token(ctx, rng, user)
		if err != nil {
			return answer{}, err
		}
		in := cl.c.next()
		status, hdr, b, err := cl.send(ctx, in.base, method, path, tok, key, body)
		switch {
		case err != nil:
			cl.rec.connError(route, method+" "+path, in.name, err)
			sleep(ctx, backoff(rng, attempt))
			continue
		case status >= 500:
			cl.rec.serverError(route, method+" "+path, in.name, status, hdr, b)
			d := backoff(rng, attempt)
			if ra, err := strconv.Atoi(hdr.Get("Retry-After")); err == nil && status == 503 {
				d = min(time.Duration(ra)*time.Second, 2*time.Second)
			}
			sleep(ctx, d)
			continue
		case status == http.StatusUnauthorized && !relogged && user != "":
			// a session is in the database and survives restarts; log in again once anyway
			relogged = true
			cl.forget(user)
			continue
		case status == http.StatusTooManyRequests:
			cl.rec.count(route, "429")
			d := time.Second
			if ra, err := strconv.Atoi(hdr.Get("Retry-After")); err == nil {
				d = min(time.Duration(ra)*time.Second, 5*time.Second)
			}
			sleep(ctx, d)
			continue
		}
		cl.rec.count(route, strconv.Itoa(status))
		return answer{Status: status, Body: b, Replayed: hdr.Get("Idempotent-Replayed") == "true", Attempts: attempt}, nil
	}
}

func (cl *client) send(ctx context.Context, base, method, path, tok, key string, body []byte) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := cl.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, b, nil
}

// token logs user in (once; again after forget) through do, so a login during a fault
// is retried like any request.
func (cl *client) token(ctx context.Context, rng *rand.Rand, user string) (string, error) {
	if user == "" {
		return "", nil
	}
	cl.mu.Lock()
	lm := cl.login[user]
	if lm == nil {
		lm = &sync.Mutex{}
		cl.login[user] = lm
	}
	cl.mu.Unlock()
	lm.Lock()
	defer lm.Unlock()
	cl.mu.Lock()
	t, ok := cl.tokens[user]
	cl.mu.Unlock()
	if ok {
		return t, nil
	}
	pw := demoPassword
	if user == "admin" {
		pw = adminPassword
	}
	body, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	a, err := cl.do(ctx, rng, http.MethodPost, "/api/v1/auth/login", "login", "", "", body)
	if err != nil {
		return "", err
	}
	var out struct {
		Token string `json:"token"`
	}
	if !a.ok() || json.Unmarshal(a.Body, &out) != nil || out.Token == "" {
		return "", fmt.Errorf("login %s: HTTP %d %.200s", user, a.Status, a.Body)
	}
	cl.mu.Lock()
	cl.tokens[user] = out.Token
	cl.mu.Unlock()
	return out.Token, nil
}

func (cl *client) forget(user string) {
	cl.mu.Lock()
	delete(cl.tokens, user)
	cl.mu.Unlock()
}

// backoff grows with the attempt, jittered, capped at 2 s.
func backoff(rng *rand.Rand, attempt int) time.Duration {
	d := time.Duration(50*min(attempt, 20)) * time.Millisecond
	return min(d+time.Duration(rng.Int64N(int64(100*time.Millisecond))), 2*time.Second)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// recorder tallies answers per route and keeps every 5xx (503s only counted, with
// their first bodies: they are allowed during faults).
type recorder struct {
	mu       sync.Mutex
	counts   map[string]map[string]int // route → status (or "conn") → n
	errs     []serverErr               // every 5xx but 503
	stalls   []serverErr               // requests with no answer in requestTimeout
	e503     []serverErr               // the first few 503s
	n503     int
	unknowns atomic.Int64
	start    time.Time
}

type serverErr struct {
	At       time.Duration
	Request  string
	Instance string
	Status   int
	Body     string
}

func newRecorder() *recorder {
	return &recorder{counts: map[string]map[string]int{}, start: time.Now()}
}

func (r *recorder) count(route, status string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.counts[route]
	if m == nil {
		m = map[string]int{}
		r.counts[route] = m
	}
	m[status]++
}

// connError counts a request that got no answer: "conn" (refused, reset, closed: the
// instance died or is not up yet) or "timeout" (no answer in requestTimeout from a live
// instance: a hang, which fails the run).
func (r *recorder) connError(route, req, inst string, err error) {
	r.unknownOutcome()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		r.count(route, "timeout")
		r.mu.Lock()
		r.stalls = append(r.stalls, serverErr{At: time.Since(r.start).Round(time.Millisecond), Request: req, Instance: inst})
		r.mu.Unlock()
		return
	}
	r.count(route, "conn")
}

func (r *recorder) unknownOutcome() { r.unknowns.Add(1) }

func (r *recorder) serverError(route, req, inst string, status int, hdr http.Header, body []byte) {
	r.count(route, strconv.Itoa(status))
	r.unknownOutcome()
	e := serverErr{At: time.Since(r.start).Round(time.Millisecond), Request: req, Instance: inst, Status: status, Body: string(body)}
	if status == http.StatusServiceUnavailable && hdr.Get("Retry-After") != "" {
		r.mu.Lock()
		r.n503++
		if len(r.e503) < 3 {
			r.e503 = append(r.e503, e)
		}
		r.mu.Unlock()
		return
	}
	r.mu.Lock()
	r.errs = append(r.errs, e)
	r.mu.Unlock()
}
