package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"sluice/backend/cmd/internal/serverproc"
	"sluice/backend/cmd/sluice-bench/peer"
)

// The two-approval lifecycle: submitted → approval 1 → approval 2 → end, in Sluice (the
// demo's complaint flow at a low severity: triage, then resolve, both by customer
// service) over HTTP on a fresh server, then the same flow in go-workflows on SQLite
// (package peer), back to back, with as many clients for as long.
type lifecycleResult struct {
	Path   string      `json:"path"`
	Sluice phaseResult `json:"sluice"`
	Peer   phaseResult `json:"go_workflows"`
	Ratio  float64     `json:"sluice_to_go_workflows"`
}

const lifecycleActor = "service"

func measureLifecycles(ctx context.Context, bin, dir string, orderBody []byte, clients int, d time.Duration, logf func(string, ...any)) (lifecycleResult, error) {
	var res lifecycleResult
	s, err := serverproc.Start(ctx, serverproc.Options{Bin: bin, DB: "sqlite://" + filepath.Join(dir, "lifecycle.db"), Demo: true,
		Env: []string{"SLUICE_ADMIN_PASSWORD=" + adminPassword, "SLUICE_LOG_LEVEL=warn"}, LogPath: filepath.Join(dir, "lifecycle-server.log")})
	if err != nil {
		if err == serverproc.ErrInterrupted {
			return res, errInterrupted
		}
		return res, err
	}
	srv := &server{Server: s, base: s.Base}
	defer srv.stop()
	a := newAPI(srv.base, clients)
	defer a.close()
	clerk, err := a.token(ctx, submitter)
	if err != nil {
		return res, err
	}
	tok, err := a.token(ctx, lifecycleActor)
	if err != nil {
		return res, err
	}
	parent, err := a.submit(ctx, clerk, orderBody)
	if err != nil {
		return res, fmt.Errorf("the complaints' order: %w", err)
	}
	body, _ := json.Marshal(map[string]any{"flow": "aftersales-complaint", "parent": parent.ID,
		"data": map[string]any{"description": "Delivered three days late", "severity": "low"}})

	// one complaint followed to its end shows the path every one takes
	o, err := a.submit(ctx, tok, body)
	if err != nil {
		return res, fmt.Errorf("submit a complaint: %w", err)
	}
	o, path, err := a.follow(ctx, o)
	if err != nil {
		return res, err
	}
	res.Path = pathString(path, o.Status)
	if len(path) != 2 || o.Status != "completed" {
		return res, fmt.Errorf("the complaint flow is not a two-approval lifecycle here: %s", res.Path)
	}

	logf("lifecycles: %d clients submit and approve twice in Sluice for %s (%s)", clients, d, res.Path)
	res.Sluice, err = timed(ctx, "sluice lifecycles", clients, d, nil, func(ctx context.Context, rec *recorder) bool {
		t0 := time.Now()
		o, err := a.submit(ctx, tok, body)
		for i := 0; err == nil && o.Status == "in_review" && i < 2; i++ {
			t, ok := nextTask(o)
			if !ok {
				err = fmt.Errorf("order %d in review without an open task", o.ID)
				break
			}
			o, err = a.approve(ctx, a.actor(t), t)
		}
		if err == nil && o.Status != "completed" {
			err = fmt.Errorf("order %d ended %s", o.ID, o.Status)
		}
		if err != nil {
			if ctx.Err() == nil {
				rec.fail(err)
			}
			return true
		}
		rec.success(time.Since(t0))
		return true
	})
	if err != nil {
		return res, err
	}
	if err := srv.exited(); err != nil {
		return res, err
	}
	a.close()
	srv.stop()

	logf("lifecycles: %d clients do the same in go-workflows (SQLite) for %s", clients, d)
	pr, err := peer.Lifecycles(ctx, filepath.Join(dir, "go-workflows.db"), clients, d)
	if err != nil {
		if ctx.Err() != nil {
			return res, errInterrupted
		}
		return res, fmt.Errorf("go-workflows: %w", err)
	}
	rec := &recorder{ok: len(pr.Latencies), lat: pr.Latencies}
	res.Peer = merge("go-workflows lifecycles", pr.Elapsed, []*recorder{rec})
	res.Peer.Errors = pr.Errors
	res.Peer.FirstError = pr.FirstErr
	if res.Peer.PerSecond > 0 {
		res.Ratio = res.Sluice.PerSecond / res.Peer.PerSecond
	}
	return res, nil
}
