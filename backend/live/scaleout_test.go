package live_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// proc is one `sluice serve` process.
type proc struct {
	name string
	url  string
	cmd  *exec.Cmd
	log  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// buildSluice builds the binary (or takes SLUICE_TEST_BIN, a binary built already).
func buildSluice(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("SLUICE_TEST_BIN"); bin != "" {
		return bin
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin := filepath.Join(t.TempDir(), "sluice")
	cmd := exec.Command("go", "build", "-o", bin, "./backend/cmd/sluice")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func serveProc(t *testing.T, bin, name, db string, demo bool, env ...string) *proc {
	t.Helper()
	addr := freeAddr(t)
	args := []string{"serve", "--addr", addr, "--db", db}
	if demo {
		args = append(args, "--demo")
	}
	p := &proc{name: name, url: "http://" + addr, log: &syncBuffer{}}
	p.cmd = exec.Command(bin, args...)
	// No safety-net poll: only LISTEN/NOTIFY can bring another instance's events.
	p.cmd.Env = append(os.Environ(), "SLUICE_ADMIN_PASSWORD=admin-pass-123", "SLUICE_LOG_LEVEL=warn", "SLUICE_LIVE_POLL_INTERVAL=1h")
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("instance %s log:\n%s", p.name, p.log)
		}
	})
	return p
}

func (p *proc) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(p.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		if p.cmd.ProcessState != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("instance %s not ready:\n%s", p.name, p.log)
}

// Three `sluice serve` processes on one PostgreSQL: a socket on instance A receives, in
// order, the events of an order walked through instance C (and B's socket the same);
// a policy change made through C reaches A's Casbin snapshot.
func TestScaleOutThreeInstances(t *testing.T) {
	if os.Getenv(storetest.PGEnv) == "" {
		t.Skip("needs PostgreSQL: set " + storetest.PGEnv)
	}
	db := storetest.PostgresURL(t)
	bin := buildSluice(t)
	a := serveProc(t, bin, "A", db, true)
	a.waitReady(t) // migrates and seeds first
	b, c := serveProc(t, bin, "B", db, false), serveProc(t, bin, "C", db, false)
	b.waitReady(t)
	c.waitReady(t)

	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	from := position(t, s)
	onA := mustDial(t, a.url, login(t, a.url, "clerk"), "?topics=department:sales")
	expectType(t, onA, "subscribed")
	onB := mustDial(t, b.url, login(t, b.url, "manager"), "?topics=department:sales")
	expectType(t, onB, "subscribed")

	tokens := map[string]string{}
	startAt := time.Now()
	id := walkOrder(t, c.url, tokens, "small-standard.json")
	want := stored(t, s, from, "user:clerk", "department:sales")
	got := events(t, onA, len(want))
	if !slices.Equal(seqs(got), want) {
		t.Fatalf("A received %v, the table holds %v", seqs(got), want)
	}
	t.Logf("order %d walked through C; A's socket had all %d events %s after the walk began", id, len(want), time.Since(startAt).Round(time.Millisecond))
	// A learnt of C's commits from their notifications (an event its safety-net poll
	// found first would have no commit time; never one before the change).
	timed := 0
	for _, m := range got {
		if m.Committed != nil {
			timed++
			if m.Committed.Before(m.At) {
				t.Fatalf("event %d: committed_at %v before its at %v", m.Seq, m.Committed, m.At)
			}
		}
	}
	if timed == 0 {
		t.Fatalf("none of the %d events A delivered carried committed_at", len(got))
	}
	wantB := stored(t, s, from, "user:manager", "department:sales")
	if gotB := events(t, onB, len(wantB)); !slices.Equal(seqs(gotB), wantB) {
		t.Fatalf("B received %v, the table holds %v", seqs(gotB), wantB)
	}

	// A user created through C (a policy change) may watch their board on A once A has
	// heard of it.
	admin := login(t, c.url, "admin")
	r := doHTTP(t, c.url, "POST", "/api/v1/users", admin, map[string]any{"username": "newbie", "password": "newbie-pass-1",
		"memberships": []map[string]string{{"department": "sales-south", "role": "order_clerk"}}})
	if r.status != 201 {
		t.Fatalf("create user: %d %s", r.status, r.body)
	}
	r = doHTTP(t, a.url, "POST", "/api/v1/auth/login", "", map[string]string{"username": "newbie", "password": "newbie-pass-1"})
	var lg struct{ Token string }
	r.json(t, &lg)
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := mustDial(t, a.url, lg.Token, "?topics=department:sales-south")
		ack := expectType(t, n, "subscribed")
		n.Close()
		if fmt.Sprint(ack.Data["topics"]) == "[user:newbie department:sales-south]" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("A never learnt the new policy: %+v", ack.Data)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
