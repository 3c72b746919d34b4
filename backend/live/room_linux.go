package live

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// unsent reports the bytes written to the socket and not yet acknowledged by the peer
// (SIOCOUTQ), or ok=false when that cannot be told.
func unsent(rc syscall.RawConn) (n int, ok bool) {
	var err error
	if cerr := rc.Control(func(fd uintptr) { n, err = unix.IoctlGetInt(int(fd), unix.TIOCOUTQ) }); cerr != nil || err != nil {
		return 0, false
	}
	return n, true
}

// writeNow writes what of b the kernel takes without waiting (the socket is
// non-blocking) and reports how much that was. It goes through Control, which only
// pins the descriptor: RawConn.Write would also take the descriptor's write lock and
// reset its poller state, which the caller (holding frameConn.mu) does not need and
// which costs, with thousands of sockets, a cache miss each.
func writeNow(rc syscall.RawConn, b []byte) (int, error) {
	var n int
	var err error
	cerr := rc.Control(func(fd uintptr) {
		for {
			if n, err = unix.Write(int(fd), b); !errors.Is(err, unix.EINTR) {
				return
			}
		}
	})
	switch {
	case cerr != nil:
		return 0, cerr
	case errors.Is(err, unix.EAGAIN):
		return 0, nil
	case err != nil:
		return 0, err
	}
	return n, nil
}
