package store

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"reflect"
)

// SQLite parses and plans a statement each time it is prepared, and database/sql runs
// each query of the ORM as prepare, step, finalize: a fifth of the server's CPU on a
// review action went to parsing the same few dozen statements again. So every SQLite
// connection keeps its prepared statements (the least recently used beyond
// stmtCacheSize are finalized). PostgreSQL needs none of this: pgx caches statements
// itself.

const stmtCacheSize = 256

// cachingConnector opens connections of base that keep their prepared statements (the
// driver documents this way of wrapping its connections).
type cachingConnector struct {
	base driver.Connector
	size int
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, errors.New("store: the SQLite driver's connection lacks a method the statement cache needs")
	}
	return &cachingConn{sqliteConn: sc, size: c.size, stmts: map[string]*list.Element{}}, nil
}

func (c cachingConnector) Driver() driver.Driver { return c.base.Driver() }

// sqliteConn is what the driver's connection offers and database/sql uses.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is one connection and its statements. database/sql uses a connection from
// one goroutine at a time, but a caller may run a statement again while the rows of its
// previous run are still open: such a run gets a statement of its own (busy).
type cachingConn struct {
	sqliteConn
	size     int
	stmts    map[string]*list.Element // of *cachedStmt, most recently used in front
	lru      list.List
	prepares int // statements prepared for the cache (tests read it)
}

type cachedStmt struct {
	query string
	stmt  contextStmt
	busy  bool // its rows are open
}

// contextStmt is what a statement of the driver offers and the cache uses.
type contextStmt interface {
	driver.Stmt
	driver.StmtQueryContext
	driver.StmtExecContext
}

// statement returns the cached statement of query, preparing it if new; nil when it is
// busy (the caller runs query uncached).
func (c *cachingConn) statement(ctx context.Context, query string) (*cachedStmt, error) {
	if el, ok := c.stmts[query]; ok {
		c.lru.MoveToFront(el)
		cs := el.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		return cs, nil
	}
	prepared, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := prepared.(contextStmt)
	if !ok {
		prepared.Close()
		return nil, nil
	}
	c.prepares++
	cs := &cachedStmt{query: query, stmt: st}
	c.stmts[query] = c.lru.PushFront(cs)
	c.evict()
	return cs, nil
}

// evict finalizes the least recently used idle statements beyond the cache's size.
func (c *cachingConn) evict() {
	for el := c.lru.Back(); el != nil && len(c.stmts) > c.size; {
		prev := el.Prev()
		if cs := el.Value.(*cachedStmt); !cs.busy {
			cs.stmt.Close()
			c.lru.Remove(el)
			delete(c.stmts, cs.query)
		}
		el = prev
	}
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, release: func() { cs.busy = false }}, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return cs.stmt.ExecContext(ctx, args)
}

// Unwrap is the driver's own connection (its helpers look through wrappers this way).
func (c *cachingConn) Unwrap() driver.Conn { return c.sqliteConn }

func (c *cachingConn) Close() error {
	for el := c.lru.Front(); el != nil; el = el.Next() {
		el.Value.(*cachedStmt).stmt.Close()
	}
	clear(c.stmts)
	c.lru.Init()
	return c.sqliteConn.Close()
}

// cachedRows are the rows of a cached statement: closing them frees the statement for
// the next run. The column type methods database/sql looks for are passed on.
type cachedRows struct {
	driver.Rows
	release func()
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if r.release != nil {
		r.release()
		r.release = nil
	}
	return err
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypeNullable(i int) (bool, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
