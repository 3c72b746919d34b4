//go:build !linux

package live

import "syscall"

// unsent cannot be told here: the pump never writes to a socket itself and every event
// goes through the socket's writer.
func unsent(syscall.RawConn) (int, bool) { return 0, false }

// writeNow leaves every write to the deadline path here.
func writeNow(syscall.RawConn, []byte) (int, error) { return 0, nil }
