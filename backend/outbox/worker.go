package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"sync"
	"time"

	"sluice/backend/ent"
	"sluice/backend/ent/outboxmessage"
	"sluice/backend/ent/predicate"
	"sluice/backend/periodic"
	"sluice/backend/store"
)

// Options tune a Worker; the zero value is usable.
type Options struct {
	Every time.Duration // pause between passes (default 2s)
	Batch int           // messages claimed per round (default 20)
	// Lease keeps other workers off a claimed message; it must outlast one delivery
	// (the senders' timeouts are 30s), default 2m.
	Lease time.Duration
	// Backoff is the delay after the first failure, doubling with each further one up
	// to MaxBackoff (defaults 30s and 1h); the actual delay is drawn from its upper half.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Unconfigured is how long a message waits when its channel has no settings (1m).
	Unconfigured time.Duration
	Owner        string           // this instance's name in claims (default host-pid-random)
	Now          func() time.Time // the clock; tests inject one
	// Rand draws the jitter (default: seeded from the clock); tests pass a seeded one.
	Rand    *mrand.Rand
	Log     *slog.Logger
	Metrics *Metrics
}

// Worker claims due messages and delivers them through the channel's Sender.
type Worker struct {
	st      *store.Store
	senders map[string]Sender
	o       Options

	rmu sync.Mutex // guards o.Rand

	loop periodic.Loop
}

// NewWorker returns a worker over st delivering with senders (by channel); Start runs it.
func NewWorker(st *store.Store, senders map[string]Sender, o Options) *Worker {
	if o.Every <= 0 {
		o.Every = 2 * time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 20
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Backoff <= 0 {
		o.Backoff = 30 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.Unconfigured <= 0 {
		o.Unconfigured = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), uint64(os.Getpid())))
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
	return &Worker{st: st, senders: senders, o: o}
}

// Owner is the name this worker claims messages under.
func (w *Worker) Owner() string { return w.o.Owner }

// Lease describes the outbox table to store.Claim.
var Lease = store.Leased{Table: outboxmessage.Table, ID: outboxmessage.FieldID, Due: outboxmessage.FieldNextAt,
	Status: outboxmessage.FieldStatus, Pending: Pending, Holder: outboxmessage.FieldClaimedBy, Until: outboxmessage.FieldClaimedUntil}

// Claim leases up to limit pending messages due at now to the worker (store.Claim): a
// message is held by one worker until its lease ends, so two workers never deliver it
// at the same time.
func (w *Worker) Claim(ctx context.Context, now time.Time, limit int) ([]*ent.OutboxMessage, error) {
	_, msgs, err := w.claim(ctx, now, limit)
	return msgs, err
}

// claim is Claim that also returns the lease, which recording a delivery needs.
func (w *Worker) claim(ctx context.Context, now time.Time, limit int) (store.Lease, []*ent.OutboxMessage, error) {
	l, err := w.st.Claim(ctx, Lease, w.o.Owner, now, w.o.Lease, limit)
	if err != nil || len(l.IDs) == 0 {
		return l, nil, err
	}
	msgs, err := w.st.Client.OutboxMessage.Query().Where(outboxmessage.IDIn(l.IDs...)).
		Order(outboxmessage.ByNextAt(), outboxmessage.ByID()).All(ctx)
	return l, msgs, err
}

// Pass delivers every message due now (several rounds of Batch) and reports how many
// were sent.
func (w *Worker) Pass(ctx context.Context) (int, error) {
	sent := 0
	for {
		now := w.o.Now()
		l, msgs, err := w.claim(ctx, now, w.o.Batch)
		if err != nil {
			return sent, err
		}
		for _, m := range msgs {
			ok, err := w.deliver(ctx, l, m)
			if err != nil {
				if ctx.Err() != nil {
					return sent, ctx.Err()
				}
				// the result could not be recorded: the lease runs out and the message
				// is delivered again (at least once)
				w.o.Log.Error("outbox: recording a delivery failed", "message", m.ID, "err", err)
			}
			if ok {
				sent++
			}
		}
		if len(msgs) < w.o.Batch || ctx.Err() != nil {
			return sent, ctx.Err()
		}
	}
}

