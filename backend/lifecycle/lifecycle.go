// Package lifecycle lets parts of the server take part in a graceful shutdown. On
// SIGTERM `sluice serve` marks itself not ready, stops accepting connections and, while
// the requests in flight finish, runs the OnShutdown hooks (close websockets with
// "going away", so clients resume on another instance); once the requests are done it
// runs the AfterDrain hooks (flush the outbox worker, stop timers), then closes the
// database and exits.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Hook is one step of the shutdown; it should return when ctx ends at the latest.
type Hook func(ctx context.Context) error

type named struct {
	name string
	fn   Hook
}

// Hooks collects shutdown steps. The zero value is ready to use; a nil *Hooks accepts
// registrations and ignores them (handy in tests that build a server without one).
type Hooks struct {
	mu         sync.Mutex
	onShutdown []named
	afterDrain []named
}

// OnShutdown registers fn to run as soon as the shutdown begins, concurrently with the
// draining of requests in flight (hijacked connections such as websockets are not
// drained by net/http: close them here).
func (h *Hooks) OnShutdown(name string, fn Hook) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.onShutdown = append(h.onShutdown, named{name, fn})
}

// AfterDrain registers fn to run once every request in flight has finished, before the
// database closes (flush queues here). These run in reverse order of registration.
func (h *Hooks) AfterDrain(name string, fn Hook) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.afterDrain = append(h.afterDrain, named{name, fn})
}

// Shutdown runs the OnShutdown hooks concurrently and waits for them.
func (h *Hooks) Shutdown(ctx context.Context) error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	hooks := append([]named(nil), h.onShutdown...)
	h.mu.Unlock()
	errs := make([]error, len(hooks))
	var wg sync.WaitGroup
	for i, n := range hooks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = call(ctx, n)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Drained runs the AfterDrain hooks one after another, last registered first.
func (h *Hooks) Drained(ctx context.Context) error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	hooks := append([]named(nil), h.afterDrain...)
	h.mu.Unlock()
	var errs []error
	for i := len(hooks) - 1; i >= 0; i-- {
		errs = append(errs, call(ctx, hooks[i]))
	}
	return errors.Join(errs...)
}

func call(ctx context.Context, n named) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("shutdown hook %s panicked: %v", n.name, p)
		}
	}()
	if err := n.fn(ctx); err != nil {
		return fmt.Errorf("shutdown hook %s: %w", n.name, err)
	}
	return nil
}
