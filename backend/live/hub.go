// Package live pushes Sluice's events to browsers over websockets (GET /api/v1/live).
//
// The events table is the truth. Every state change appends its events (with a global
// seq, increasing in an order consistent with commit visibility) inside its own
// transaction; the hub's pump reads the table after the last seq it dispatched, up to
// where every event is final (store.FinalEvents: no event can still commit below it),
// and hands each event to the sockets subscribed to its topic. The pump is woken after a commit — in-process by
// store.Store.OnCommit, across instances by PostgreSQL LISTEN on store.ChannelEvents
// (the notification only wakes: the pump then reads the table) — and polls as a safety
// net. So every instance sees every event, in order, whichever instance wrote it.
//
// A socket that resumes with ?after=SEQ registers first (from then on live events queue
// up for it), then replays the missed events of its topics from the table up to the
// position the hub had at registration, then drains its queue, skipping anything not
// newer than the last seq it sent: no gap, no duplicate.
//
// Each socket has one writer goroutine and a bounded queue; the pump never waits for a
// socket. To a socket that keeps up the pump writes an event itself (see client.direct);
// a socket whose queue is full catches up from the table, and one that stays behind is
// closed with CloseSlowConsumer and may resume.
package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"

	"sluice/backend/ent"
	"sluice/backend/ent/event"
	"sluice/backend/service"
	"sluice/backend/store"
)

// Close codes sent to clients besides the standard ones (1001 going away when the
// server stops, 1009 when a client sends a frame over the read limit).
const (
	// CloseSessionEnded: the session logged out, expired, or its user was disabled.
	CloseSessionEnded = 4001
	// CloseSlowConsumer: the client did not keep up; reconnect with ?after=<last seq>.
	CloseSlowConsumer = 4002
	// CloseProtocol: the client broke the message protocol repeatedly.
	CloseProtocol = 4003
)

// Options tune the hub. Zero values take the defaults.
type Options struct {
	// AllowedOrigins lists browser origins ("https://sluice.example.com", scheme and
	// host[:port], no path) allowed to open a socket besides the server's own host.
	// Requests without an Origin header (non-browser clients) are allowed.
	AllowedOrigins []string
	// QueueSize bounds each socket's send queue (default 128 events). A socket whose
	// queue is full catches up from the events table instead, off the live path.
	QueueSize int
	// SlowAfter: a socket still catching up this long after it fell behind is closed
	// with CloseSlowConsumer (default 5s); it may resume with ?after=.
	SlowAfter time.Duration
	// Retention is how long events stay in the table for resuming (default 7 days;
	// negative keeps them forever). A client resuming from before it gets "resync".
	// Every instance prunes (hourly, oldest first); deleting is idempotent.
	Retention time.Duration
	// PollInterval is the safety-net poll of the events table (default 2s).
	PollInterval time.Duration
	// SessionCheck is how often open sockets' sessions are re-validated (default 30s);
	// a logout is acted on at once through its session.ended event.
	SessionCheck time.Duration
	// PingInterval is how often the server pings (default 25s); a client that does not
	// answer within PongWait (default 60s) is dropped.
	PingInterval time.Duration
	PongWait     time.Duration
	// WriteTimeout bounds one write to a socket (default 10s).
	WriteTimeout time.Duration
	// ReadLimit caps a client message (default 4096 bytes; over it the socket closes
	// with 1009).
	ReadLimit int64
	// MaxTopics caps the subscriptions of one socket (default 200).
	MaxTopics int
	// SendBuffer caps the kernel send buffer of each socket in bytes (0 keeps the OS's
	// autotuning, up to megabytes): bounds kernel memory per slow client and lets the
	// hub notice a stalled one sooner.
	SendBuffer int
	Log        *slog.Logger
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 128
	}
	def(&o.SlowAfter, 5*time.Second)
	def(&o.Retention, 7*24*time.Hour)
	def(&o.PollInterval, 2*time.Second)
	def(&o.SessionCheck, 30*time.Second)
	def(&o.PingInterval, 25*time.Second)
	def(&o.PongWait, 60*time.Second)
	def(&o.WriteTimeout, 10*time.Second)
	if o.ReadLimit <= 0 {
		o.ReadLimit = 4096
	}
	if o.MaxTopics <= 0 {
		o.MaxTopics = 200
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
}