// deliver sends one message claimed by l and records the outcome, conditional on l
// still holding it (an expired lease taken by another worker is theirs to record).
func (w *Worker) deliver(ctx context.Context, l store.Lease, m *ent.OutboxMessage) (bool, error) {
	s, ok := w.senders[m.Channel]
	var err error
	start := time.Now()
	if !ok {
		err = Permanent(fmt.Errorf("no sender for channel %q", m.Channel))
	} else {
		err = s.Send(ctx, m)
	}
	took := time.Since(start)
	now := w.o.Now().UTC()
	// The result is recorded even when ctx ended meanwhile (a shutdown deadline): a
	// sent message left unrecorded would go out again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	upd := func(fn func(u *ent.OutboxMessageUpdate)) error {
		return w.st.Tx(rctx, func(tx *ent.Tx) error {
			u := tx.OutboxMessage.Update().Where(predicate.OutboxMessage(Lease.Held(l, m.ID))).SetClaimedBy("").ClearClaimedUntil()
			fn(u)
			n, err := u.Save(rctx)
			if err == nil && n == 0 {
				w.o.Log.Warn("outbox: the claim ran out before the result was recorded", "message", m.ID)
			}
			return err
		})
	}
	switch {
	case err == nil:
		w.o.Metrics.delivered(m.Channel, "sent", took, now.Sub(m.CreatedAt))
		w.o.Log.Info("outbox: delivered", "message", m.ID, "channel", m.Channel, "key", m.Key, "attempt", m.Attempts+1)
		return true, upd(func(u *ent.OutboxMessageUpdate) {
			u.SetStatus(Sent).SetSentAt(now).AddAttempts(1).SetLastError("")
		})
	case ctx.Err() != nil:
		// Cut short by our own stop, not the receiver: release the claim, keep the
		// attempt.
		return false, upd(func(u *ent.OutboxMessageUpdate) {})
	case errors.Is(err, ErrNotConfigured):
		// Not the message's fault: it waits for the settings without spending attempts.
		w.o.Metrics.delivered(m.Channel, "unconfigured", took, 0)
		return false, upd(func(u *ent.OutboxMessageUpdate) {
			u.SetLastError(err.Error()).SetNextAt(now.Add(w.o.Unconfigured))
		})
	}
	attempts := m.Attempts + 1
	msg := truncate(err.Error(), 1000)
	if IsPermanent(err) || attempts >= m.MaxAttempts {
		w.o.Metrics.delivered(m.Channel, "dead", took, 0)
		w.o.Log.Warn("outbox: message is dead", "message", m.ID, "channel", m.Channel, "attempts", attempts, "err", msg)
		return false, upd(func(u *ent.OutboxMessageUpdate) {
			u.SetStatus(Dead).SetAttempts(attempts).SetLastError(msg)
		})
	}
	delay := w.backoff(attempts)
	w.o.Metrics.delivered(m.Channel, "retry", took, 0)
	w.o.Log.Warn("outbox: delivery failed; retrying", "message", m.ID, "channel", m.Channel, "attempt", attempts, "in", delay.Round(time.Second), "err", msg)
	return false, upd(func(u *ent.OutboxMessageUpdate) {
		u.SetAttempts(attempts).SetLastError(msg).SetNextAt(now.Add(delay))
	})
}

// backoff is the delay after the n-th failed attempt: Backoff·2^(n-1) capped at
// MaxBackoff, drawn from its upper half so that messages that failed together (a mail
// server down) do not all come back in the same second.
func (w *Worker) backoff(n int) time.Duration {
	d := w.o.Backoff
	for i := 1; i < n && d < w.o.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.o.MaxBackoff)
	w.rmu.Lock()
	j := time.Duration(w.o.Rand.Int64N(int64(d/2) + 1))
	w.rmu.Unlock()
	return d/2 + j
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Start runs passes in the background until Stop: the first at once (messages left
// from before a restart), then one every Options.Every.
func (w *Worker) Start(ctx context.Context) {
	w.loop.Start(ctx, w.o.Every, func(ctx context.Context) {
		if _, err := w.Pass(ctx); err != nil && ctx.Err() == nil {
			w.o.Log.Error("outbox pass", "err", err)
		}
	})
}

// Stop ends the background loop, then runs one last pass so that what the final
// requests enqueued goes out before the process exits; ctx bounds that pass (a message
// it cannot finish stays pending, delivered after the next start). It fits
// lifecycle.Hooks.AfterDrain.
func (w *Worker) Stop(ctx context.Context) error {
	if err := w.loop.Stop(ctx); err != nil {
		return err
	}
	n, err := w.Pass(ctx)
	if n > 0 {
		w.o.Log.Info("outbox: flushed on shutdown", "sent", n)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		w.o.Log.Warn("outbox: the shutdown deadline cut the final flush short; the rest is sent after the next start")
		return nil
	}
	return err
}
