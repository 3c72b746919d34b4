package periodic

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoopRunsAtOnceThenEveryUntilStopped(t *testing.T) {
	var l Loop
	var n atomic.Int64
	first := make(chan time.Time, 1)
	t0 := time.Now()
	l.Start(context.Background(), 20*time.Millisecond, func(context.Context) {
		if n.Add(1) == 1 {
			first <- time.Now()
		}
	})
	l.Start(context.Background(), time.Millisecond, func(context.Context) { t.Error("a second Start ran its pass") })
	if at := <-first; at.Sub(t0) > 15*time.Millisecond {
		t.Errorf("first pass after %s, want at once", at.Sub(t0))
	}
	for n.Load() < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := l.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	stopped := n.Load()
	time.Sleep(60 * time.Millisecond)
	if n.Load() != stopped {
		t.Fatalf("%d passes after Stop", n.Load()-stopped)
	}
}

func TestLoopStopWaitsForThePassAtMostUntilCtx(t *testing.T) {
	var l Loop
	running, release := make(chan struct{}), make(chan struct{})
	l.Start(context.Background(), time.Hour, func(context.Context) {
		close(running)
		<-release
	})
	<-running
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := l.Stop(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Stop during a stuck pass: %v, want the deadline", err)
	}
	close(release)
	if err := l.Stop(context.Background()); err != nil {
		t.Fatalf("Stop after the pass ended: %v", err)
	}
	var idle Loop
	if err := idle.Stop(context.Background()); err != nil {
		t.Fatalf("Stop without Start: %v", err)
	}
}
