package live

import (
	"sort"
	"sync"
	"time"
)

// commitClock remembers when this instance learned that recent transactions committed
// (in-process right after the commit returned, from another instance when its
// notification arrived), so a live delivery can carry committed_at: how fresh it is.
//
// A mark (seq, t) says every event up to seq had committed by t. Sequences are handed
// out in commit order, so the first mark at or after an event's seq is a time its
// transaction had committed by: never earlier than the commit itself.
type commitClock struct {
	mu    sync.Mutex
	marks []commitMark // ascending seq
}

type commitMark struct {
	seq int64
	at  time.Time
}

// maxMarks bounds the marks kept while nothing dispatches (the oldest go first).
const maxMarks = 4096

// mark records that events up to seq had committed by at. A mark not beyond the newest
// one adds nothing (that one's time is earlier and still true).
func (k *commitClock) mark(seq int64, at time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if n := len(k.marks); n > 0 && seq <= k.marks[n-1].seq {
		return
	}
	if len(k.marks) >= maxMarks {
		k.marks = append(k.marks[:0], k.marks[maxMarks/2:]...)
	}
	k.marks = append(k.marks, commitMark{seq, at})
}

// committed returns, for each seq (ascending), the time its transaction had committed
// by, or the zero time when no mark covers it (found by the poll, say); then forgets
// the marks up to the last of seqs.
func (k *commitClock) committed(seqs []int64) []time.Time {
	out := make([]time.Time, len(seqs))
	if len(seqs) == 0 {
		return out
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	i := 0
	for j, s := range seqs {
		i += sort.Search(len(k.marks)-i, func(n int) bool { return k.marks[i+n].seq >= s })
		if i < len(k.marks) {
			out[j] = k.marks[i].at
		}
	}
	last := seqs[len(seqs)-1]
	drop := sort.Search(len(k.marks), func(n int) bool { return k.marks[n].seq > last })
	k.marks = append(k.marks[:0], k.marks[drop:]...)
	return out
}
