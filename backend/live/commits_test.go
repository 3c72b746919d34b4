package live

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestCommitClock(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	var k commitClock
	k.mark(3, at(10)) // events 1–3 in one transaction
	k.mark(5, at(20)) // 4–5
	k.mark(4, at(25)) // a late notification of what is already marked: nothing new
	k.mark(5, at(30)) // the same commit heard again (LISTEN after in-process)
	k.mark(9, at(40)) // 6–9
	got := k.committed([]int64{2, 3, 4, 5, 6})
	want := []time.Time{at(10), at(10), at(20), at(20), at(40)}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Fatalf("committed(%d) = %v, want %v", []int64{2, 3, 4, 5, 6}[i], got[i], want[i])
		}
	}
	// 7–9 are still covered by the mark at 9; what is past every mark has no time.
	got = k.committed([]int64{8, 9, 10})
	if !got[0].Equal(at(40)) || !got[1].Equal(at(40)) || !got[2].IsZero() {
		t.Fatalf("after the first dispatch: %v", got)
	}
	if len(k.marks) != 0 {
		t.Fatalf("%d marks kept after dispatching past them all", len(k.marks))
	}
}

// Whatever the interleaving of marks, the time given for an event is that of the first
// mark at or after it, so never before its own commit; and the marks stay bounded.
func TestCommitClockNeverEarlierThanTheCommit(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2026))
	var k commitClock
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	commitAt := map[int64]time.Time{} // each event's true commit time
	var seq, dispatched int64
	now := t0
	for range 20000 {
		now = now.Add(time.Duration(rng.IntN(1000)) * time.Microsecond)
		switch rng.IntN(3) {
		case 0, 1: // a transaction with 1–4 events commits; heard once or twice
			n := int64(1 + rng.IntN(4))
			for s := seq + 1; s <= seq+n; s++ {
				commitAt[s] = now
			}
			seq += n
			k.mark(seq, now)
			if rng.IntN(2) == 0 {
				k.mark(seq, now.Add(time.Millisecond))
			}
		case 2: // the pump dispatches what has committed, in a batch or two
			var seqs []int64
			for s := dispatched + 1; s <= seq; s++ {
				seqs = append(seqs, s)
			}
			for i, ct := range k.committed(seqs) {
				if ct.IsZero() || ct.Before(commitAt[seqs[i]]) {
					t.Fatalf("seq %d committed at %v, given %v", seqs[i], commitAt[seqs[i]], ct)
				}
			}
			dispatched = seq
		}
		if len(k.marks) > maxMarks {
			t.Fatalf("%d marks kept", len(k.marks))
		}
	}
}
