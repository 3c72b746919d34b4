package main

import "golang.org/x/sys/unix"

// floorSockets bounds the loopback pairs measured: both ends live in this process, so
// a pair takes two descriptors of the process's limit (with some left for the rest).
// Fewer sockets than the server's would flatter the floor: ten thousand sockets' kernel
// state misses the caches more, and a round shorter than the peers' delayed
// acknowledgements (40 ms) leaves their cost out of it, as a real fan-out does not.
func floorSockets() int {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < 1024 {
		return 256
	}
	return int(min(lim.Cur, 1<<20)-256) / 2
}
