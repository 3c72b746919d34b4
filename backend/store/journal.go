package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"

	"sluice/backend/ent"
	"sluice/backend/ent/user"
	"sluice/backend/i18n"
)

// Journal appends audit entries and events inside one state-changing transaction,
// without any row every writer must lock:
//
//   - Audit entries form one hash chain per order (entries about no order, one per
//     actor). An append locks only its chain's head row in audit_chains, which
//     transactions on other orders never touch; Anchor folds the heads into the global
//     chain "" now and then, and that is what checkpoints and `sluice audit verify`
//     hold on to.
//   - Events and entries are numbered at Close, as late as possible: on PostgreSQL from
//     sequences (a reader tells which numbers are final, see FinalEvents); on SQLite
//     from the ledger row, which its single writer holds anyway.
type Journal struct {
	tx      *ent.Tx
	pg      bool
	at      time.Time
	request string
	// chains are the heads this transaction locked, in the order it first touched them.
	chains map[string]*chainHead
	order  []string
	// Entries and events are written in one statement each at Close: fewer round
	// trips inside the transaction.
	audits []*ent.AuditEntry
	events []*ent.Event
	// notes are notifications created by Notify, whose event_seq is set at Close.
	notes []noteRef
	// seqs are the numbers of this journal's events, once Close has run.
	seqs []int64
	// st is the transaction's state in Store.Tx: Close announces the events (pg_notify
	// on PostgreSQL, the OnCommit hooks in-process).
	st *txState
	// notices are the people told something in this transaction (Notify, Tell), for
	// the core's hook that reaches them outside the web app (backend/notify).
	notices []Notification
}

type chainHead struct {
	seq   int64
	hash  string
	moved bool
}

type noteRef struct {
	id    int
	event int // index into events
}

// Begin starts a journal for tx, which must be run by Store.Tx. requestID is copied to
// audit entries. It takes no lock: each chain's head is locked when first appended to.
func Begin(ctx context.Context, tx *ent.Tx, requestID string) (*Journal, error) {
	st := stateOf(tx)
	if st == nil {
		return nil, fmt.Errorf("journal: the transaction was not opened by Store.Tx")
	}
	return &Journal{tx: tx, pg: st.store.Dialect == dialect.Postgres, at: Now(), request: requestID, st: st,
		chains: map[string]*chainHead{}}, nil
}

// Now is the current time in UTC, truncated to microseconds (what PostgreSQL keeps),
// so a timestamp hashed before writing hashes the same after reading back.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// At is the time stamped on everything this journal writes.
func (j *Journal) At() time.Time { return j.at }

// sql adapts a statement written with $n placeholders to the dialect (SQLite numbers
// them ?n).
func (j *Journal) sql(q string) string { return bindVars(j.pg, q) }

