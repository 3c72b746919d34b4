package main

import (
	"context"

	"sluice/backend/cmd/internal/serverproc"
)

// server is the sluice binary under test, running as a child process.
type server struct {
	*serverproc.Server
	base string // http://127.0.0.1:port
}

// startServer runs `bin serve --demo` on a fresh SQLite file in dir and waits for /readyz.
func startServer(ctx context.Context, bin, dir string) (*server, error) {
	s, err := serverproc.Start(ctx, serverproc.Options{Bin: bin, DB: "sqlite://" + dir + "/bench.db", Demo: true,
		Env: []string{"SLUICE_ADMIN_PASSWORD=" + adminPassword, "SLUICE_LOG_LEVEL=warn"}, LogPath: dir + "/server.log"})
	if err != nil {
		if err == serverproc.ErrInterrupted {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return &server{Server: s, base: s.Base}, nil
}

func (s *server) stop() {
	if s != nil {
		s.Stop()
	}
}

func (s *server) exited() error { return s.Exited() }

func (s *server) logTail() string { return s.LogTail() }

var errInterrupted = serverproc.ErrInterrupted