// Hub owns the sockets of one instance.
type Hub struct {
	svc      *service.Service
	st       *store.Store
	opt      Options
	log      *slog.Logger
	upgrader websocket.Upgrader

	mu     sync.RWMutex
	topics map[string]map[*client]struct{}
	users  map[string]map[*client]struct{}
	all    map[*client]struct{}
	closed bool
	// last is the seq of the newest event dispatched. Only the pump writes it, while
	// holding mu for reading; registration holds mu for writing, so it sees a position
	// up to which every event was dispatched and after which every event will be.
	last atomic.Int64

	// The pump's scratch: dispatch generation and the sockets of the batch at hand.
	gen     uint64
	targets []*client

	clock   commitClock
	wake    chan struct{}
	policy  chan struct{}
	recheck chan string

	started atomic.Bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	stats struct {
		delivered, direct, slow, resyncs, catchUps atomic.Int64
	}
}

// New makes a hub; call Start before serving sockets.
func New(svc *service.Service, opt Options) *Hub {
	opt.defaults()
	h := &Hub{
		svc: svc, st: svc.Store, opt: opt, log: opt.Log,
		topics: map[string]map[*client]struct{}{}, users: map[string]map[*client]struct{}{}, all: map[*client]struct{}{},
		wake: make(chan struct{}, 1), policy: make(chan struct{}, 1), recheck: make(chan string, 64),
	}
	h.upgrader = websocket.Upgrader{
		// Client messages are small (subscriptions): a small read buffer, and write
		// buffers from a pool, so an idle socket holds little.
		ReadBufferSize:  512,
		WriteBufferPool: &sync.Pool{},
		CheckOrigin:     h.OriginAllowed,
	}
	return h
}

// Start reads the current position and runs the pump, the PostgreSQL listener (on
// PostgreSQL) and the maintenance loop until ctx ends or Close is called.
func (h *Hub) Start(ctx context.Context) error {
	if !h.started.CompareAndSwap(false, true) {
		return errors.New("live: hub already started")
	}
	// a read, so safe to run again: a connection dropped under it (a PostgreSQL restart,
	// pg_terminate_backend while the server starts) is retried, not a failed start
	pos, err := h.st.FinalPosition(ctx)
	for try := 1; err != nil && store.ConnLost(err) && try < 5 && ctx.Err() == nil; try++ {
		time.Sleep(time.Duration(try) * 200 * time.Millisecond)
		pos, err = h.st.FinalPosition(ctx)
	}
	if err != nil {
		return fmt.Errorf("live: read the event position: %w", err)
	}
	h.last.Store(pos)
	ctx, h.cancel = context.WithCancel(ctx)
	h.st.OnCommit(func(n store.Note) {
		switch n.Channel {
		case store.ChannelEvents:
			h.committed(n.Payload)
		case store.ChannelPolicy:
			h.signal(h.policy)
		}
	})
	h.wg.Add(2)
	go h.pump(ctx)
	go h.maintain(ctx)
	if h.st.Dialect == dialect.Postgres {
		h.wg.Add(1)
		go h.listen(ctx)
	}
	return nil
}

// Close stops the hub and closes every socket with 1001 (going away).
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	cs := make([]*client, 0, len(h.all))
	for c := range h.all {
		cs = append(cs, c)
	}
	h.mu.Unlock()
	for _, c := range cs {
		c.kill(websocket.CloseGoingAway, "the server is shutting down; reconnect with ?after=<last seq>", false)
	}
	if h.cancel != nil {
		h.cancel()
	}
	h.wg.Wait()
	for _, c := range cs {
		<-c.finished
	}
}

// Stats are counters for tests and metrics.
type Stats struct {
	Connections int   `json:"connections"`
	Position    int64 `json:"position"`
	Delivered   int64 `json:"delivered"`
	Direct      int64 `json:"direct"` // of those, written by the pump itself (see client.direct)
	Slow        int64 `json:"slow_dropped"`
	Resyncs     int64 `json:"resyncs"`
	CatchUps    int64 `json:"catch_ups"` // sockets that fell behind and caught up from the table
}

// Stats reports the hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.RLock()
	n := len(h.all)
	h.mu.RUnlock()
	return Stats{Connections: n, Position: h.last.Load(), Delivered: h.stats.delivered.Load(), Direct: h.stats.direct.Load(),
		Slow: h.stats.slow.Load(), Resyncs: h.stats.resyncs.Load(), CatchUps: h.stats.catchUps.Load()}
}

