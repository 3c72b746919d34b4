package lifecycle

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHooks(t *testing.T) {
	var h Hooks
	var mu sync.Mutex
	var order []string
	rec := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	both := make(chan struct{})
	// Two OnShutdown hooks that each wait for the other: they must run concurrently.
	h.OnShutdown("a", func(ctx context.Context) error { rec("a"); both <- struct{}{}; return nil })
	h.OnShutdown("b", func(ctx context.Context) error {
		select {
		case <-both:
		case <-time.After(2 * time.Second):
			return errors.New("a never ran alongside")
		}
		rec("b")
		return nil
	})
	h.AfterDrain("first", func(ctx context.Context) error { rec("first"); return nil })
	h.AfterDrain("second", func(ctx context.Context) error { rec("second"); return errors.New("flush failed") })
	h.AfterDrain("third", func(ctx context.Context) error { panic("boom") })
	if err := h.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := h.Drained(context.Background())
	if err == nil || !strings.Contains(err.Error(), "shutdown hook second: flush failed") || !strings.Contains(err.Error(), "third panicked") {
		t.Fatalf("errors: %v", err)
	}
	if got := strings.Join(order, " "); got != "a b second first" {
		t.Fatalf("order %q", got)
	}
	var nilHooks *Hooks
	nilHooks.OnShutdown("x", nil)
	if nilHooks.Shutdown(context.Background()) != nil || nilHooks.Drained(context.Background()) != nil {
		t.Fatal("nil hooks")
	}
}
