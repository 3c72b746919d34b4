package store_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5"

	"sluice/backend/ent"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// A committed transaction that wrote events announces its last sequence once, after
// the commit: to the in-process hooks and, on PostgreSQL, to LISTENers of
// ChannelEvents. A rolled-back one announces nothing.
func TestCommitAnnouncesEvents(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var mu sync.Mutex
		var notes []store.Note
		s.OnCommit(func(n store.Note) {
			mu.Lock()
			notes = append(notes, n)
			mu.Unlock()
		})
		var listen *pgx.Conn
		if s.Dialect == dialect.Postgres {
			var err error
			if listen, err = pgx.Connect(ctx, s.URL); err != nil {
				t.Fatal(err)
			}
			defer listen.Close(ctx)
			for _, ch := range []string{store.ChannelEvents, store.ChannelPolicy} {
				if _, err := listen.Exec(ctx, "LISTEN "+pgx.Identifier{s.Channel(ch)}.Sanitize()); err != nil {
					t.Fatal(err)
				}
			}
		}
		write := func(s *store.Store, fail bool, events int) int64 {
			var last int64
			err := s.Tx(ctx, func(tx *ent.Tx) error {
				j, err := store.Begin(ctx, tx, "t")
				if err != nil {
					return err
				}
				for range events {
					if _, err = j.Event(ctx, "test", "admin", nil); err != nil {
						return err
					}
				}
				if err := j.Close(ctx); err != nil {
					return err
				}
				if seqs := j.EventSeqs(); len(seqs) > 0 {
					last = seqs[len(seqs)-1]
				}
				if fail {
					return errors.New("roll back")
				}
				return nil
			})
			if fail != (err != nil) {
				t.Fatalf("fail=%v: %v", fail, err)
			}
			return last
		}
		first := write(s, false, 2)
		write(s, true, 1)  // rolled back: nothing
		write(s, false, 0) // no events: nothing
		if s.Dialect == dialect.Postgres {
			// Another Sluice in another schema of the same database (other suites run
			// at the same time, too): its notifications are not ours.
			write(storetest.Postgres(t), false, 3)
		}
		second := write(s, false, 1)
		if err := s.Tx(ctx, func(tx *ent.Tx) error {
			return store.Notify(ctx, tx, store.ChannelPolicy, "")
		}); err != nil {
			t.Fatal(err)
		}
		want := []store.Note{{store.ChannelEvents, strconv.FormatInt(first, 10)}, {store.ChannelEvents, strconv.FormatInt(second, 10)}, {store.ChannelPolicy, ""}}
		mu.Lock()
		got := append([]store.Note(nil), notes...)
		mu.Unlock()
		if len(got) != len(want) {
			t.Fatalf("in-process notes %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("in-process notes %v, want %v", got, want)
			}
		}
		if listen == nil {
			return
		}
		mine := func(d time.Duration) (store.Note, error) {
			wctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			for {
				n, err := listen.WaitForNotification(wctx)
				if err != nil {
					return store.Note{}, err
				}
				return store.Note{Channel: n.Channel, Payload: n.Payload}, nil
			}
		}
		// Events are announced after their commit by one goroutine (the announcer), the
		// policy inside its transaction: each channel keeps its order, the two channels
		// do not keep theirs between them.
		var pg []store.Note
		for range want {
			n, err := mine(5 * time.Second)
			if err != nil {
				t.Fatalf("waiting for %v (got %v): %v", want, pg, err)
			}
			pg = append(pg, n)
		}
		for _, channel := range []string{store.ChannelEvents, store.ChannelPolicy} {
			var got, exp []store.Note
			for _, n := range pg {
				if n.Channel == s.Channel(channel) {
					got = append(got, n)
				}
			}
			for _, w := range want {
				if w.Channel == channel {
					exp = append(exp, store.Note{Channel: s.Channel(channel), Payload: w.Payload})
				}
			}
			if !slices.Equal(got, exp) {
				t.Fatalf("notifications %v, want on %s %v", pg, channel, exp)
			}
		}
		if n, err := mine(300 * time.Millisecond); err == nil {
			t.Fatalf("unexpected notification %v", n)
		}
	})
}
