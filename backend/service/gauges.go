package service

import (
	"context"
	"time"

	"sluice/backend/ent"
	"sluice/backend/ent/order"
	"sluice/backend/ent/task"
	"sluice/backend/ent/timer"
)

// Gauges is the state /metrics reports, read from the database at scrape time. A query
// that fails leaves its part empty (or unset) and counts in Failed.
type Gauges struct {
	Orders    []KeyCount  // orders by status (Key)
	OpenTasks []NodeQueue // open tasks by node
	// Timers by kind and status; Late: pending timers past due, by kind (Key). TimersRead
	// is false when the timer queries failed (then both are empty).
	Timers     []TimerCount
	Late       []KeyCount
	TimersRead bool
	Schema     *int64     // the database's schema version
	LastBackup *time.Time // when the newest recorded backup was taken (nil: none)
	Failed     int
}

// KeyCount is a number of rows with one key.
type KeyCount struct {
	Key   string
	Count int
}

// NodeQueue is a node's open tasks and when the oldest of them opened (Oldest is nil
// when its read failed).
type NodeQueue struct {
	Node   string
	Count  int
	Oldest *time.Time
}

// TimerCount is a number of timers of one kind and status.
type TimerCount struct {
	Kind, Status string
	Count        int
}

// ReadGauges reads the state /metrics reports (the reader: no lock is taken).
func (s *Service) ReadGauges(ctx context.Context, now time.Time) Gauges {
	var g Gauges
	var byStatus []struct {
		Status string `json:"status"`
		Count  int    `json:"count"`
	}
	if err := s.Store.Read.Order.Query().GroupBy(order.FieldStatus).Aggregate(ent.Count()).Scan(ctx, &byStatus); err == nil {
		for _, r := range byStatus {
			g.Orders = append(g.Orders, KeyCount{r.Status, r.Count})
		}
	} else {
		g.Failed++
	}
	var byNode []struct {
		NodeID string `json:"node_id"`
		Count  int    `json:"count"`
	}
	if err := s.Store.Read.Task.Query().Where(task.Status("open")).GroupBy(task.FieldNodeID).Aggregate(ent.Count()).Scan(ctx, &byNode); err == nil {
		for _, r := range byNode {
			q := NodeQueue{Node: r.NodeID, Count: r.Count}
			// the oldest open task per node: one indexed read per node with open tasks
			t, err := s.Store.Read.Task.Query().Where(task.Status("open"), task.NodeID(r.NodeID)).
				Order(task.ByCreatedAt()).Select(task.FieldCreatedAt).First(ctx)
			if err != nil {
				g.Failed++
			} else {
				q.Oldest = &t.CreatedAt
			}
			g.OpenTasks = append(g.OpenTasks, q)
		}
	} else {
		g.Failed++
	}
	s.readTimerGauges(ctx, now, &g)
	if v, err := s.Store.SchemaVersion(ctx); err == nil {
		g.Schema = &v
	} else {
		g.Failed++
	}
	if b, err := s.Store.LastBackup(ctx); err != nil {
		g.Failed++
	} else if b != nil {
		g.LastBackup = &b.At
	}
	return g
}

func (s *Service) readTimerGauges(ctx context.Context, now time.Time, g *Gauges) {
	type row struct {
		Kind   string `json:"kind"`
		Status string `json:"status"`
		Count  int    `json:"count"`
	}
	var all, late []row
	if err := s.Store.Read.Timer.Query().GroupBy(timer.FieldKind, timer.FieldStatus).Aggregate(ent.Count()).Scan(ctx, &all); err != nil {
		g.Failed++
		return
	}
	if err := s.Store.Read.Timer.Query().Where(timer.Status("pending"), timer.DueAtLTE(now)).
		GroupBy(timer.FieldKind).Aggregate(ent.Count()).Scan(ctx, &late); err != nil {
		g.Failed++
		return
	}
	g.TimersRead = true
	for _, r := range all {
		g.Timers = append(g.Timers, TimerCount{r.Kind, r.Status, r.Count})
	}
	for _, r := range late {
		g.Late = append(g.Late, KeyCount{r.Kind, r.Count})
	}
}
