package live

import (
	"bytes"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
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

func tcpPair(t *testing.T) (server, client net.Conn) {
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
	server = <-accepted
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// Frames written between begin and flush reach the connection in one write, whole and in
// order, with one deadline; outside a batch every write goes straight through.
func TestBatchConnSendsABatchInOneWrite(t *testing.T) {
	srv, cli := tcpPair(t)
	inner := &counted{Conn: srv}
	b := &batchConn{Conn: inner}
	var want bytes.Buffer
	frames := []string{"first", "second", "third"}
	b.begin()
	for _, f := range frames {
		frame := append([]byte{0x81, byte(len(f))}, f...)
		want.Write(frame)
		if err := b.SetWriteDeadline(time.Now().Add(time.Second)); err != nil { // as the library does before each frame
			t.Fatal(err)
		}
		if n, err := b.Write(frame); err != nil || n != len(frame) {
			t.Fatalf("write in a batch: %d, %v", n, err)
		}
	}
	if w := inner.writes.Load(); w != 0 {
		t.Fatalf("%d writes reached the connection before flush", w)
	}
	if err := b.flush(time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if w, d := inner.writes.Load(), inner.deadlines.Load(); w != 1 || d != 1 {
		t.Fatalf("flush: %d writes and %d deadlines reached the connection, want 1 and 1", w, d)
	}
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(cli, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("received %q, want %q", got, want.Bytes())
	}
	// Outside a batch: straight through, deadline included.
	_ = b.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := b.Write([]byte{0x81, 1, 'x'}); err != nil {
		t.Fatal(err)
	}
	if w, d := inner.writes.Load(), inner.deadlines.Load(); w != 2 || d != 2 {
		t.Fatalf("outside a batch: %d writes, %d deadlines, want 2 and 2", w, d)
	}
	// An empty batch writes nothing.
	b.begin()
	if err := b.flush(time.Now().Add(time.Second)); err != nil || inner.writes.Load() != 2 {
		t.Fatalf("empty batch: %v, %d writes", err, inner.writes.Load())
	}
}

// A frame written by another goroutine during a batch (the library's pong) joins the
// batch whole.
func TestBatchConnTakesConcurrentFramesWhole(t *testing.T) {
	srv, cli := tcpPair(t)
	b := &batchConn{Conn: srv}
	b.begin()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			_, _ = b.Write([]byte{0x8a, 0}) // an empty pong
		}
	}()
	for range 100 {
		_, _ = b.Write([]byte{0x81, 2, 'o', 'k'})
	}
	<-done
	if err := b.flush(time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 100*2+100*4)
	if _, err := io.ReadFull(cli, got); err != nil {
		t.Fatal(err)
	}
	pongs, texts := 0, 0
	for i := 0; i < len(got); {
		switch {
		case got[i] == 0x8a && got[i+1] == 0:
			pongs, i = pongs+1, i+2
		case got[i] == 0x81 && got[i+1] == 2 && string(got[i+2:i+4]) == "ok":
			texts, i = texts+1, i+4
		default:
			t.Fatalf("torn frame at byte %d: % x", i, got[i:min(i+8, len(got))])
		}
	}
	if pongs != 100 || texts != 100 {
		t.Fatalf("%d pongs and %d texts, want 100 each", pongs, texts)
	}
}
