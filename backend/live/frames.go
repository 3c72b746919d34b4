package live

import (
	"bufio"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// textFrame frames payload as one final, unmasked text frame (RFC 6455 §5.2), as a
// server sends it. An event is framed once per dispatch and the same bytes go to every
// socket that gets it.
func textFrame(payload []byte) []byte {
	n := len(payload)
	var f []byte
	switch {
	case n < 126:
		f = append(make([]byte, 0, 2+n), 0x81, byte(n))
	case n <= 0xffff:
		f = binary.BigEndian.AppendUint16(append(make([]byte, 0, 4+n), 0x81, 126), uint16(n))
	default:
		f = binary.BigEndian.AppendUint64(append(make([]byte, 0, 10+n), 0x81, 127), uint64(n))
	}
	return append(f, payload...)
}

// frameConn is the connection under gorilla's Conn. The library writes through it the
// control frames and the few text messages before the live stream; the hub writes the
// event frames itself with send, a socket's events of one dispatch in one write(2).
//
// With thousands of sockets on a board, a delivery is worth one system call and little
// else: send tries the write at once and sets a write deadline (a runtime timer, set,
// then fired or reset) only when the kernel cannot take all the bytes now. The library
// sets a deadline before each of its own frames; Write applies it, and send clears it
// before writing without one.
//
// Frames never interleave: every data frame (the library's text messages and the hub's
// batches) is written under client.wmu, and the library writes each control frame in one
// call, which mu keeps whole.
type frameConn struct {
	net.Conn
	raw syscall.RawConn // nil when the connection has no descriptor: send then always waits

	mu       sync.Mutex
	deadline time.Time // the library's, for its next write
	armed    bool      // a deadline may be on the connection
	sys      sysCalls  // see room_linux.go
}

// newFrameConn wraps c; a TCP connection keeps its descriptor for send's writes.
func newFrameConn(c net.Conn) *frameConn {
	f := &frameConn{Conn: c}
	if tc, ok := c.(*net.TCPConn); ok {
		f.raw, _ = tc.SyscallConn()
	}
	f.initSys()
	return f
}

// SetWriteDeadline keeps the library's deadline for its next Write.
func (f *frameConn) SetWriteDeadline(t time.Time) error {
	f.mu.Lock()
	f.deadline = t
	f.mu.Unlock()
	return nil
}

func (f *frameConn) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.Conn.SetWriteDeadline(f.deadline); err != nil {
		return 0, err
	}
	f.armed = !f.deadline.IsZero()
	return f.Conn.Write(p)
}

// send writes b, whole frames, in one write if the kernel takes it at once, and
// otherwise waits at most wait for the rest.
func (f *frameConn) send(b []byte, wait time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.raw != nil {
		if f.armed {
			if err := f.Conn.SetWriteDeadline(time.Time{}); err != nil {
				return err
			}
			f.armed = false
		}
		n, err := f.writeNow(b)
		if err != nil {
			return err
		}
		if b = b[n:]; len(b) == 0 {
			return nil
		}
	}
	if err := f.Conn.SetWriteDeadline(time.Now().Add(wait)); err != nil {
		return err
	}
	f.armed = true
	_, err := f.Conn.Write(b)
	return err
}

// framing wraps the connection a handler hijacks in a frameConn, for the upgrader.
type framing struct {
	http.ResponseWriter
	conn *frameConn
}

func (w *framing) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("live: the response writer cannot be hijacked")
	}
	c, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn = newFrameConn(c)
	return w.conn, rw, nil
}
