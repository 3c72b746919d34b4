package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"sluice/backend/ent"
)

// Group commit on SQLite. SQLite has one writer, and every write transaction used to pay
// a commit (an fsync) of its own and a hand-over of the one connection from the request
// that finished to the next one (a goroutine to wake on a busy machine, while the
// writer's lock is held). Now one goroutine, the committer, owns the writer: it runs the
// transactions that are waiting one after another inside one database transaction, each
// in a savepoint of its own, and commits them together. Each caller is answered only
// once that shared commit is durable (or failed), so nothing is acknowledged that a
// crash could lose; a transaction whose fn fails is rolled back to its savepoint alone
// and the others go on.
//
// A batch that breaks through no fault of the waiting transactions (SQLite rolled the
// whole transaction back under a failing statement, an interrupted one, a savepoint
// that could not be released) is rolled back and the transactions that had succeeded
// in it are run again in a fresh one: Tx's contract already asks fn to be re-runnable
// (PostgreSQL re-runs it after a lost connection or a deadlock).
//
// The first transaction of a batch takes no savepoint (if it fails, the whole
// transaction is rolled back), so a transaction that runs alone issues the same
// statements as before: BEGIN, its own, COMMIT.

// groupMax bounds the transactions committed together: past about a dozen the commit's
// cost is spread thin already, and the first one waits for all of them.
const groupMax = 16

// errClosed answers a transaction asked for after Close.
var errClosed = errors.New("store: closed")

type groupJob struct {
	ctx  context.Context
	fn   func(*ent.Tx) error
	st   *txState
	err  error
	pnc  any // a panic in fn, raised again in the caller's goroutine
	done chan struct{}
}

func (j *groupJob) finish(err error) {
	j.err = err
	close(j.done)
}

type committer struct {
	once sync.Once
	jobs chan *groupJob // unbuffered: a waiting sender is a transaction that wants in
	stop chan struct{}
	done chan struct{}
	// commits and committed count the batches committed and the transactions in them.
	commits, committed atomic.Int64
	// rerun counts the transactions run again after a batch broke under them (tests).
	rerun atomic.Int64
}

// GroupStats says how many commits the SQLite writer made and how many transactions
// they held (on PostgreSQL, 0 and 0: each transaction commits alone).
func (s *Store) GroupStats() (commits, transactions int64) {
	return s.group.commits.Load(), s.group.committed.Load()
}

// groupTx is Tx on SQLite: fn runs on the committer's goroutine, in the batch it joins.
func (s *Store) groupTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	g := &s.group
	g.once.Do(func() {
		g.jobs, g.stop, g.done = make(chan *groupJob), make(chan struct{}), make(chan struct{})
		go s.commitLoop(nil)
	})
	j := &groupJob{ctx: ctx, fn: fn, st: &txState{store: s}, done: make(chan struct{})}
	select {
	case g.jobs <- j:
	case <-g.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once taken, a job is always answered: after its batch commits or fails.
	<-j.done
	if j.pnc != nil {
		panic(j.pnc)
	}
	return j.err
}

// close stops the committer after the batch it is running, if it ever started.
func (g *committer) close() {
	g.once.Do(func() {}) // none starts after this
	if g.stop != nil {
		close(g.stop)
		<-g.done
	}
}

// commitLoop runs the batches: first todo, then whatever arrives, until Close.
func (s *Store) commitLoop(todo []*groupJob) {
	g := &s.group
	for {
		for len(todo) > 0 {
			todo = s.batch(todo)
		}
		select {
		case <-g.stop:
			close(g.done)
			return
		case j := <-g.jobs:
			todo = []*groupJob{j}
		}
	}
}