// committed marks the commit time of the events up to the notified seq and wakes the
// pump if they are news.
func (h *Hub) committed(payload string) {
	seq, err := strconv.ParseInt(payload, 10, 64)
	if err == nil {
		h.clock.mark(seq, time.Now())
	}
	if err != nil || seq > h.last.Load() {
		h.signal(h.wake)
	}
}

func (h *Hub) signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// pump dispatches committed events in seq order. When a read stops before events a
// transaction still running could precede (see store.FinalEvents), it reads again
// shortly, backing off, since that transaction's end may wake nobody.
func (h *Hub) pump(ctx context.Context) {
	defer h.wg.Done()
	t := time.NewTicker(h.opt.PollInterval)
	defer t.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	backoff := time.Duration(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		case <-t.C:
		case <-retry.C:
		}
		held, err := h.drain(ctx)
		if err != nil && ctx.Err() == nil {
			h.log.Warn("live: reading events", "err", err)
		}
		switch {
		case !held:
			backoff = 0
		case backoff == 0:
			backoff = 2 * time.Millisecond
		default:
			backoff = min(2*backoff, 50*time.Millisecond)
		}
		if held {
			retry.Reset(backoff)
		}
	}
}

const batch = 500

// drain dispatches the final events after the position; held reports that it stopped
// before some that are not final yet.
func (h *Hub) drain(ctx context.Context) (held bool, err error) {
	for {
		rows, held, err := h.st.FinalEvents(ctx, h.last.Load(), batch)
		if err != nil {
			return false, err
		}
		if len(rows) > 0 {
			h.dispatch(rows)
		}
		if held || len(rows) < batch {
			return held, nil
		}
	}
}

func (h *Hub) dispatch(rows []*ent.Event) {
	var drop dropped
	var ended []string
	now := time.Now().UnixNano()
	h.mu.RLock()
	// Gather each subscriber's events of the batch first, so that several events of one
	// transaction reach a socket in one send.
	h.gen++
	targets := h.targets[:0]
	seqs := make([]int64, len(rows))
	for i, e := range rows {
		seqs[i] = e.Seq
	}
	committed := h.clock.committed(seqs)
	for i, e := range rows {
		if subs := h.topics[e.Topic]; len(subs) > 0 {
			out := &outMsg{seq: e.Seq, frame: textFrame(encode(e, committed[i]))}
			for c := range subs {
				if c.gen != h.gen {
					c.gen, c.batch = h.gen, c.batch[:0]
					targets = append(targets, c)
				}
				c.batch = append(c.batch, out)
			}
			h.stats.delivered.Add(int64(len(subs)))
		}
		if (e.Type == "session.ended" || e.Type == "user.disabled") && strings.HasPrefix(e.Topic, "user:") {
			ended = append(ended, strings.TrimPrefix(e.Topic, "user:"))
		}
	}
	h.deliver(targets, now, &drop)
	if len(rows) > 0 {
		h.last.Store(rows[len(rows)-1].Seq)
	}
	h.mu.RUnlock()
	clear(targets) // no socket kept alive by the scratch slice
	h.targets = targets[:0]
	for _, c := range drop.slow {
		if c.kill(CloseSlowConsumer, "too slow; reconnect with ?after=<last seq>", false) {
			h.stats.slow.Add(1)
		}
	}
	for _, c := range drop.failed {
		c.kill(websocket.CloseAbnormalClosure, "", true) // the write failed: no close frame
	}
	for _, u := range ended {
		select {
		case h.recheck <- u:
		default:
			h.log.Warn("live: session recheck queue full", "user", u)
		}
	}
}

// dropped collects the sockets to end after a dispatch (kill takes hub.mu).
type dropped struct {
	mu           sync.Mutex
	slow, failed []*client
}

// fanOutShard is the number of sockets from which a dispatch is written by several
// goroutines at once (one per CPU), each taking a share of the sockets.
const fanOutShard = 512

