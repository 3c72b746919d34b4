package reporting

import (
	"context"
	"net/http"
	"time"

	"sluice/backend/buildinfo"
	"sluice/backend/ent"
	"sluice/backend/ent/order"
	"sluice/backend/ent/task"
	"sluice/backend/service"
	"sluice/backend/store"
)

// SystemStatus is what the admin status page shows.
type SystemStatus struct {
	Build    buildinfo.Info    `json:"build"`
	Started  time.Time         `json:"started_at"`
	Uptime   float64           `json:"uptime_seconds"`
	Database DatabaseStatus    `json:"database"`
	Orders   map[string]int    `json:"orders"` // by status
	Tasks    TaskStatus        `json:"tasks"`
	Counts   map[string]int    `json:"counts"`      // users, departments, definitions, audit_entries, events
	Backup   *store.BackupInfo `json:"last_backup"` // null when none is recorded
}

// DatabaseStatus describes the database.
type DatabaseStatus struct {
	Dialect       string `json:"dialect"` // sqlite | postgres
	URL           string `json:"url"`     // password masked
	SchemaVersion int64  `json:"schema_version"`
	LatestVersion int64  `json:"latest_schema_version"` // the newest this binary knows
	AuditSeq      int64  `json:"audit_seq"`
	EventSeq      int64  `json:"event_seq"`
}

// TaskStatus summarises the open review tasks.
type TaskStatus struct {
	Open             int     `json:"open"`
	OldestAgeSeconds float64 `json:"oldest_age_seconds"` // 0 when none is open
}

var startedAt = time.Now().UTC()

// Status reports the system's state to holders of users.manage or audit.read.
func (s *Reporting) Status(ctx context.Context, a service.Actor) (*SystemStatus, error) {
	if !s.CanCompanyWide(a, "users.manage") && !s.CanCompanyWide(a, "audit.read") {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.see_status", nil)
	}
	r := s.Store.Read
	st := &SystemStatus{Build: buildinfo.Get(), Started: startedAt, Uptime: time.Since(startedAt).Seconds(),
		Orders: map[string]int{}, Counts: map[string]int{}}
	name := s.Store.Dialect
	if name == "sqlite3" {
		name = "sqlite"
	}
	st.Database = DatabaseStatus{Dialect: name, URL: store.Redact(s.Store.URL), LatestVersion: store.LatestVersion()}
	var err error
	if st.Database.SchemaVersion, err = s.Store.SchemaVersion(ctx); err != nil {
		return nil, err
	}
	if a, e, err := s.Store.Heads(ctx); err == nil {
		st.Database.AuditSeq, st.Database.EventSeq = a, e
	}
	var byStatus []struct {
		Status string `json:"status"`
		Count  int    `json:"count"`
	}
	if err := r.Order.Query().GroupBy(order.FieldStatus).Aggregate(ent.Count()).Scan(ctx, &byStatus); err != nil {
		return nil, err
	}
	for _, b := range byStatus {
		st.Orders[b.Status] = b.Count
	}
	open := r.Task.Query().Where(task.Status("open"))
	if st.Tasks.Open, err = open.Clone().Count(ctx); err != nil {
		return nil, err
	}
	if st.Tasks.Open > 0 {
		if oldest, err := open.Clone().Order(task.ByCreatedAt()).First(ctx); err == nil {
			st.Tasks.OldestAgeSeconds = time.Since(oldest.CreatedAt).Seconds()
		}
	}
	for name, q := range map[string]func(context.Context) (int, error){
		"users":         r.User.Query().Count,
		"departments":   r.Department.Query().Count,
		"definitions":   r.Definition.Query().Count,
		"audit_entries": r.AuditEntry.Query().Count,
		"events":        r.Event.Query().Count,
	} {
		if st.Counts[name], err = q(ctx); err != nil {
			return nil, err
		}
	}
	if st.Backup, err = s.Store.LastBackup(ctx); err != nil {
		return nil, err
	}
	return st, nil
}
