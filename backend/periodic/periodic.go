// Package periodic runs a pass in the background at once and then at an interval, until
// stopped: the outbox worker and the reminder scheduler both work this way (the first
// pass at start picks up what fell due while the server was down).
package periodic

import (
	"context"
	"sync"
	"time"
)

// Loop is one background loop; the zero value is ready. It runs once: Start after Stop
// does nothing.
type Loop struct {
	mu      sync.Mutex
	started bool
	stop    context.CancelFunc
	done    chan struct{}
}

// Start runs pass in a goroutine at once, then every after each pass ends, until Stop is
// called or ctx ends. Calls after the first do nothing.
func (l *Loop) Start(ctx context.Context, every time.Duration, pass func(context.Context)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.started {
		return
	}
	l.started = true
	ctx, l.stop = context.WithCancel(ctx)
	l.done = make(chan struct{})
	go func() {
		defer close(l.done)
		t := time.NewTimer(0)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			pass(ctx)
			t.Reset(every)
		}
	}()
}

// Stop ends the loop and waits for the pass in progress, at most until ctx ends (then it
// returns ctx's error). Without a Start it returns nil at once.
func (l *Loop) Stop(ctx context.Context) error {
	l.mu.Lock()
	stop, done := l.stop, l.done
	l.mu.Unlock()
	if stop == nil {
		return nil
	}
	stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