// deliver hands every target its batch: written directly where the socket allows it,
// queued otherwise. It returns once each is written or queued.
func (h *Hub) deliver(targets []*client, now int64, drop *dropped) {
	run := func(part []*client) {
		var sh shard
		for _, c := range part {
			h.deliverTo(c, now, &sh)
		}
		h.stats.direct.Add(sh.direct) // once per goroutine: a shared counter is a contended cache line
		if len(sh.slow)+len(sh.failed) > 0 {
			drop.mu.Lock()
			drop.slow, drop.failed = append(drop.slow, sh.slow...), append(drop.failed, sh.failed...)
			drop.mu.Unlock()
		}
	}
	shards := runtime.GOMAXPROCS(0)
	if len(targets) < fanOutShard || shards < 2 {
		run(targets)
		return
	}
	var wg sync.WaitGroup
	for part := range slices.Chunk(targets, (len(targets)+shards-1)/shards) {
		wg.Go(func() { run(part) })
	}
	wg.Wait()
}

// shard is one fan-out goroutine's scratch space and tallies.
type shard struct {
	buf          []byte // a socket's frames, joined for its one write
	direct       int64  // events written directly
	slow, failed []*client
}

func (h *Hub) deliverTo(c *client, now int64, sh *shard) {
	batch := c.batch
	defer func() { clear(batch); c.batch = batch[:0] }() // frames not kept past their send
	if c.behind.Load() {
		// Catching up from the table; evicted if that takes too long.
		if now-c.behindSince.Load() > int64(h.opt.SlowAfter) {
			sh.slow = append(sh.slow, c)
		}
		return
	}
	handled, err := c.direct(batch, sh)
	if err != nil {
		sh.failed = append(sh.failed, c)
	}
	if !handled {
		for _, m := range batch {
			if c.behind.Load() {
				break // once behind, the rest comes from the table: never a later event before a dropped one
			}
			c.offer(m, now)
		}
	}
}

// Message is one event as a client receives it.
type Message struct {
	Seq   int64     `json:"seq"`
	Type  string    `json:"type"`
	Topic string    `json:"topic"`
	At    time.Time `json:"at"` // when the change was made (its transaction's time)
	// Committed is when the instance sending it learned that the change committed: set
	// on live deliveries, absent on replayed ones. Against the client's clock it tells
	// how fresh the stream is.
	Committed *time.Time     `json:"committed_at,omitempty"`
	Data      map[string]any `json:"data"`
}

// encode is an event's message; committed is zero when unknown (replays).
func encode(e *ent.Event, committed time.Time) []byte {
	m := Message{Seq: e.Seq, Type: e.Type, Topic: e.Topic, At: e.At.UTC(), Data: e.Data}
	if m.Data == nil {
		m.Data = map[string]any{}
	}
	if !committed.IsZero() {
		c := committed.UTC()
		m.Committed = &c
	}
	b, err := json.Marshal(m)
	if err != nil {
		m.Data = map[string]any{}
		b, _ = json.Marshal(m)
	}
	return b
}

// listen wakes the pump (and reloads the policy) on PostgreSQL notifications from any
// instance. After every (re)connect it runs the backlog: a drain and a policy reload,
// for whatever was committed while it was not listening.
func (h *Hub) listen(ctx context.Context) {
	defer h.wg.Done()
	l := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			return pgx.Connect(ctx, h.st.URL)
		},
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() == nil {
				h.log.Warn("live: listen", "err", err)
			}
		},
		ReconnectDelay: time.Second,
	}
	l.Handle(h.st.Channel(store.ChannelEvents), backlog{
		note:    h.committed,
		catchUp: func() { h.signal(h.wake) },
	})
	l.Handle(h.st.Channel(store.ChannelPolicy), backlog{
		note:    func(string) { h.signal(h.policy) },
		catchUp: func() { h.signal(h.policy) },
	})
	_ = l.Listen(ctx)
}

type backlog struct {
	note    func(payload string)
	catchUp func()
}

func (b backlog) HandleNotification(_ context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	b.note(n.Payload)
	return nil
}

func (b backlog) HandleBacklog(context.Context, string, *pgx.Conn) error {
	b.catchUp()
	return nil
}

// maintain reloads the policy when told, re-validates sessions, and prunes old events.
func (h *Hub) maintain(ctx context.Context) {
	defer h.wg.Done()
	sessions := time.NewTicker(h.opt.SessionCheck)
	defer sessions.Stop()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	if h.opt.Retention > 0 {
		h.prune(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.policy:
			// Fresh reloads only a snapshot older than the table: the instance that made
			// the change, or a request that saw its version first, has reloaded already
			if err := h.svc.Authz.Fresh(ctx); err != nil {
				h.log.Warn("live: reload policy", "err", err)
			}
			h.recheckTopics(ctx)
		case u := <-h.recheck:
			h.checkSessions(ctx, u)
		case <-sessions.C:
			h.checkSessions(ctx, "")
		case <-prune.C:
			if h.opt.Retention > 0 {
				h.prune(ctx)
			}
		}
	}
}

