package inbound

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"sluice/backend/ent"
	"sluice/backend/ent/outboxmessage"
	"sluice/backend/i18n"
	"sluice/backend/outbox"
	"sluice/backend/service"
	"sluice/backend/store"
)

// OutboxMessageView is an outbox message as admins see it.
type OutboxMessageView struct {
	ID          int        `json:"id"`
	Key         string     `json:"key"`
	Channel     string     `json:"channel"`
	OrderID     *int       `json:"order_id"`
	Template    string     `json:"template"`
	Language    string     `json:"language"`
	Recipient   string     `json:"recipient"`
	Subject     string     `json:"subject"`
	Body        string     `json:"body"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	MaxAttempts int        `json:"max_attempts"`
	NextAt      time.Time  `json:"next_at"`
	LastError   string     `json:"last_error"`
	SentAt      *time.Time `json:"sent_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

func outboxView(m *ent.OutboxMessage) OutboxMessageView {
	v := OutboxMessageView{ID: m.ID, Key: m.Key, Channel: m.Channel, OrderID: m.OrderID, Template: m.Template, Language: m.Language,
		Recipient: m.Recipient, Subject: m.Subject, Body: m.Body, Status: m.Status, Attempts: m.Attempts, MaxAttempts: m.MaxAttempts,
		NextAt: m.NextAt.UTC(), LastError: m.LastError, CreatedAt: m.CreatedAt.UTC()}
	if m.SentAt != nil {
		t := m.SentAt.UTC()
		v.SentAt = &t
	}
	return v
}

// OutboxFilter selects outbox messages.
type OutboxFilter struct {
	Status string // pending | sent | dead; "" for all
	Cursor string
	Limit  int
}

// OutboxPage is one page of outbox messages, newest first.
type OutboxPage struct {
	Items      []OutboxMessageView `json:"items"`
	NextCursor string              `json:"next_cursor,omitempty"`
}

// canOutbox: the outbox holds customers' addresses and message bodies, so it is for
// admins (users.manage), like the rest of the system's plumbing.
func (s *Inbound) canOutbox(a service.Actor) error {
	if !s.CanCompanyWide(a, "users.manage") {
		return service.Refuse(http.StatusForbidden, "problem.forbidden.outbox", nil)
	}
	return nil
}

// ListOutbox lists outbox messages, newest first, with a cursor.
func (s *Inbound) ListOutbox(ctx context.Context, a service.Actor, f OutboxFilter) (*OutboxPage, error) {
	if err := s.canOutbox(a); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	q := s.Store.Read.OutboxMessage.Query()
	switch f.Status {
	case "":
	case outbox.Pending, outbox.Sent, outbox.Dead:
		q.Where(outboxmessage.Status(f.Status))
	default:
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.bad_status", nil, service.FieldErr("/status", "outbox.status", nil))
	}
	if c, err := service.ParseCursor(f.Cursor); err != nil {
		return nil, err
	} else if c > 0 {
		q.Where(outboxmessage.IDLT(c))
	}
	rows, err := q.Order(ent.Desc(outboxmessage.FieldID)).Limit(f.Limit + 1).All(ctx)
	if err != nil {
		return nil, err
	}
	page := &OutboxPage{Items: make([]OutboxMessageView, 0, len(rows))}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		page.NextCursor = strconv.Itoa(rows[len(rows)-1].ID)
	}
	for _, m := range rows {
		page.Items = append(page.Items, outboxView(m))
	}
	return page, nil
}

// RetryOutbox puts a dead message back to pending (attempts reset) and records who
// did it in the audit trail, in one transaction.
func (s *Inbound) RetryOutbox(ctx context.Context, a service.Actor, id int) (*OutboxMessageView, error) {
	if err := s.canOutbox(a); err != nil {
		return nil, err
	}
	var out OutboxMessageView
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		before, err := tx.OutboxMessage.Get(ctx, id)
		if ent.IsNotFound(err) {
			return service.Refuse(http.StatusNotFound, "problem.not_found.outbox_message", nil)
		}
		if err != nil {
			return err
		}
		if before.OrderID != nil {
			// the retry is noted on the order's audit chain: its lock first
			if _, err := s.LockForWrite(ctx, tx, *before.OrderID); err != nil && !ent.IsNotFound(err) {
				return err
			}
		}
		m, err := outbox.Retry(ctx, tx.Client(), id)
		if errors.Is(err, outbox.ErrNotDead) {
			return service.Refuse(http.StatusConflict, "problem.outbox_not_dead", i18n.Params{"ID": id, "Status": m.Status})
		}
		if err != nil {
			return err
		}
		out = outboxView(m)
		audit := store.Audit{Actor: a.Username, Action: "outbox.retry", Detail: map[string]any{
			"message": id, "key": m.Key, "channel": m.Channel, "recipient": m.Recipient,
			"attempts": before.Attempts, "last_error": before.LastError}}
		if m.OrderID != nil {
			audit.OrderID = *m.OrderID
		}
		return j.Audit(ctx, audit)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
