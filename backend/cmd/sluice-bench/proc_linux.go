package main

import "syscall"

// childAttr makes the kernel kill the server if the bench process dies without cleaning up.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
