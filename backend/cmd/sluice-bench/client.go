package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	adminPassword = "bench-admin-pw"
	demoPassword  = "sluice-demo"
	submitter     = "clerk"
)

// preferred demo users, in the order tried when a task names several assignees.
var preferred = []string{"clerk", "manager", "warehouse", "service", "finance", "manager2", "finance2"}

type task struct {
	ID        int      `json:"id"`
	Node      string   `json:"node"`
	Assignees []string `json:"assignees"`
	Status    string   `json:"status"`
	Checklist []any    `json:"checklist"`
}

// open: the order view lists open tasks; tolerate views that also list decided ones.
func (t task) open() bool { return t.Status == "" || t.Status == "open" || t.Status == "active" }

type order struct {
	ID     int     `json:"id"`
	Status string  `json:"status"`
	Total  float64 `json:"total"`
	Tasks  []task  `json:"tasks"`
}

type actionResult struct {
	Order order `json:"order"`
}

// api is an HTTP client for one server, shared by every load goroutine: one Transport,
// so connections are reused; tokens per demo user.
type api struct {
	base  string
	bases []string // when set, requests go to each in turn (instances on one database)
	turn  atomic.Uint64
	hc    *http.Client

	mu     sync.Mutex
	tokens map[string]string
	failed map[string]bool // users whose login failed: not retried
}

func newAPI(base string, clients int) *api {
	tr := &http.Transport{
		MaxIdleConns:        clients*2 + 16,
		MaxIdleConnsPerHost: clients*2 + 16,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &api{base: base, hc: &http.Client{Transport: tr, Timeout: 60 * time.Second},
		tokens: map[string]string{}, failed: map[string]bool{}}
}

func (a *api) close() { a.hc.CloseIdleConnections() }

// httpError is a non-2xx answer.
type httpError struct {
	Status int
	Body   string
}

func (e *httpError) Error() string {
	b := e.Body
	if len(b) > 300 {
		b = b[:300] + "…"
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, b)
}

func statusOf(err error) int {
	if he, ok := err.(*httpError); ok {
		return he.Status
	}
	return 0
}

// do sends one request and decodes a 2xx JSON answer into out (if non-nil).
func (a *api) do(ctx context.Context, method, path, token string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	base := a.base
	if len(a.bases) > 0 {
		base = a.bases[a.turn.Add(1)%uint64(len(a.bases))]
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		he := &httpError{Status: resp.StatusCode, Body: string(b)}
		if resp.StatusCode == http.StatusTooManyRequests {
			he.Body += " (Retry-After " + resp.Header.Get("Retry-After") + ")"
		}
		return he
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// token logs user in once (password sluice-demo) and caches the bearer token.
func (a *api) token(ctx context.Context, user string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if t, ok := a.tokens[user]; ok {
		return t, nil
	}
	if a.failed[user] {
		return "", fmt.Errorf("login %s failed earlier", user)
	}
	body, _ := json.Marshal(map[string]string{"username": user, "password": demoPassword})
	var out struct {
		Token string `json:"token"`
	}
	err := a.do(ctx, http.MethodPost, "/api/v1/auth/login", "", body, &out)
	if err == nil && out.Token == "" {
		err = fmt.Errorf("login %s: no token in the answer", user)
	}
	if err != nil {
		a.failed[user] = true
		return "", fmt.Errorf("login %s: %w", user, err)
	}
	a.tokens[user] = out.Token
	return out.Token, nil
}

func (a *api) hasToken(user string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.tokens[user]
	return ok
}

// actor picks who acts on t: an assignee already logged in, else a preferred demo user,
// else the first assignee.
func (a *api) actor(t task) string {
	for _, u := range t.Assignees {
		if a.hasToken(u) {
			return u
		}
	}
	for _, u := range preferred {
		if slices.Contains(t.Assignees, u) {
			return u
		}
	}
	if len(t.Assignees) > 0 {
		return t.Assignees[0]
	}
	return ""
}

// submit posts one order as the clerk.
func (a *api) submit(ctx context.Context, token string, body []byte) (order, error) {
	var o order
	err := a.do(ctx, http.MethodPost, "/api/v1/orders", token, body, &o)
	return o, err
}

// approveBody approves with every item of the node's checklist ticked (the server
// refuses an approval that leaves one unticked).
func approveBody(t task) []byte {
	ticks := make([]bool, len(t.Checklist))
	for i := range ticks {
		ticks[i] = true
	}
	b, _ := json.Marshal(map[string]any{"action": "approve", "checklist": ticks})
	return b
}

// approve acts on one task as user.
func (a *api) approve(ctx context.Context, user string, t task) (order, error) {
	tok, err := a.token(ctx, user)
	if err != nil {
		return order{}, err
	}
	var res actionResult
	err = a.do(ctx, http.MethodPost, "/api/v1/tasks/"+strconv.Itoa(t.ID)+"/actions", tok, approveBody(t), &res)
	return res.Order, err
}

// get re-reads an order (as the submitter).
func (a *api) get(ctx context.Context, id int) (order, error) {
	tok, err := a.token(ctx, submitter)
	if err != nil {
		return order{}, err
	}
	var o order
	err = a.do(ctx, http.MethodGet, "/api/v1/orders/"+strconv.Itoa(id), tok, nil, &o)
	return o, err
}

// nextTask is the first open task of o that has an assignee, or false.
func nextTask(o order) (task, bool) {
	for _, t := range o.Tasks {
		if t.open() && len(t.Assignees) > 0 {
			return t, true
		}
	}
	return task{}, false
}

// step is one approval taken while following an order.
type step struct {
	Node string `json:"node"`
	User string `json:"user"`
}

// follow approves o's open tasks until it leaves in_review (used for the warm-up order,
// which also shows the path the benchmark's orders take).
func (a *api) follow(ctx context.Context, o order) (order, []step, error) {
	var path []step
	for i := 0; o.Status == "in_review"; i++ {
		if i > 50 {
			return o, path, fmt.Errorf("order %d: still in review after 50 actions", o.ID)
		}
		t, ok := nextTask(o)
		if !ok {
			return o, path, fmt.Errorf("order %d is in review but has no open task with an assignee", o.ID)
		}
		u := a.actor(t)
		n, err := a.approve(ctx, u, t)
		if err != nil {
			return o, path, fmt.Errorf("order %d: %s approves task %d (%s): %w", o.ID, u, t.ID, t.Node, err)
		}
		path = append(path, step{Node: t.Node, User: u})
		o = n
	}
	return o, path, nil
}

// writeStats reads the server's group-commit counters from /metrics (as the admin):
// the SQLite writer's commits and the transactions they held.
func (a *api) writeStats(ctx context.Context) (commits, txs float64, err error) {
	body, _ := json.Marshal(map[string]string{"username": "admin", "password": adminPassword})
	var out struct {
		Token string `json:"token"`
	}
	if err := a.do(ctx, http.MethodPost, "/api/v1/auth/login", "", body, &out); err != nil {
		return 0, 0, fmt.Errorf("admin login: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/metrics", nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+out.Token)
	resp, err := a.hc.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, v, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
		switch name {
		case "sluice_write_commits_total":
			commits = f
		case "sluice_write_transactions_total":
			txs = f
		}
	}
	return commits, txs, nil
}