// checkSessions closes the sockets (of user, or of everyone when user is "") whose
// session no longer holds.
func (h *Hub) checkSessions(ctx context.Context, user string) {
	h.mu.RLock()
	var cs []*client
	if user != "" {
		for c := range h.users[user] {
			cs = append(cs, c)
		}
	} else {
		for c := range h.all {
			cs = append(cs, c)
		}
	}
	h.mu.RUnlock()
	if len(cs) == 0 {
		return
	}
	ids := make([]int, 0, len(cs))
	seen := map[int]bool{}
	for _, c := range cs {
		if !seen[c.session] {
			seen[c.session] = true
			ids = append(ids, c.session)
		}
	}
	valid, err := h.svc.LiveSessionsValid(ctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			h.log.Warn("live: check sessions", "err", err)
		}
		return
	}
	for _, c := range cs {
		if !valid[c.session] {
			c.kill(CloseSessionEnded, "the session ended; log in again", false)
		}
	}
}

// recheckTopics drops subscriptions the (reloaded) policy no longer allows.
func (h *Hub) recheckTopics(ctx context.Context) {
	h.mu.RLock()
	type sub struct {
		c     *client
		topic string
	}
	var subs []sub
	for c := range h.all {
		for t := range c.topics {
			if t != c.own {
				subs = append(subs, sub{c, t})
			}
		}
	}
	h.mu.RUnlock()
	cache := map[string]bool{}
	lost := map[*client][]string{}
	for _, s := range subs {
		key := s.c.actor.Username + "\x00" + s.topic
		ok, seen := cache[key]
		if !seen {
			ok = h.allowed(ctx, s.c.actor, s.topic) == ""
			cache[key] = ok
		}
		if !ok {
			lost[s.c] = append(lost[s.c], s.topic)
		}
	}
	for c, ts := range lost {
		h.unsubscribe(c, ts)
		c.control("unsubscribed", map[string]any{"topics": ts, "reason": "you may no longer watch these topics"})
	}
}

// Prune deletes the events older than the retention window now (every instance also
// does it hourly). Clients resuming from before the window get "resync".
func (h *Hub) Prune(ctx context.Context) {
	if h.opt.Retention > 0 {
		h.prune(ctx)
	}
}

// prune deletes events older than the retention window, oldest first, in batches.
func (h *Hub) prune(ctx context.Context) {
	cutoff := time.Now().Add(-h.opt.Retention)
	for ctx.Err() == nil {
		rows, err := h.st.Read.Event.Query().Order(ent.Asc(event.FieldSeq)).Limit(batch).
			Select(event.FieldSeq, event.FieldAt).All(ctx)
		if err != nil || len(rows) == 0 {
			return
		}
		var upto int64
		for _, r := range rows {
			if !r.At.Before(cutoff) {
				break
			}
			upto = r.Seq
		}
		if upto == 0 {
			return
		}
		if _, err := h.st.Client.Event.Delete().Where(event.SeqLTE(upto)).Exec(ctx); err != nil {
			h.log.Warn("live: prune events", "err", err)
			return
		}
		if upto != rows[len(rows)-1].Seq {
			return
		}
	}
}

// window reports the oldest retained seq (0 when the table is empty) and the newest
// committed seq.
func (h *Hub) window(ctx context.Context) (oldest, newest int64, err error) {
	first, err := h.st.Read.Event.Query().Order(ent.Asc(event.FieldSeq)).Select(event.FieldSeq).First(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return 0, 0, err
	}
	if first != nil {
		oldest = first.Seq
	}
	_, newest, err = h.st.Heads(ctx)
	return oldest, newest, err
}

// OriginAllowed accepts requests without an Origin (not a browser), from the server's
// own host, or from an allowed origin.
func (h *Hub) OriginAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	for _, o := range h.opt.AllowedOrigins {
		if strings.EqualFold(o, origin) {
			return true
		}
	}
	scheme, host, ok := strings.Cut(origin, "://")
	return ok && (scheme == "http" || scheme == "https") && host != "" && strings.EqualFold(host, r.Host)
}
