package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"runtime"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/sys/unix"
)

// pollNap is how often watch looks for readable sockets.
const pollNap = 200 * time.Microsecond

// watch reads the text messages of every socket on one OS thread until stop reports
// true and nothing arrived for quiet, calling got for each with the time the kernel
// received it (i: the socket's index; always from that one thread). It takes the
// sockets over: their net.Conns are closed and their descriptors read directly.
//
// The sockets stand for ten thousand browsers on ten thousand machines, yet here they
// share the server's two cores, so watch keeps out of the server's way while it sends:
//   - its thread runs at the lowest priority;
//   - no goroutine per socket (a scheduler round trip and a frame decode per delivery);
//   - it polls epoll every pollNap rather than sleeping in epoll_wait, so the server's
//     send never has to wake this thread (an interrupt to the other core);
//   - while sockets keep becoming readable it only notes which; it reads them once a
//     poll finds nothing new, and the arrival time of each message is the kernel's
//     receive timestamp (SO_TIMESTAMPNS), not the moment it was read.
func watch(conns []*websocket.Conn, quiet time.Duration, stop func() bool, got func(i int, msg []byte, at time.Time)) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// The lowest CPU priority for this thread (a Linux thread has its own nice value):
	// browsers on other machines take none of the server's CPU, and the arrival times are
	// the kernel's, stamped in the sender's context, so reading late changes no figure.
	if err := unix.Setpriority(unix.PRIO_PROCESS, 0, 19); err != nil {
		return fmt.Errorf("lower the reader's priority: %w", err)
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("epoll: %w", err)
	}
	defer unix.Close(ep)
	socks := map[int32]*wsock{}
	defer func() {
		for fd := range socks {
			unix.Close(int(fd))
		}
	}()
	for i, c := range conns {
		if c == nil {
			continue
		}
		fd, err := takeFD(c)
		if err != nil {
			return err
		}
		socks[int32(fd)] = &wsock{i: i, fd: fd}
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
			return fmt.Errorf("SO_TIMESTAMPNS: %w", err)
		}
		// Edge-triggered: a socket is reported once per arrival, read or not.
		if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(fd)}); err != nil {
			return fmt.Errorf("epoll_ctl: %w", err)
		}
	}
	evs := make([]unix.EpollEvent, 1024)
	buf := make([]byte, 64<<10)
	oob := make([]byte, 128)
	nap := unix.Timespec{Nsec: int64(pollNap)}
	var ready []*wsock
	last := time.Now()
	for len(socks) > 0 {
		n, err := unix.EpollWait(ep, evs, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("epoll_wait: %w", err)
		}
		for _, ev := range evs[:n] {
			if s := socks[ev.Fd]; s != nil && !s.ready {
				s.ready = true
				ready = append(ready, s)
			}
		}
		switch {
		case n > 0:
			last = time.Now() // still arriving: look again after a nap
		case len(ready) > 0:
			for _, s := range ready {
				s.ready = false
				if !s.read(buf, oob, got) {
					unix.Close(s.fd) // also leaves the epoll set
					delete(socks, int32(s.fd))
				}
			}
			ready = ready[:0]
			continue
		case time.Since(last) > quiet && stop():
			return nil
		}
		_ = unix.Nanosleep(&nap, nil)
	}
	return nil
}

// takeFD duplicates the socket's descriptor (still non-blocking: the flag belongs to the
// shared file description) and closes the net.Conn, so that Go's poller no longer
// watches it and only watch reads it.
func takeFD(c *websocket.Conn) (int, error) {
	tc, ok := c.NetConn().(*net.TCPConn)
	if !ok {
		return 0, errors.New("watch: not a TCP connection")
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return 0, err
	}
	fd := -1
	var derr error
	if err := rc.Control(func(raw uintptr) { fd, derr = unix.Dup(int(raw)) }); err != nil {
		return 0, err
	}
	if derr != nil {
		return 0, fmt.Errorf("dup: %w", derr)
	}
	tc.Close()
	return fd, nil
}

// wsock is one socket's frame reader (RFC 6455 server frames: never masked).
type wsock struct {
	i       int
	fd      int
	partial []byte // an incomplete frame carried over from the last read
	msg     []byte // a fragmented message being reassembled
	ready   bool   // reported readable and not read since
}

// read drains what is readable and hands every complete text message to got with the
// kernel's receive time of the read; false when the socket is finished (closed by the
// server, or failed).
func (s *wsock) read(buf, oob []byte, got func(int, []byte, time.Time)) bool {
	for {
		n, oobn, _, _, err := unix.Recvmsg(s.fd, buf, oob, 0)
		if errors.Is(err, unix.EAGAIN) {
			return true
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n == 0 {
			return false
		}
		at := arrival(oob[:oobn])
		data := buf[:n]
		if len(s.partial) > 0 {
			s.partial = append(s.partial, data...)
			data = s.partial
		}
		rest, ok := s.frames(data, at, got)
		if !ok {
			return false
		}
		s.partial = append(s.partial[:0], rest...)
		if n < len(buf) {
			return true
		}
	}
}

// arrival is the receive timestamp in a recvmsg's control data (for TCP: of the last
// segment read), or now when there is none.
func arrival(oob []byte) time.Time {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err == nil {
		for _, m := range msgs {
			if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= 16 {
				sec := int64(binary.NativeEndian.Uint64(m.Data[0:8]))
				nsec := int64(binary.NativeEndian.Uint64(m.Data[8:16]))
				return time.Unix(sec, nsec)
			}
		}
	}
	return time.Now()
}

// frames consumes the complete frames in b and returns what is left of an incomplete one.
func (s *wsock) frames(b []byte, now time.Time, got func(int, []byte, time.Time)) ([]byte, bool) {
	for len(b) >= 2 {
		fin, op := b[0]&0x80 != 0, b[0]&0x0f
		size, h := uint64(b[1]&0x7f), 2
		switch size {
		case 126:
			if len(b) < 4 {
				return b, true
			}
			size, h = uint64(binary.BigEndian.Uint16(b[2:])), 4
		case 127:
			if len(b) < 10 {
				return b, true
			}
			size, h = binary.BigEndian.Uint64(b[2:]), 10
		}
		if b[1]&0x80 != 0 || size > 1<<24 {
			return nil, false // a server never masks; nor does Sluice send 16 MiB events
		}
		if uint64(len(b)-h) < size {
			return b, true
		}
		payload := b[h : h+int(size)]
		b = b[h+int(size):]
		switch op {
		case websocket.TextMessage, 0: // text, or its continuation
			if fin && len(s.msg) == 0 {
				got(s.i, payload, now)
				continue
			}
			s.msg = append(s.msg, payload...)
			if fin {
				got(s.i, s.msg, now)
				s.msg = s.msg[:0]
			}
		case websocket.PingMessage:
			s.pong(payload)
		case websocket.CloseMessage:
			return nil, false
		}
	}
	return b, true
}

// pong answers a ping (client frames are masked; a zero mask keeps the payload as is).
func (s *wsock) pong(payload []byte) {
	f := append([]byte{0x80 | websocket.PongMessage, 0x80 | byte(len(payload)), 0, 0, 0, 0}, payload...)
	_, _ = unix.Write(s.fd, f)
}
