//go:build !linux

package main

import "syscall"

func childAttr() *syscall.SysProcAttr { return nil }

// floorSockets: see proc_linux.go; elsewhere a count most systems allow.
func floorSockets() int { return 2000 }
