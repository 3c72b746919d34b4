package live

import (
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
