package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"time"

	"entgo.io/ent/dialect"

	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/user"
	"sluice/backend/i18n"
)

// Journal appends audit entries and events inside one state-changing transaction.
// Begin updates the single ledger row first: on PostgreSQL that row lock makes
// concurrent transactions append one after another, so the audit chain never forks and
// event sequence numbers are handed out in commit order (a reader resuming "after N"
// can never miss an event that commits late). SQLite's write lock does the same.
type Journal struct {
	tx      *ent.Tx
	head    *ent.Ledger
	at      time.Time
	request string
	dirty   bool
	// Entries and events are written in one statement each at Close: fewer round
	// trips inside the write lock.
	audits []*ent.AuditEntryCreate
	events []*ent.EventCreate
	// st is set when Store.Tx runs the transaction: Close then announces the events
	// (pg_notify on PostgreSQL, the OnCommit hooks in-process).
	st *txState
	// notices are the people told something in this transaction (Notify, Tell), for
	// the core's hook that reaches them outside the web app (backend/notify).
	notices []Notification
}

// Begin locks the ledger row for this transaction. requestID is copied to audit entries.
func Begin(ctx context.Context, tx *ent.Tx, requestID string) (*Journal, error) {
	// A no-op update takes the row lock before anything is read, and returns the head
	// in the same statement (SQLite ≥ 3.35 and PostgreSQL both have RETURNING).
	rows, err := tx.QueryContext(ctx, "UPDATE ledgers SET event_seq = event_seq WHERE id = 1 RETURNING audit_seq, audit_hash, event_seq, order_seq")
	if err != nil {
		return nil, fmt.Errorf("journal: lock: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, fmt.Errorf("journal: the ledger row is missing (run the migrations)")
	}
	head := &ent.Ledger{ID: 1}
	if err := rows.Scan(&head.AuditSeq, &head.AuditHash, &head.EventSeq, &head.OrderSeq); err != nil {
		return nil, fmt.Errorf("journal: read head: %w", err)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("journal: read head: %w", err)
	}
	return &Journal{tx: tx, head: head, at: Now(), request: requestID, st: stateOf(tx)}, nil
}

// Now is the current time in UTC, truncated to microseconds (what PostgreSQL keeps),
// so a timestamp hashed before writing hashes the same after reading back.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// At is the time stamped on everything this journal writes.
func (j *Journal) At() time.Time { return j.at }

// NextOrderSeq hands out the next order number sequence.
func (j *Journal) NextOrderSeq() int64 {
	j.head.OrderSeq++
	j.dirty = true
	return j.head.OrderSeq
}

// Audit is one entry of the trail.
type Audit struct {
	Actor   string
	Action  string
	OrderID int
	Node    string
	TaskID  int
	Detail  map[string]any
}

// Audit appends a hash-chained audit entry.
func (j *Journal) Audit(ctx context.Context, a Audit) error {
	j.head.AuditSeq++
	e := &ent.AuditEntry{
		Seq: j.head.AuditSeq, At: j.at, Actor: a.Actor, Action: a.Action, Node: a.Node,
		Detail: a.Detail, RequestID: j.request, PrevHash: j.head.AuditHash,
	}
	// The detail is hashed as it will read back from the database: plain JSON values
	// (structs become objects with sorted keys, numbers become float64).
	norm, err := normalize(a.Detail)
	if err != nil {
		return err
	}
	e.Detail = norm
	if a.OrderID != 0 {
		e.OrderID = &a.OrderID
	}
	if a.TaskID != 0 {
		e.TaskID = &a.TaskID
	}
	h, err := AuditHash(e)
	if err != nil {
		return err
	}
	e.Hash = h
	j.audits = append(j.audits, j.tx.AuditEntry.Create().SetSeq(e.Seq).SetAt(e.At).SetActor(e.Actor).SetAction(e.Action).
		SetNode(e.Node).SetDetail(e.Detail).SetRequestID(e.RequestID).SetPrevHash(e.PrevHash).SetHash(e.Hash).
		SetNillableOrderID(e.OrderID).SetNillableTaskID(e.TaskID))
	j.head.AuditHash = h
	j.dirty = true
	return nil
}

// LastAudit is the sequence number of the last audit entry appended so far (the head
// when this journal has appended none): an event that reports a decision carries the
// number of the entry that records it, for `sluice audit verify` to cross-check.
func (j *Journal) LastAudit() int64 { return j.head.AuditSeq }

// Event appends a live event with the next global sequence number.
func (j *Journal) Event(ctx context.Context, typ, topic string, data map[string]any) (int64, error) {
	j.head.EventSeq++
	if data == nil {
		data = map[string]any{}
	}
	j.events = append(j.events, j.tx.Event.Create().SetSeq(j.head.EventSeq).SetAt(j.at).SetType(typ).SetTopic(topic).SetData(data))
	j.dirty = true
	return j.head.EventSeq, nil
}

// FlushAudits inserts the audit entries recorded so far instead of at Close, for a
// caller that reads them back within the transaction (resuming a parent after a child
// that ended as it started: who auto-approved the last review is in those entries).
func (j *Journal) FlushAudits(ctx context.Context) error {
	if len(j.audits) == 0 {
		return nil
	}
	if err := j.tx.AuditEntry.CreateBulk(j.audits...).Exec(ctx); err != nil {
		return fmt.Errorf("journal: audit: %w", err)
	}
	j.audits = nil
	return nil
}

// Close writes the buffered entries and events and the advanced head; call it before
// commit.
func (j *Journal) Close(ctx context.Context) error {
	if !j.dirty {
		return nil
	}
	if err := j.FlushAudits(ctx); err != nil {
		return err
	}
	wrote := len(j.events) > 0
	if wrote {
		if err := j.tx.Event.CreateBulk(j.events...).Exec(ctx); err != nil {
			return fmt.Errorf("journal: event: %w", err)
		}
		j.events = nil
	}
	last := strconv.FormatInt(j.head.EventSeq, 10)
	if wrote && j.st != nil && j.st.store.Dialect == dialect.Postgres {
		// The head and the wake-up for other instances in one statement: pg_notify is
		// delivered at commit (never on rollback) to every instance listening on
		// ChannelEvents, which then reads the events table after its last sequence.
		_, err := j.tx.ExecContext(ctx, `UPDATE ledgers SET audit_seq = $1, audit_hash = $2, event_seq = $3, order_seq = $4 `+
			`FROM (SELECT pg_notify($6, $5)) AS n WHERE ledgers.id = 1`,
			j.head.AuditSeq, j.head.AuditHash, j.head.EventSeq, j.head.OrderSeq, last, j.st.store.Channel(ChannelEvents))
		if err != nil {
			return fmt.Errorf("journal: close: %w", err)
		}
	} else {
		err := j.tx.Ledger.UpdateOneID(1).SetAuditSeq(j.head.AuditSeq).SetAuditHash(j.head.AuditHash).
			SetEventSeq(j.head.EventSeq).SetOrderSeq(j.head.OrderSeq).Exec(ctx)
		if err != nil {
			return fmt.Errorf("journal: close: %w", err)
		}
	}
	if wrote && j.st != nil {
		j.st.note(Note{ChannelEvents, last})
	}
	return nil
}

// Notification is an entry for a user's persisted inbox.
type Notification struct {
	Username string
	Type     string // e.g. "reminder", "escalation", "mention", "task.assigned"
	Title    string
	OrderID  int
	Data     map[string]any
	// Key, when set, is the title's catalogue message and Params fill it: the stored
	// title (and the live event's) is rendered in the recipient's language (their own
	// setting, else the locale their account was given), and the key and parameters
	// are kept in Data (title_key, title_params) so the inbox renders it again in the
	// reader's language of the moment (GET /notifications).
	Key    string
	Params map[string]any
}

// Notify stores n in the recipient's inbox (unread) and appends a
// "notification.created" event on their user topic, so an open browser shows it at
// once and one that was offline finds it in GET /notifications. It returns the
// notification's id.
func (j *Journal) Notify(ctx context.Context, n Notification) (int, error) {
	if n.Username == "" || n.Type == "" {
		return 0, fmt.Errorf("journal: a notification needs a username and a type")
	}
	if n.Key != "" {
		lang := ""
		if u, err := j.tx.User.Query().Where(user.Username(n.Username)).Only(ctx); err == nil {
			lang = u.Language
			if lang == "" {
				lang = u.Locale
			}
		} else if !ent.IsNotFound(err) {
			return 0, err
		}
		n.Title = i18n.T(i18n.Resolve(lang, ""), n.Key, n.Params)
		d := make(map[string]any, len(n.Data)+2)
		maps.Copy(d, n.Data)
		d["title_key"], d["title_params"] = n.Key, n.Params
		n.Data = d
	}
	data, err := normalize(n.Data)
	if err != nil {
		return 0, err
	}
	seq := j.head.EventSeq + 1
	c := j.tx.Notification.Create().SetUsername(n.Username).SetType(n.Type).SetTitle(n.Title).
		SetData(data).SetEventSeq(seq).SetCreatedAt(j.at)
	if n.OrderID != 0 {
		c.SetOrderID(n.OrderID)
	}
	row, err := c.Save(ctx)
	if err != nil {
		return 0, fmt.Errorf("journal: notification: %w", err)
	}
	ev := map[string]any{"id": row.ID, "type": n.Type, "title": n.Title, "data": data}
	if n.OrderID != 0 {
		ev["order_id"] = n.OrderID
	}
	if _, err := j.Event(ctx, "notification.created", "user:"+n.Username, ev); err != nil {
		return 0, err
	}
	n.Data = data
	j.notices = append(j.notices, n)
	return row.ID, nil
}

// Tell records that n concerns a person without leaving it in their inbox (a task
// opened for them: the inbox lists tasks already), so the hooks that read Notices see it.
func (j *Journal) Tell(n Notification) { j.notices = append(j.notices, n) }

// Notices are the notifications (Notify) and notices (Tell) of this transaction so far,
// in order.
func (j *Journal) Notices() []Notification { return j.notices }

// AuditHash is SHA-256 over the previous hash and a canonical JSON of the entry.
func AuditHash(e *ent.AuditEntry) (string, error) {
	canon := struct {
		Seq     int64          `json:"seq"`
		At      string         `json:"at"`
		Actor   string         `json:"actor"`
		Action  string         `json:"action"`
		OrderID *int           `json:"order_id"`
		Node    string         `json:"node"`
		TaskID  *int           `json:"task_id"`
		Detail  map[string]any `json:"detail"`
		Request string         `json:"request_id"`
		Prev    string         `json:"prev_hash"`
	}{e.Seq, e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, e.OrderID, e.Node, e.TaskID, e.Detail, e.RequestID, e.PrevHash}
	b, err := json.Marshal(canon)
	if err != nil {
		return "", fmt.Errorf("journal: hash: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// VerifyAudit walks the whole chain. A non-empty reason means it is broken; bad is the
// first entry that does not verify (nil when entries were cut off the end).
func (s *Store) VerifyAudit(ctx context.Context) (bad *ent.AuditEntry, reason string, n int, err error) {
	prev := ""
	var last int64
	const page = 1000
	for {
		rows, err := s.Read.AuditEntry.Query().Where(auditentry.SeqGT(last)).
			Order(ent.Asc(auditentry.FieldSeq)).Limit(page).All(ctx)
		if err != nil {
			return nil, "", n, err
		}
		for _, e := range rows {
			if e.Seq != last+1 {
				return e, fmt.Sprintf("sequence gap: expected %d, found %d", last+1, e.Seq), n, nil
			}
			if e.PrevHash != prev {
				return e, "prev_hash does not match the previous entry's hash", n, nil
			}
			h, err := AuditHash(e)
			if err != nil {
				return nil, "", n, err
			}
			if h != e.Hash {
				return e, "hash does not match the entry's contents", n, nil
			}
			prev, last = e.Hash, e.Seq
			n++
		}
		if len(rows) < page {
			break
		}
	}
	head, err := s.Read.Ledger.Get(ctx, 1)
	if err != nil {
		return nil, "", n, err
	}
	if head.AuditSeq != last || head.AuditHash != prev {
		return nil, fmt.Sprintf("chain ends at %d but the ledger head says %d (entries were removed)", last, head.AuditSeq), n, nil
	}
	return nil, "", n, nil
}

func normalize(m map[string]any) (map[string]any, error) {
	out := map[string]any{}
	if len(m) == 0 {
		return out, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("journal: detail: %w", err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("journal: detail: %w", err)
	}
	return out, nil
}