// NextOrderSeq hands out the next order number sequence: a PostgreSQL sequence (a
// rolled-back transaction leaves a gap), or SQLite's ledger row.
func (j *Journal) NextOrderSeq(ctx context.Context) (int64, error) {
	q := "UPDATE ledgers SET order_seq = order_seq + 1 WHERE id = 1 RETURNING order_seq"
	if j.pg {
		q = "SELECT nextval('sluice_order_seq')"
	}
	var n int64
	if err := queryRow(ctx, j.tx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("journal: order number: %w", err)
	}
	return n, nil
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

// ChainOf names the chain an entry goes to: its order's, or its actor's.
func ChainOf(a Audit) string {
	if a.OrderID != 0 {
		return "order:" + strconv.Itoa(a.OrderID)
	}
	return "actor:" + a.Actor
}

// Audit appends a hash-chained audit entry to its chain (see ChainOf).
func (j *Journal) Audit(ctx context.Context, a Audit) error {
	if a.OrderID != 0 && !OrderLocked(j.tx, a.OrderID) {
		// An order's chain is the order's: its lock comes first (LockOrders). Tests
		// make a path that forgot it fail; otherwise it is taken now, late but still
		// serialising the order's writers (a deadlock this risks is retried by Tx).
		if j.st.store.StrictOrderLocks {
			return fmt.Errorf("journal: %s on order %d without the order's lock (store.LockOrders first)", a.Action, a.OrderID)
		}
		if err := LockOrders(ctx, j.tx, a.OrderID); err != nil {
			return err
		}
	}
	return j.audit(ctx, ChainOf(a), a)
}

func (j *Journal) audit(ctx context.Context, chain string, a Audit) error {
	head, err := j.lock(ctx, chain)
	if err != nil {
		return err
	}
	e := &ent.AuditEntry{
		Chain: chain, ChainSeq: head.seq + 1, At: j.at, Actor: a.Actor, Action: a.Action, Node: a.Node,
		RequestID: j.request, PrevHash: head.hash,
	}
	// The detail is hashed as it will read back from the database: plain JSON values
	// (structs become objects with sorted keys, numbers become float64).
	if e.Detail, err = normalize(a.Detail); err != nil {
		return err
	}
	if a.OrderID != 0 {
		e.OrderID = &a.OrderID
	}
	if a.TaskID != 0 {
		e.TaskID = &a.TaskID
	}
	if e.Hash, err = AuditHash(e); err != nil {
		return err
	}
	j.audits = append(j.audits, e)
	head.seq, head.hash, head.moved = e.ChainSeq, e.Hash, true
	return nil
}

// lock takes chain's head row (creating it for a new chain) for the rest of the
// transaction: appends to one chain are serialised, other chains are not touched.
func (j *Journal) lock(ctx context.Context, chain string) (*chainHead, error) {
	if h, ok := j.chains[chain]; ok {
		return h, nil
	}
	h := &chainHead{}
	err := queryRow(ctx, j.tx, j.sql(`INSERT INTO audit_chains (chain, seq, hash) VALUES ($1, 0, '') `+
		`ON CONFLICT (chain) DO UPDATE SET seq = audit_chains.seq RETURNING seq, hash`), chain).Scan(&h.seq, &h.hash)
	if err != nil {
		return nil, fmt.Errorf("journal: lock chain %s: %w", chain, err)
	}
	j.chains[chain] = h
	j.order = append(j.order, chain)
	return h, nil
}

// AuditRef names the last entry appended so far: its chain and its number there (0
// when this journal has appended none). An event that reports a decision carries it,
// for `sluice audit verify` to cross-check.
func (j *Journal) AuditRef() (chain string, seq int64) {
	if len(j.audits) == 0 {
		return "", 0
	}
	e := j.audits[len(j.audits)-1]
	return e.Chain, e.ChainSeq
}

// Event appends a live event. Its seq is assigned at Close (see EventSeqs), so the
// number returned is always 0.
func (j *Journal) Event(ctx context.Context, typ, topic string, data map[string]any) (int64, error) {
	if data == nil {
		data = map[string]any{}
	}
	j.events = append(j.events, &ent.Event{At: j.at, Type: typ, Topic: topic, Data: data})
	return 0, nil
}

// EventSeqs are the numbers Close gave this journal's events, in the order they were
// appended.
func (j *Journal) EventSeqs() []int64 { return j.seqs }

// FlushAudits inserts the audit entries recorded so far instead of at Close, for a
// caller that reads them back within the transaction (resuming a parent after a child
// that ended as it started: who auto-approved the last review is in those entries).
func (j *Journal) FlushAudits(ctx context.Context) error {
	if len(j.audits) == 0 {
		return nil
	}
	seqs, _, err := j.numbers(ctx, len(j.audits), 0)
	if err != nil {
		return err
	}
	bulk := make([]*ent.AuditEntryCreate, len(j.audits))
	for i, e := range j.audits {
		bulk[i] = j.tx.AuditEntry.Create().SetSeq(seqs[i]).SetChain(e.Chain).SetChainSeq(e.ChainSeq).SetAt(e.At).
			SetActor(e.Actor).SetAction(e.Action).SetNode(e.Node).SetDetail(e.Detail).SetRequestID(e.RequestID).
			SetPrevHash(e.PrevHash).SetHash(e.Hash).SetNillableOrderID(e.OrderID).SetNillableTaskID(e.TaskID)
	}
	if err := j.tx.AuditEntry.CreateBulk(bulk...).Exec(ctx); err != nil {
		return fmt.Errorf("journal: audit: %w", err)
	}
	j.audits = nil
	return nil
}

// numbers takes audits numbers for entries and events numbers for events, in one
// statement: PostgreSQL sequences (the transaction gets its id first, which
// FinalEvents relies on), or SQLite's ledger row.
func (j *Journal) numbers(ctx context.Context, audits, events int) (a, e []int64, err error) {
	if audits+events == 0 {
		return nil, nil, nil
	}
	if !j.pg {
		var la, le int64
		err := queryRow(ctx, j.tx, "UPDATE ledgers SET audit_seq = audit_seq + ?1, event_seq = event_seq + ?2 WHERE id = 1 RETURNING audit_seq, event_seq",
			audits, events).Scan(&la, &le)
		if err != nil {
			return nil, nil, fmt.Errorf("journal: numbers: %w", err)
		}
		for i := range audits {
			a = append(a, la-int64(audits)+1+int64(i))
		}
		for i := range events {
			e = append(e, le-int64(events)+1+int64(i))
		}
		return a, e, nil
	}
	// The WHERE runs before the select list: the transaction id exists before the
	// first number is taken.
	rows, err := j.tx.QueryContext(ctx, `SELECT 0, nextval('sluice_audit_seq') FROM generate_series(1, $1) WHERE pg_current_xact_id() IS NOT NULL `+
		`UNION ALL SELECT 1, nextval('sluice_event_seq') FROM generate_series(1, $2) WHERE pg_current_xact_id() IS NOT NULL`, audits, events)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: numbers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind int
		var n int64
		if err := rows.Scan(&kind, &n); err != nil {
			return nil, nil, fmt.Errorf("journal: numbers: %w", err)
		}
		if kind == 0 {
			a = append(a, n)
		} else {
			e = append(e, n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("journal: numbers: %w", err)
	}
	slices.Sort(a)
	slices.Sort(e)
	return a, e, nil
}

// Close writes the chains' heads, the buffered entries and events; call it before
// commit.
func (j *Journal) Close(ctx context.Context) error {
	for _, c := range j.order {
		h := j.chains[c]
		if !h.moved {
			continue
		}
		if _, err := j.tx.ExecContext(ctx, j.sql("UPDATE audit_chains SET seq = $1, hash = $2 WHERE chain = $3"), h.seq, h.hash, c); err != nil {
			return fmt.Errorf("journal: chain head: %w", err)
		}
		h.moved = false
	}
	if err := j.FlushAudits(ctx); err != nil {
		return err
	}
	if len(j.events) == 0 {
		return nil
	}
	_, seqs, err := j.numbers(ctx, 0, len(j.events))
	if err != nil {
		return err
	}
	if err := j.insertEvents(ctx, seqs); err != nil {
		return err
	}
	for _, n := range j.notes {
		if _, err := j.tx.ExecContext(ctx, j.sql("UPDATE notifications SET event_seq = $1 WHERE id = $2"), seqs[n.event], n.id); err != nil {
			return fmt.Errorf("journal: notification: %w", err)
		}
	}
	j.events, j.notes, j.seqs = nil, nil, append(j.seqs, seqs...)
	if j.st != nil {
		j.st.note(Note{ChannelEvents, strconv.FormatInt(seqs[len(seqs)-1], 10)})
	}
	return nil
}

// insertEvents writes the events with their numbers in one statement. (The other
// instances are woken after the commit, see announcer.)
func (j *Journal) insertEvents(ctx context.Context, seqs []int64) error {
	var b strings.Builder
	args := make([]any, 0, 5*len(j.events)+2)
	cast := func(t string) string {
		if j.pg {
			return "::" + t
		}
		return ""
	}
	b.WriteString("INSERT INTO events (seq, at, type, topic, data) VALUES ")
	for i, e := range j.events {
		data, err := json.Marshal(e.Data)
		if err != nil {
			return fmt.Errorf("journal: event data: %w", err)
		}
		if i > 0 {
			b.WriteString(", ")
		}
		k := len(args)
		fmt.Fprintf(&b, "($%d%s, $%d%s, $%d%s, $%d%s, $%d%s", k+1, cast("bigint"), k+2, cast("timestamptz"), k+3, cast("text"), k+4, cast("text"), k+5, cast("jsonb"))
		b.WriteString(")")
		args = append(args, seqs[i], e.At, e.Type, e.Topic, string(data))
	}
	if _, err := j.tx.ExecContext(ctx, j.sql(b.String()), args...); err != nil {
		return fmt.Errorf("journal: event: %w", err)
	}
	return nil
}

// queryRow runs a query returning one row inside tx (ent's Tx has no QueryRow).
func queryRow(ctx context.Context, tx *ent.Tx, q string, args ...any) rowScanner {
	rows, err := tx.QueryContext(ctx, q, args...)
	return rowScanner{rows, err}
}

type rowScanner struct {
	rows *sql.Rows
	err  error
}

func (r rowScanner) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	return r.rows.Close()
}

// bindVars turns $n placeholders into SQLite's ?n.
func bindVars(pg bool, q string) string {
	if pg {
		return q
	}
	return strings.ReplaceAll(q, "$", "?")
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
	c := j.tx.Notification.Create().SetUsername(n.Username).SetType(n.Type).SetTitle(n.Title).
		SetData(data).SetCreatedAt(j.at)
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
	j.notes = append(j.notes, noteRef{id: row.ID, event: len(j.events)})
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

// AuditHash is SHA-256 over the previous hash and a canonical JSON of the entry. The
// global chain "" hashes as the single chain did before chains were split (seq was its
// number then), so entries written before the split still verify.
func AuditHash(e *ent.AuditEntry) (string, error) {
	canon := struct {
		Chain   string         `json:"chain,omitempty"`
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
	}{e.Chain, e.ChainSeq, e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, e.OrderID, e.Node, e.TaskID, e.Detail, e.RequestID, e.PrevHash}
	b, err := json.Marshal(canon)
	if err != nil {
		return "", fmt.Errorf("journal: hash: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
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
