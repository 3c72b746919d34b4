// Package serverproc runs the sluice binary as a child process for the commands that
// drive it over HTTP (sluice-bench, sluice-soak): start `serve` on a free loopback port,
// wait for /readyz, stop it politely (SIGTERM) or kill it (SIGKILL, no goodbye).
package serverproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options says how to start one server.
type Options struct {
	Bin     string   // the sluice binary
	DB      string   // --db URL
	Demo    bool     // --demo
	Env     []string // added to the environment (after os.Environ())
	LogPath string   // stdout and stderr go here (appended: a restarted server keeps its history)
	Ready   time.Duration
}

// Server is one running `sluice serve`.
type Server struct {
	Cmd     *exec.Cmd
	Base    string // http://127.0.0.1:port
	Addr    string // 127.0.0.1:port
	LogPath string
	done    chan struct{} // closed when the process has exited
	waitErr error

	stopOnce sync.Once
}

// ErrInterrupted is returned when ctx ended while waiting for the server.
var ErrInterrupted = errors.New("interrupted")

// FreeAddr asks the kernel for an unused loopback address.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Start runs `bin serve` on a free port and waits until /readyz answers 200.
func Start(ctx context.Context, o Options) (*Server, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, fmt.Errorf("free port: %w", err)
	}
	return StartAt(ctx, o, addr)
}

// StartAt is Start on a given address (a restarted instance keeps its address).
func StartAt(ctx context.Context, o Options, addr string) (*Server, error) {
	s, err := Launch(o, addr)
	if err != nil {
		return nil, err
	}
	if err := s.WaitReady(ctx, o.Ready); err != nil {
		s.Kill()
		return nil, err
	}
	return s, nil
}

// Launch starts the process without waiting for it to be ready.
func Launch(o Options, addr string) (*Server, error) {
	logf, err := os.OpenFile(o.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--addr", addr, "--db", o.DB}
	if o.Demo {
		args = append(args, "--demo")
	}
	cmd := exec.Command(o.Bin, args...)
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", o.Bin, err)
	}
	s := &Server{Cmd: cmd, Base: "http://" + addr, Addr: addr, LogPath: o.LogPath, done: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	return s, nil
}

// WaitReady polls /readyz until it answers 200, the process exits, ctx ends or d
// (default 90 s) passes.
func (s *Server) WaitReady(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		d = 90 * time.Second
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(d)
	for {
		select {
		case <-s.done:
			return fmt.Errorf("server exited before it was ready (%v)%s", s.waitErr, s.LogTail())
		case <-ctx.Done():
			return ErrInterrupted
		default:
		}
		resp, err := hc.Get(s.Base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server not ready after %s%s", d, s.LogTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop sends SIGTERM, waits up to 10s for a clean exit, then kills. Safe to call twice.
func (s *Server) Stop() {
	if s == nil {
		return
	}
	s.stopOnce.Do(func() {
		select {
		case <-s.done:
			return
		default:
		}
		_ = s.Cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = s.Cmd.Process.Kill()
			<-s.done
		}
	})
}

// Kill sends SIGKILL (no graceful shutdown) and waits for the process to be gone.
func (s *Server) Kill() {
	if s == nil {
		return
	}
	_ = s.Cmd.Process.Kill()
	<-s.done
}

// Exited reports whether the process has ended (nil while it runs).
func (s *Server) Exited() error {
	select {
	case <-s.done:
		return fmt.Errorf("server exited during the run (%v)%s", s.waitErr, s.LogTail())
	default:
		return nil
	}
}

// LogTail is the end of the server's output, for error messages.
func (s *Server) LogTail() string {
	b, err := os.ReadFile(s.LogPath)
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return ""
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return "\n--- server output (tail) ---\n" + strings.TrimRight(string(b), "\n")
}
