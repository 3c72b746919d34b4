package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
)

var (
	// ErrUnavailable says the database could not be reached, or the connection was lost
	// before anything was committed: nothing was written and the request may be repeated.
	ErrUnavailable = errors.New("store: the database is unavailable")
	// ErrCommitUnknown says the connection was lost while committing: the change may or
	// may not have been saved.
	ErrCommitUnknown = errors.New("store: the connection was lost while committing; the change may or may not be saved")

	// errLost marks an attempt of Tx that lost its connection before committing.
	errLost = errors.New("connection lost")
)

// ConnLost reports whether err means the connection to the database is gone or could
// not be made (as opposed to a refusal by the database, a bug or a cancelled context):
// the driver's bad-connection signals, PostgreSQL's connection-exception class (08) and
// server shutdown codes (57P01 admin_shutdown is what pg_terminate_backend sends), and
// network errors.
func ConnLost(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, ErrCommitUnknown) || errors.Is(err, errLost) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || pgconn.SafeToRetry(err) ||
		errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED)
}

// readConnector opens the PostgreSQL reader pool's connections. A read sent on a
// connection the server has already closed (a restart, pg_terminate_backend) fails with
// 57P01 or a network error, which database/sql does not retry; said as
// driver.ErrBadConn, the connection is discarded and the read runs on another (a new
// one after two failures). Only reads use this pool, so running one again is safe.
type readConnector struct{ driver.Connector }

func (c readConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if sc, ok := conn.(*stdlib.Conn); ok && err == nil {
		return readConn{sc}, nil
	}
	return conn, err
}

// readConn is a pgx connection whose lost-connection errors say ErrBadConn.
type readConn struct{ *stdlib.Conn }

func (c readConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.Conn.QueryContext(ctx, query, args)
	if err != nil && ctx.Err() == nil && ConnLost(err) {
		return nil, driver.ErrBadConn
	}
	return rows, err
}

// DatabaseError reports whether err came from the database or its driver: a statement
// the server refused, a lost connection, a finished transaction, an injected fault.
// Code that calls out (a plugin) and gets such an error back must abort the
// transaction, never turn it into an outcome of its own.
func DatabaseError(err error) bool {
	if err == nil {
		return false
	}
	var se *sqlite.Error
	var pe *pgconn.PgError
	return errors.Is(err, ErrInjected) || errors.As(err, &se) || errors.As(err, &pe) || ConnLost(err) ||
		errors.Is(err, sql.ErrTxDone) || errors.Is(err, sql.ErrConnDone)
}