// batch runs todo, then the transactions waiting meanwhile (up to groupMax in all), in
// one database transaction, and commits it. It answers every job it ran but the ones
// that must run again (a batch that broke under them): those it returns, before any
// job of todo it did not reach.
func (s *Store) batch(todo []*groupJob) []*groupJob {
	tx, err := s.Client.Tx(context.Background())
	if err != nil {
		for _, j := range todo {
			j.finish(fmt.Errorf("store: begin: %w", err))
		}
		return nil
	}
	var ok []*groupJob // ran and succeeded: answered after the commit
	var cur *groupJob  // the job whose fn runs
	ran := 0
	next := func() *groupJob {
		if len(todo) > 0 {
			j := todo[0]
			todo = todo[1:]
			return j
		}
		if ran >= groupMax {
			return nil
		}
		select {
		case j := <-s.group.jobs:
			return j
		default:
			return nil
		}
	}
	// broken rolls the batch back and hands back, to run again, the jobs that had
	// succeeded in it and those not reached.
	broken := func() []*groupJob {
		_ = tx.Rollback()
		running.Delete(tx)
		again := make([]*groupJob, 0, len(ok)+len(todo))
		for _, j := range ok {
			j.st = &txState{store: s}
			again = append(again, j)
		}
		s.group.rerun.Add(int64(len(ok)))
		return append(again, todo...)
	}
	// An fn that calls runtime.Goexit (a test's t.FailNow) ends this goroutine: the
	// batch is rolled back, that job answered, and a new committer carries on.
	returned := false
	defer func() {
		if !returned {
			again := broken()
			if cur != nil {
				cur.finish(errors.New("store: the transaction's function exited its goroutine (runtime.Goexit)"))
			}
			go s.commitLoop(again)
		}
	}()
	for cur = next(); cur != nil; cur = next() {
		j := cur
		if err := j.ctx.Err(); err != nil {
			j.finish(err)
			continue
		}
		ran++
		if len(ok) == 0 {
			// The first of the batch: no savepoint; its failure rolls back the whole
			// transaction, which holds nothing else.
			if s.member(tx, j) == nil {
				ok = append(ok, j)
				continue
			}
			_ = tx.Rollback()
			running.Delete(tx)
			j.finish(j.err)
			returned = true
			return todo
		}
		sp := "g" + strconv.Itoa(ran)
		if _, err := tx.ExecContext(j.ctx, "SAVEPOINT "+sp); err != nil {
			j.finish(fmt.Errorf("store: savepoint: %w", err))
			continue
		}
		err := s.member(tx, j)
		if err == nil {
			if _, err = tx.ExecContext(context.Background(), "RELEASE "+sp); err == nil {
				ok = append(ok, j)
				continue
			}
			j.err = fmt.Errorf("store: release savepoint: %w", err)
		}
		// j failed: undo it alone. If that cannot be done, the transaction holds j's
		// half-made change: none of it may commit.
		_, e1 := tx.ExecContext(context.Background(), "ROLLBACK TO "+sp)
		_, e2 := tx.ExecContext(context.Background(), "RELEASE "+sp)
		j.finish(j.err)
		if e1 != nil || e2 != nil {
			returned = true
			return broken()
		}
	}
	returned = true
	running.Delete(tx)
	if len(ok) == 0 {
		_ = tx.Rollback()
		return nil
	}
	if err := tx.Commit(); err != nil {
		for _, j := range ok {
			j.finish(fmt.Errorf("store: commit: %w", err))
		}
		return nil
	}
	s.group.commits.Add(1)
	s.group.committed.Add(int64(len(ok)))
	for _, j := range ok {
		s.committed(j.st)
		j.finish(nil)
	}
	return todo
}

// member runs one job's fn in tx and records its outcome on j (not yet answered).
func (s *Store) member(tx *ent.Tx, j *groupJob) (err error) {
	running.Store(tx, j.st)
	defer func() {
		if p := recover(); p != nil {
			j.pnc = p
			err = fmt.Errorf("store: panic in a transaction: %v", p)
		}
		j.err = err
	}()
	return j.fn(tx)
}
