//go:build !linux

package main

import (
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// watch reads every socket's messages until each was quiet for quiet (stop is not
// needed: the walk keeps them busy until it ends), calling got for each, one call at a time (a goroutine per socket; the Linux
// build reads them all on one thread instead).
func watch(conns []*websocket.Conn, quiet time.Duration, stop func() bool, got func(i int, msg []byte, at time.Time)) error {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, c := range conns {
		if c == nil {
			continue
		}
		wg.Go(func() {
			for {
				_ = c.SetReadDeadline(time.Now().Add(quiet))
				_, b, err := c.ReadMessage()
				if err != nil {
					return // closed, or quiet (a timed-out conn cannot be read again)
				}
				now := time.Now()
				mu.Lock()
				got(i, b, now)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return nil
}
