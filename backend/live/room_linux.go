package live

import (
	"errors"

	"golang.org/x/sys/unix"
)

// The descriptor calls below run through RawConn.Control, which only pins the
// descriptor (RawConn.Write would also take its write lock and reset its poller state,
// which the caller, holding frameConn.mu, does not need). Their closures are made once
// per connection (see sysCalls): one made per call escapes to the heap, and with ten
// thousand sockets per event that garbage brought the collector into the fan-outs.

// sysCalls are a connection's descriptor calls, with their arguments and results in
// fields (guarded by frameConn.mu).
type sysCalls struct {
	out         []byte // to write
	n, queued   int
	err         error
	write, outq func(fd uintptr)
}

func (f *frameConn) initSys() {
	f.sys.write = func(fd uintptr) {
		for {
			if f.sys.n, f.sys.err = unix.Write(int(fd), f.sys.out); !errors.Is(f.sys.err, unix.EINTR) {
				return
			}
		}
	}
	f.sys.outq = func(fd uintptr) { f.sys.queued, f.sys.err = unix.IoctlGetInt(int(fd), unix.TIOCOUTQ) }
}

// unsent reports the bytes written to the socket and not yet acknowledged by the peer
// (SIOCOUTQ), or ok=false when that cannot be told.
func (f *frameConn) unsent() (n int, ok bool) {
	if f.raw == nil {
		return 0, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.raw.Control(f.sys.outq); err != nil || f.sys.err != nil {
		return 0, false
	}
	return f.sys.queued, true
}

// writeNow writes what of b the kernel takes without waiting (the socket is
// non-blocking) and reports how much that was. The caller holds f.mu.
func (f *frameConn) writeNow(b []byte) (int, error) {
	f.sys.out = b
	defer func() { f.sys.out = nil }()
	if err := f.raw.Control(f.sys.write); err != nil {
		return 0, err
	}
	switch err := f.sys.err; {
	case errors.Is(err, unix.EAGAIN):
		return 0, nil
	case err != nil:
		return 0, err
	}
	return f.sys.n, nil
}
