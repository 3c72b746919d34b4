package live

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// batchConn lets a socket's frames go out in one write(2): between begin and flush,
// whatever gorilla/websocket writes (one call per frame) is collected instead of sent.
// A send costs far more than its bytes (a system call, a TCP segment, the peer's
// wake-up), so an action that puts two events on a board costs each watcher one send.
// Outside a batch, writes go straight through. Frames written by other goroutines
// during a batch (the library's pong and close replies) join it whole: the library
// writes each frame in one call and never two at once.
type batchConn struct {
	net.Conn
	mu  sync.Mutex
	buf []byte
	on  bool
}

var batchBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	if b.on {
		b.buf = append(b.buf, p...)
		b.mu.Unlock()
		return len(p), nil
	}
	b.mu.Unlock()
	return b.Conn.Write(p)
}

// SetWriteDeadline is left to flush while collecting (the library sets it before every
// frame, a runtime timer change each time).
func (b *batchConn) SetWriteDeadline(t time.Time) error {
	b.mu.Lock()
	on := b.on
	b.mu.Unlock()
	if on {
		return nil
	}
	return b.Conn.SetWriteDeadline(t)
}

// begin starts collecting frames.
func (b *batchConn) begin() {
	b.mu.Lock()
	b.on = true
	b.buf = (*batchBufs.Get().(*[]byte))[:0]
	b.mu.Unlock()
}

// flush sends what was collected in one write, within deadline, and stops collecting.
func (b *batchConn) flush(deadline time.Time) error {
	b.mu.Lock()
	buf := b.buf
	b.buf, b.on = nil, false
	b.mu.Unlock()
	var err error
	if len(buf) > 0 {
		if err = b.Conn.SetWriteDeadline(deadline); err == nil {
			_, err = b.Conn.Write(buf)
		}
	}
	if cap(buf) <= 64<<10 { // an occasional big batch is not kept for every socket
		batchBufs.Put(&buf)
	}
	return err
}

// abort drops what was collected and stops collecting (the socket failed).
func (b *batchConn) abort() {
	b.mu.Lock()
	buf := b.buf
	b.buf, b.on = nil, false
	b.mu.Unlock()
	batchBufs.Put(&buf)
}

// batching wraps the connection a handler hijacks in a batchConn, for the upgrader.
type batching struct {
	http.ResponseWriter
	conn *batchConn
}

func (w *batching) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("live: the response writer cannot be hijacked")
	}
	c, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn = &batchConn{Conn: c}
	return w.conn, rw, nil
}
