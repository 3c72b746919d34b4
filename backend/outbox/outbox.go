// Package outbox delivers the effects of state changes that leave the database (an
// email to a customer, a signed webhook). A message is a row written by Enqueue in the
// transaction of the change that causes it, so a rolled-back change sends nothing and
// a committed one is never forgotten. The Worker claims due messages, delivers them
// outside any transaction, and records the result: sent, or rescheduled with
// exponential backoff, or dead once its attempts run out (an admin may Retry it).
// Delivery is at least once: the receiver sees the message's idempotency key
// (Idempotency-Key header, Message-ID) and drops repeats.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"sluice/backend/ent"
	"sluice/backend/ent/outboxmessage"
)

// Channels and statuses of a message.
const (
	Email   = "email"
	Webhook = "webhook"
	// Chat is a post to a chat service (a robot's webhook, LINE's push API), shaped by
	// the feature that enqueued it (backend/notify), whose Sender adds the service's
	// authentication at send time so no token is stored with the message.
	Chat = "chat"

	Pending = "pending"
	Sent    = "sent"
	Dead    = "dead"
)

// Message is what Enqueue writes.
type Message struct {
	// Key is the idempotency key the receiver sees; unique among all messages.
	Key      string
	Channel  string // Email or Webhook
	OrderID  int    // 0: not about an order
	Template string
	Language string
	// Recipient is an email address or a webhook URL.
	Recipient string
	Subject   string
	// Body is the text of an email, or the JSON document a webhook posts.
	Body    string
	Headers map[string]string
	// MaxAttempts overrides the configured default (see SetDefaultMaxAttempts) when > 0.
	MaxAttempts int
	// NotBefore delays the first attempt; zero means at once.
	NotBefore time.Time
}

// defaultMaxAttempts is the configured outbox.max_attempts. Enqueue runs inside
// plugins, which are registered globally and see no configuration, hence a package
// setting rather than a parameter.
var defaultMaxAttempts atomic.Int64

func init() { defaultMaxAttempts.Store(8) }

// SetDefaultMaxAttempts sets how many attempts new messages get (n ≥ 1).
func SetDefaultMaxAttempts(n int) {
	if n >= 1 {
		defaultMaxAttempts.Store(int64(n))
	}
}

// DefaultMaxAttempts is the number of attempts new messages get.
func DefaultMaxAttempts() int { return int(defaultMaxAttempts.Load()) }

// ErrInvalid wraps a message Enqueue refuses.
var ErrInvalid = errors.New("outbox: invalid message")

// Enqueue writes m as a pending message through c, which should be the client of the
// transaction that causes it: the message then commits or rolls back with the change.
func Enqueue(ctx context.Context, c *ent.Client, m Message) (*ent.OutboxMessage, error) {
	switch {
	case strings.TrimSpace(m.Key) == "":
		return nil, fmt.Errorf("%w: no key", ErrInvalid)
	case m.Channel != Email && m.Channel != Webhook && m.Channel != Chat:
		return nil, fmt.Errorf("%w: channel %q (want email, webhook or chat)", ErrInvalid, m.Channel)
	case strings.TrimSpace(m.Recipient) == "":
		return nil, fmt.Errorf("%w: no recipient", ErrInvalid)
	}
	now := time.Now().UTC()
	next := now
	if m.NotBefore.After(now) {
		next = m.NotBefore.UTC()
	}
	attempts := m.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts()
	}
	q := c.OutboxMessage.Create().SetKey(m.Key).SetChannel(m.Channel).SetTemplate(m.Template).SetLanguage(m.Language).
		SetRecipient(m.Recipient).SetSubject(m.Subject).SetBody(m.Body).SetStatus(Pending).SetMaxAttempts(attempts).
		SetNextAt(next).SetCreatedAt(now)
	if m.OrderID != 0 {
		q.SetOrderID(m.OrderID)
	}
	if len(m.Headers) > 0 {
		q.SetHeaders(m.Headers)
	}
	return q.Save(ctx)
}

// ErrNotDead is returned by Retry for a message that is not dead.
var ErrNotDead = errors.New("outbox: only a dead message can be retried")

// Retry puts dead message id back to pending with its attempts reset, due at once.
// Run it in the transaction that also records who asked (the audit entry). It returns
// an ent not-found error for an unknown id and ErrNotDead for a live or sent message.
func Retry(ctx context.Context, c *ent.Client, id int) (*ent.OutboxMessage, error) {
	now := time.Now().UTC()
	// Conditional on dead: two admins retrying at once reset it once, and a message the
	// worker holds is never touched.
	n, err := c.OutboxMessage.Update().Where(outboxmessage.ID(id), outboxmessage.Status(Dead)).
		SetStatus(Pending).SetAttempts(0).SetNextAt(now).SetClaimedBy("").ClearClaimedUntil().Save(ctx)
	if err != nil {
		return nil, err
	}
	m, err := c.OutboxMessage.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return m, ErrNotDead
	}
	return m, nil
}
