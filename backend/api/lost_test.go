package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/backend/api"
	"sluice/backend/store/storetest"
)

// killer terminates every backend of one store (they carry its application_name),
// as a database restart or an operator's pg_terminate_backend would.
type killer struct {
	admin *sql.DB
	app   string
}

func (k killer) kill(t *testing.T) {
	_, err := k.admin.ExecContext(context.Background(),
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", k.app)
	if err != nil {
		t.Error(err)
	}
}

// lostEnv starts the API on a fresh PostgreSQL schema whose connections can be killed.
func lostEnv(t *testing.T) (*env, killer) {
	t.Helper()
	if os.Getenv(storetest.PGEnv) == "" {
		t.Skip("needs PostgreSQL: set " + storetest.PGEnv)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	app := "sluice_lost_" + hex.EncodeToString(b[:])
	s := storetest.OpenURL(t, storetest.PostgresURL(t)+"&application_name="+app)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", os.Getenv(storetest.PGEnv))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	return start(t, s), killer{admin, app}
}

// try is do for goroutines: a failed round trip is returned, not fatal.
func (e *env) try(method, path, token string, body []byte, hdr ...string) (resp, error) {
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		return resp{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}, err
}

// submitKeyed posts an order with an idempotency key; it reports the status, or an error
// when the answer breaks the contract for a lost connection.
func (e *env) submitKeyed(token, key string, body []byte) (int, error) {
	r, err := e.try("POST", "/api/v1/orders", token, body, "Idempotency-Key", key)
	if err != nil {
		return 0, err
	}
	switch r.status {
	case 201:
		return 201, nil
	case 503:
		var p api.Problem
		if err := json.Unmarshal(r.body, &p); err != nil || r.header.Get("Content-Type") != "application/problem+json" {
			return 0, fmt.Errorf("503 that is not a problem: %s", r.body)
		}
		if p.Type != api.ProblemDatabaseUnavailable && p.Type != api.ProblemCommitUnknown {
			return 0, fmt.Errorf("503 of type %q: %s", p.Type, r.body)
		}
		if r.header.Get("Retry-After") == "" {
			return 0, fmt.Errorf("503 without Retry-After: %s", r.body)
		}
		if id := r.header.Get("X-Request-Id"); id == "" || !strings.Contains(p.Detail, id) {
			return 0, fmt.Errorf("503 without the request id %q: %s", id, r.body)
		}
		return 503, nil
	}
	return 0, fmt.Errorf("answered %d: %s", r.status, r.body)
}

// A lost database connection never answers 500: a write is run again on a fresh
// connection (killing every pooled connection between requests is invisible), and when
// connections keep dying mid-request the answer is a 503 with Retry-After. Repeating the
// 503s with their Idempotency-Key afterwards gives exactly one order per key.
func TestLostConnectionsAnswer503NeverTwice(t *testing.T) {
	e, k := lostEnv(t)
	token := e.login("clerk")
	body := sampleBody(t, "small-standard.json")

	// between requests: every idle connection is dead; the retry on a fresh one succeeds
	for i := range 5 {
		k.kill(t)
		time.Sleep(50 * time.Millisecond)
		code, err := e.submitKeyed(token, fmt.Sprintf("between-%d", i), body)
		if err != nil || code != 201 {
			t.Fatalf("after killing the pool: %d %v", code, err)
		}
	}

	// mid-request: a killer terminates every connection at random moments
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rnd := mrand.New(mrand.NewPCG(uint64(seed), 13))
	const clients, each = 8, 6
	stop := make(chan struct{})
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Duration(50+rnd.IntN(200)) * time.Millisecond):
				k.kill(t)
			}
		}
	}()
	var mu sync.Mutex
	codes := map[int]int{}
	var again []string // keys answered 503, repeated once the database is back
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				key := fmt.Sprintf("mid-%d-%d", c, i)
				code, err := e.submitKeyed(token, key, body)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				codes[code]++
				if code == 503 {
					again = append(again, key)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-killed
	t.Logf("while killing: %v", codes)
	for _, key := range again {
		if code, err := e.submitKeyed(token, key, body); err != nil || code != 201 {
			t.Fatalf("repeating %s: %d %v", key, code, err)
		}
	}
	if want, got := 5+clients*each, e.counts().orders; got != want {
		t.Fatalf("%d orders for %d keys", got, want)
	}
	if _, reason, _, err := e.s.VerifyAudit(context.Background()); err != nil || reason != "" {
		t.Fatalf("audit chain: %s %v", reason, err)
	}
}
