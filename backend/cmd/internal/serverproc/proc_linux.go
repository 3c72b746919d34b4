package serverproc

import "syscall"

// childAttr makes the kernel kill the server if the driving process dies without cleaning up.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
