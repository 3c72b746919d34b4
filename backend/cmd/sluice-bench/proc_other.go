//go:build !linux

package main

// floorSockets: see proc_linux.go; elsewhere a count most systems allow.
func floorSockets() int { return 2000 }
