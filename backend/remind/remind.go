// Package remind is the reminders feature: the SLA timers of review tasks (remind,
// escalate, an automatic action), the cron schedules' digests (timers.go, digest.go),
// and the loop that claims due timers and fires each through the core, exactly once, in
// its own transaction. Timers are rows (written with the task that they belong to), so
// nothing is lost while no server runs: the first pass after a start fires whatever
// fell due meanwhile. Several instances may run the loop against one PostgreSQL: leases
// (store.Claim) spread the work and the conditional pending -> fired update makes each
// fire once. The feature attaches to the workflow core (backend/service), whose
// Reminders port it fills; it imports no other feature.
package remind

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"

	"sluice/backend/periodic"
)

// Options tune a Scheduler; the zero value is usable.
type Options struct {
	Every time.Duration    // pause between passes (default 2s)
	Batch int              // timers claimed per pass (default 100)
	Lease time.Duration    // how long a claim keeps other instances off (default 1m)
	Owner string           // this instance's name in claims (default host-pid-random)
	Now   func() time.Time // the clock (default time.Now); tests inject one
	Log   *slog.Logger
}

// Timers is what the loop needs of the service: claim due timers, fire one.
type Timers interface {
	ClaimTimers(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]int, error)
	FireTimer(ctx context.Context, id int, now time.Time, by string) (bool, error)
}

// Scheduler claims and fires due timers.
type Scheduler struct {
	svc  Timers
	o    Options
	loop periodic.Loop
}

// New returns a scheduler over svc; Start runs it.
func New(svc Timers, o Options) *Scheduler {
	if o.Every <= 0 {
		o.Every = 2 * time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		o.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	return &Scheduler{svc: svc, o: o}
}

// Pass claims the timers due now and fires them; it returns how many this pass fired.
// A timer whose effects fail stays pending and is retried when its lease runs out.
func (s *Scheduler) Pass(ctx context.Context) (int, error) {
	fired := 0
	for {
		now := s.o.Now()
		ids, err := s.svc.ClaimTimers(ctx, s.o.Owner, now, s.o.Lease, s.o.Batch)
		if err != nil {
			return fired, err
		}
		for _, id := range ids {
			ok, err := s.svc.FireTimer(ctx, id, now, s.o.Owner)
			if err != nil {
				if ctx.Err() != nil {
					return fired, ctx.Err()
				}
				s.o.Log.Error("timer failed; it will be retried", "timer", id, "err", err)
				continue
			}
			if ok {
				fired++
			}
		}
		if len(ids) < s.o.Batch || ctx.Err() != nil {
			return fired, ctx.Err()
		}
	}
}

// Start runs passes in the background until Stop: the first one at once (timers that
// fell due while the server was down), then one every Options.Every.
func (s *Scheduler) Start(ctx context.Context) {
	s.loop.Start(ctx, s.o.Every, func(ctx context.Context) {
		if n, err := s.Pass(ctx); err != nil && ctx.Err() == nil {
			s.o.Log.Error("reminder pass", "err", err)
		} else if n > 0 {
			s.o.Log.Debug("timers fired", "n", n)
		}
	})
}

// Stop ends the loop and waits for the pass in progress (at most until ctx ends). It
// fits lifecycle.Hooks.AfterDrain.
func (s *Scheduler) Stop(ctx context.Context) error { return s.loop.Stop(ctx) }
