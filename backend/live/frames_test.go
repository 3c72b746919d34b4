package live

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// counted forwards to a real connection and counts the calls that reach it.
type counted struct {
	net.Conn
	writes, deadlines atomic.Int64
}

func (c *counted) Write(p []byte) (int, error) { c.writes.Add(1); return c.Conn.Write(p) }
func (c *counted) SetWriteDeadline(t time.Time) error {
	c.deadlines.Add(1)
	return c.Conn.SetWriteDeadline(t)
}

func tcpPair(t *testing.T) (server *net.TCPConn, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = (<-accepted).(*net.TCPConn)
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// frameOn wraps a server-side TCP connection as Hijack does, with its calls counted.
func frameOn(t *testing.T, srv *net.TCPConn) (*frameConn, *counted) {
	t.Helper()
	raw, err := srv.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	inner := &counted{Conn: srv}
	f := &frameConn{Conn: inner, raw: raw}
	f.initSys()
	return f, inner
}

// Frames of every length class (7-bit, 16-bit and 64-bit lengths, at their edges) sent
// in one send read back whole and in order through the library's client.
func TestTextFramesReadByTheLibrary(t *testing.T) {
	sizes := []int{0, 1, 125, 126, 127, 1000, 65535, 65536, 70000}
	rng := rand.New(rand.NewPCG(7, 11))
	payloads := make([][]byte, len(sizes))
	var all []byte
	for i, n := range sizes {
		p := make([]byte, n)
		for j := range p {
			p[j] = 'a' + byte(rng.IntN(26))
		}
		payloads[i] = p
		all = append(all, textFrame(p)...)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bw := &framing{ResponseWriter: w}
		if _, err := (&websocket.Upgrader{}).Upgrade(bw, r, nil); err != nil {
			return
		}
		if bw.conn.raw == nil {
			t.Error("a TCP connection was wrapped without its descriptor")
		}
		if err := bw.conn.send(all, time.Second); err != nil {
			t.Error(err)
		}
	}))
	defer srv.Close()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i, want := range payloads {
		typ, got, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("frame %d (%d bytes): %v", i, sizes[i], err)
		}
		if typ != websocket.TextMessage || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: type %d, %d bytes, want a text message of %d", i, typ, len(got), len(want))
		}
	}
}

// A send the kernel takes at once is one write with no deadline; a deadline the library
// set for its own frame (long expired) does not fail it.
func TestFrameConnSendsAtOnceWithoutADeadline(t *testing.T) {
	srv, cli := tcpPair(t)
	f, inner := frameOn(t, srv)
	frame := textFrame([]byte(`{"seq":1}`))
	if err := f.send(frame, time.Second); err != nil {
		t.Fatal(err)
	}
	if w, d := inner.writes.Load(), inner.deadlines.Load(); w != 0 || d != 0 {
		t.Fatalf("a send the kernel took at once went through %d writes and %d deadlines of the net.Conn, want none", w, d)
	}
	// The library's way: a deadline, then its frame.
	if err := f.SetWriteDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	pong := []byte{0x8a, 0}
	if _, err := f.Write(pong); err != nil {
		t.Fatal(err)
	}
	if w, d := inner.writes.Load(), inner.deadlines.Load(); w != 1 || d != 1 {
		t.Fatalf("the library's frame: %d writes, %d deadlines, want 1 and 1", w, d)
	}
	time.Sleep(40 * time.Millisecond) // its deadline has passed
	if err := f.send(frame, time.Second); err != nil {
		t.Fatalf("a send after the library's deadline expired: %v", err)
	}
	if err := f.send(frame, time.Second); err != nil {
		t.Fatal(err)
	}
	if d := inner.deadlines.Load(); d != 2 {
		t.Fatalf("%d deadline calls, want 2 (the library's, then one clearing it)", d)
	}
	want := append(append(append(append([]byte{}, frame...), pong...), frame...), frame...)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(cli, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("received % x, want % x", got, want)
	}
}

// What the kernel cannot take at once is written within the wait, whole; a peer that
// reads nothing makes the send fail at its deadline instead of blocking.
func TestFrameConnWaitsForTheRest(t *testing.T) {
	srv, cli := tcpPair(t)
	// Small buffers (as Options.SendBuffer makes them), so 4 MiB cannot go in one write.
	if err := srv.SetWriteBuffer(64 << 10); err != nil {
		t.Fatal(err)
	}
	if err := cli.(*net.TCPConn).SetReadBuffer(64 << 10); err != nil {
		t.Fatal(err)
	}
	f, inner := frameOn(t, srv)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18)
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(cli, int64(len(big))))
		got <- b
	}()
	if err := f.send(big, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if b := <-got; !bytes.Equal(b, big) {
		t.Fatalf("received %d bytes, not the %d sent", len(b), len(big))
	}
	if d := inner.deadlines.Load(); d != 1 {
		t.Fatalf("%d deadlines set, want 1 (for the rest the kernel could not take at once)", d)
	}

	start := time.Now()
	err := f.send(big, 200*time.Millisecond) // nobody reads now
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("send to a peer that reads nothing: %v, want the deadline exceeded", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("the send returned after %v", el)
	}
}

// Frames the library writes from another goroutine (its pong replies) while the hub
// sends stay whole.
func TestFrameConnKeepsConcurrentFramesWhole(t *testing.T) {
	srv, cli := tcpPair(t)
	f, _ := frameOn(t, srv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			_ = f.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = f.Write([]byte{0x8a, 0}) // an empty pong
		}
	}()
	ok := textFrame([]byte("ok"))
	batch := bytes.Repeat(ok, 3)
	for range 100 {
		if err := f.send(batch, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	got := make([]byte, 100*2+300*len(ok))
	if _, err := io.ReadFull(cli, got); err != nil {
		t.Fatal(err)
	}
	pongs, texts := 0, 0
	for i := 0; i < len(got); {
		switch {
		case got[i] == 0x8a && got[i+1] == 0:
			pongs, i = pongs+1, i+2
		case bytes.HasPrefix(got[i:], ok):
			texts, i = texts+1, i+len(ok)
		default:
			t.Fatalf("torn frame at byte %d: % x", i, got[i:min(i+8, len(got))])
		}
	}
	if pongs != 100 || texts != 300 {
		t.Fatalf("%d pongs and %d texts, want 100 and 300", pongs, texts)
	}
}

// A send the kernel takes at once, and the send-queue check, allocate nothing: with ten
// thousand sockets per event, garbage per write brought the collector into the fan-outs.
func TestFrameConnSendsWithoutGarbage(t *testing.T) {
	srv, cli := tcpPair(t)
	f := newFrameConn(srv)
	frame := textFrame([]byte(`{"seq":1,"type":"order.updated"}`))
	go func() { _, _ = io.Copy(io.Discard, cli) }()
	if n := testing.AllocsPerRun(200, func() {
		if err := f.send(frame, time.Second); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("%.1f allocations per send", n)
	}
	if n := testing.AllocsPerRun(200, func() {
		if _, ok := f.unsent(); !ok {
			t.Fatal("the send queue cannot be read")
		}
	}); n != 0 {
		t.Fatalf("%.1f allocations per send-queue check", n)
	}
}
