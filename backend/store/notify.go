package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"

	"sluice/backend/ent"
)

// Notification channels. A notification only wakes a listener; the tables are the truth
// (the events table for ChannelEvents, the casbin_rules table for ChannelPolicy).
const (
	// ChannelEvents carries the last event sequence a transaction wrote.
	ChannelEvents = "sluice_events"
	// ChannelPolicy says the Casbin policy table changed.
	ChannelPolicy = "sluice_policy"
)

// Channel is the PostgreSQL channel of name for this store. NOTIFY reaches every session
// of the database, whatever its schema, so a Sluice in a schema other than public (a
// second deployment in the same database, each test) listens and notifies on
// "<name>:<schema>": another's sequence numbers must not reach this one's hub, which
// takes a notified seq as committed. In public the name is kept as it always was.
func (s *Store) Channel(name string) string {
	if s.schema == "" || s.schema == "public" {
		return name
	}
	return name + ":" + s.schema
}

// Note is one notification made by a committed transaction. Channel is the name
// (ChannelEvents, …), not the PostgreSQL channel.
type Note struct {
	Channel string
	Payload string
}

// txState is what Store.Tx knows about a transaction it runs, found by Notify and the
// journal through the *ent.Tx.
type txState struct {
	store *Store
	mu    sync.Mutex
	notes []Note
	// locked are the orders whose lock the transaction holds (LockOrders).
	locked map[int]bool
}

// running maps each *ent.Tx opened by Store.Tx to its txState.
var running sync.Map

func stateOf(tx *ent.Tx) *txState {
	if v, ok := running.Load(tx); ok {
		return v.(*txState)
	}
	return nil
}

// OnCommit registers fn to be called after every successful Store.Tx commit, once per
// Notify the transaction made (the journal notifies ChannelEvents whenever it wrote
// events). fn runs in the committing goroutine, after the commit: it must not block
// (signal a channel and return). This is the in-process fan-out; other instances learn
// of the same commits by PostgreSQL LISTEN on the same channels.
func (s *Store) OnCommit(fn func(Note)) {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	var hs []func(Note)
	if p := s.hooks.Load(); p != nil {
		hs = append(hs, *p...)
	}
	hs = append(hs, fn)
	s.hooks.Store(&hs)
}

func (s *Store) committed(st *txState) {
	if len(st.notes) == 0 {
		return
	}
	p := s.hooks.Load()
	for _, n := range st.notes {
		if n.Channel == ChannelEvents && s.Dialect == dialect.Postgres {
			s.ann.send(s, n.Payload)
		}
		if p != nil {
			for _, fn := range *p {
				fn(n)
			}
		}
	}
}

// announcer tells the other instances that events committed, after the commit and off
// the writer's path: pg_notify inside a transaction takes a lock every notifying
// transaction queues on from just before its commit until the commit is durable, which
// alone serialised the writers' commits. One goroutine sends the notifications in
// order, each in a transaction of its own with nothing else to make durable. A
// notification lost in a crash right after a commit is made up by the hubs' poll.
type announcer struct {
	once sync.Once
	ch   chan string
	stop chan struct{}
	done chan struct{}
}

// announceBacklog is how many notifications may wait; past it the newest is dropped
// (the next one, or the poll, wakes the hubs as well).
const announceBacklog = 4096

func (a *announcer) send(s *Store, payload string) {
	a.once.Do(func() {
		a.ch, a.stop, a.done = make(chan string, announceBacklog), make(chan struct{}), make(chan struct{})
		go a.run(s)
	})
	select {
	case a.ch <- payload:
	default:
	}
}

func (a *announcer) run(s *Store) {
	defer close(a.done)
	channel := s.Channel(ChannelEvents)
	for {
		var p string
		select {
		case <-a.stop:
			return
		case p = <-a.ch:
		}
		// Behind: the latest says as much as the ones before it.
		for len(a.ch) > 64 {
			p = <-a.ch
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, _ = s.DB.ExecContext(ctx, "SELECT pg_notify($1, $2)", channel, p)
		cancel()
	}
}

// close stops the goroutine, if it ever started.
func (a *announcer) close() {
	a.once.Do(func() {}) // none starts after this
	if a.stop != nil {
		close(a.stop)
		<-a.done
	}
}

// Notify announces, once tx commits, a notification on channel: on PostgreSQL with
// pg_notify inside tx (delivered to every listening instance at commit, never on
// rollback), and in-process to the OnCommit hooks. Payloads stay small (ids, sequence
// numbers: PostgreSQL caps them at 8000 bytes). For a transaction not run by Store.Tx it
// does nothing.
func Notify(ctx context.Context, tx *ent.Tx, channel, payload string) error {
	st := stateOf(tx)
	if st == nil {
		return nil
	}
	if st.store.Dialect == dialect.Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_notify($1, $2)", st.store.Channel(channel), payload); err != nil {
			return fmt.Errorf("store: notify %s: %w", channel, err)
		}
	}
	st.note(Note{channel, payload})
	return nil
}

func (st *txState) note(n Note) {
	st.mu.Lock()
	st.notes = append(st.notes, n)
	st.mu.Unlock()
}

// hooks of a Store (kept apart from the struct literal so Open stays as it was).
type commitHooks struct {
	hookMu sync.Mutex
	hooks  atomic.Pointer[[]func(Note)]
}
