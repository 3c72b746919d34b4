package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
)

// Fault injection, for tests: a Store opened with OpenFaulty runs every statement of
// every pool through a Faults, which can be armed to fail the Nth statement from now
// (or every kth). "Statement" means each round trip the application asks for: BEGIN, a
// query, an exec, a prepare, COMMIT. A failed BEGIN begins nothing; a failed COMMIT
// rolls the transaction back (a commit the server never confirmed); a failed query or
// exec is never sent. Production code never opens one.

// ErrInjected is the error an injected fault returns.
var ErrInjected = errors.New("store: injected fault")

// Faults counts the statements of a store and fails the ones it is armed for.
type Faults struct {
	mu    sync.Mutex
	seen  int  // statements since Arm
	nth   int  // fail statement number nth (0: none)
	every int  // fail each every-th statement (0: none)
	hit   bool // a fault was injected since Arm
	count int  // faults injected since Arm
}

// Arm fails the nth statement from now (n ≥ 1), once.
func (f *Faults) Arm(n int) { f.set(n, 0) }

// ArmEvery fails every kth statement from now until Disarm.
func (f *Faults) ArmEvery(k int) { f.set(0, k) }

// Disarm lets every statement through.
func (f *Faults) Disarm() { f.set(0, 0) }

func (f *Faults) set(nth, every int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen, f.nth, f.every, f.hit, f.count = 0, nth, every, false, 0
}

// Hit says whether a fault was injected since the last Arm.
func (f *Faults) Hit() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hit
}

// Injected is how many faults were injected since the last Arm.
func (f *Faults) Injected() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.count
}

// Seen is how many statements ran since the last Arm.
func (f *Faults) Seen() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen
}

// next counts a statement and says whether it must fail.
func (f *Faults) next(what string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen++
	if (f.nth > 0 && f.seen == f.nth) || (f.every > 0 && f.seen%f.every == 0) {
		f.hit = true
		f.count++
		return fmt.Errorf("%w (statement %d: %s)", ErrInjected, f.seen, what)
	}
	return nil
}

// OpenFaulty opens rawURL like Open, with every connection of every pool counted and
// failed by f. Tests only.
func OpenFaulty(ctx context.Context, rawURL string, f *Faults) (*Store, error) {
	return open(ctx, rawURL, func(c driver.Connector) driver.Connector { return faultConnector{c, f} })
}

type faultConnector struct {
	base driver.Connector
	f    *Faults
}

func (c faultConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &faultConn{Conn: conn, f: c.f}, nil
}

func (c faultConnector) Driver() driver.Driver { return c.base.Driver() }

// faultConn passes everything on to the driver's connection, failing what f says. The
// optional interfaces the connection lacks answer as database/sql expects of a driver
// without them.
type faultConn struct {
	driver.Conn
	f *Faults
}

func (c *faultConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.f.next(query); err != nil {
		return nil, err
	}
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

func (c *faultConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.f.next("BEGIN"); err != nil {
		return nil, err
	}
	b, ok := c.Conn.(driver.ConnBeginTx)
	if !ok {
		return nil, errors.New("store: the driver's connection cannot begin a transaction with options")
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return faultTx{tx, c.f}, nil
}

func (c *faultConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	if err := c.f.next(query); err != nil {
		return nil, err
	}
	return e.ExecContext(ctx, query, args)
}

func (c *faultConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	if err := c.f.next(query); err != nil {
		return nil, err
	}
	return q.QueryContext(ctx, query, args)
}

func (c *faultConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *faultConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *faultConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *faultConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

type faultTx struct {
	driver.Tx
	f *Faults
}

func (t faultTx) Commit() error {
	if err := t.f.next("COMMIT"); err != nil {
		if rb := t.Tx.Rollback(); rb != nil {
			return errors.Join(err, rb)
		}
		return err
	}
	return t.Tx.Commit()
}
