package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"sluice/backend/ent"
	"sluice/backend/ent/event"
	"sluice/backend/service"
)

// Peer is who a socket belongs to: the authenticated actor and the session that
// authenticated it (re-checked while the socket is open).
type Peer struct {
	Actor     service.Actor
	SessionID int
}

// Request is a checked handshake: where to resume from and which topics to watch.
type Request struct {
	// After is the seq to resume after; nil means live only.
	After  *int64
	Topics []string
}

// HTTPError is a refusal before the upgrade.
type HTTPError struct {
	Status int
	Detail string
}

func (e *HTTPError) Error() string { return e.Detail }

// Check validates a handshake before any upgrade: the Origin and the query
// (after=SEQ, topics=a,b). Authentication is the caller's.
func (h *Hub) Check(r *http.Request) (*Request, error) {
	if !h.OriginAllowed(r) {
		return nil, &HTTPError{http.StatusForbidden, "this origin may not open a live connection"}
	}
	if !websocket.IsWebSocketUpgrade(r) {
		return nil, &HTTPError{http.StatusBadRequest, "this endpoint speaks websocket: send an upgrade request"}
	}
	q := r.URL.Query()
	if q.Has("token") || q.Has("access_token") {
		return nil, &HTTPError{http.StatusBadRequest, "never put a session token in a URL: use the cookie, an Authorization header, or a ticket from POST /api/v1/live/ticket"}
	}
	req := &Request{}
	if v := q.Get("after"); v != "" || q.Has("after") {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, &HTTPError{http.StatusBadRequest, "after: want the last seq received, a number ≥ 0"}
		}
		req.After = &n
	}
	if v := q.Get("topics"); v != "" {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" && !slices.Contains(req.Topics, t) {
				req.Topics = append(req.Topics, t)
			}
		}
		if len(req.Topics) > h.opt.MaxTopics {
			return nil, &HTTPError{http.StatusBadRequest, fmt.Sprintf("topics: at most %d", h.opt.MaxTopics)}
		}
		for _, t := range req.Topics {
			if err := parseTopic(t); err != "" {
				return nil, &HTTPError{http.StatusBadRequest, fmt.Sprintf("topics: %q: %s", t, err)}
			}
		}
	}
	return req, nil
}

// outMsg is an event framed once for every socket that gets it.
type outMsg struct {
	seq   int64
	frame []byte // see textFrame
}

type client struct {
	// The fields the fan-out reads and writes for every socket of a dispatch come first
	// and together, so thousands of sockets cost as few cache misses as they can.

	// The pump's own: the events of the batch being dispatched that go to this socket.
	gen   uint64
	batch []*outMsg
	// behind is set by the hub when the queue was full: it offers nothing more until
	// the writer has caught up from the events table and rejoins (under hub.mu).
	behind atomic.Bool
	// ready is set once the prelude (subscription answer, replay) is written.
	ready atomic.Bool
	// wmu is held while a data frame is written, by the writer or by the pump writing an
	// event itself (see direct); lastSent changes only under it.
	wmu sync.Mutex
	// queued counts events offered to send and not yet handled by the writer: while any
	// are, the pump queues too, so the socket's events stay in seq order.
	queued atomic.Int64
	// lastSent: every event of the socket's topics up to this seq has been written.
	lastSent atomic.Int64
	// unchecked counts the bytes written directly since the send queue was last seen
	// nearly empty (under wmu).
	unchecked int
	fc        *frameConn // the connection under gorilla's Conn
	hub       *Hub
	done      chan struct{} // closed by kill

	conn    *websocket.Conn
	actor   service.Actor
	session int
	own     string // "user:<name>"

	topics map[string]struct{} // guarded by hub.mu

	send        chan *outMsg  // events, bounded (pointers: an idle socket's queue is 1 KiB)
	ctrl        chan []byte   // answers to the client's operations, bounded
	nudge       chan struct{} // the hub stopped offering events: catch up from the table
	behindSince atomic.Int64  // unix nanoseconds

	ctx      context.Context // ends when the socket does
	cancel   context.CancelFunc
	finished chan struct{} // closed when the connection is gone
	readDone chan struct{}

	once      sync.Once
	code      int
	reason    string
	closeSent bool
}

// offer queues m without waiting. When the queue is full the socket falls behind: the
// hub stops offering and the writer catches up from the events table.
func (c *client) offer(m *outMsg, now int64) {
	c.queued.Add(1)
	select {
	case c.send <- m:
	default:
		c.queued.Add(-1)
		c.behindSince.Store(now)
		c.behind.Store(true)
		select {
		case c.nudge <- struct{}{}:
		default:
		}
	}
}

// control queues an answer ({type, data}); a client that does not read its answers is
// dropped.
func (c *client) control(typ string, data any) {
	b, _ := json.Marshal(struct {
		Type string `json:"type"`
		Data any    `json:"data,omitempty"`
	}{typ, data})
	select {
	case c.ctrl <- b:
	default:
		c.kill(CloseSlowConsumer, "too slow; reconnect with ?after=<last seq>", false)
	}
}

// kill ends the socket with a close code (sent by the writer, after the write in
// progress), and stops the hub offering it anything. It reports whether this call
// was the one that closed it. Never call it holding hub.mu.
func (c *client) kill(code int, reason string, alreadySent bool) bool {
	first := false
	c.once.Do(func() {
		first = true
		c.code, c.reason, c.closeSent = code, reason, alreadySent
		close(c.done)
		c.cancel()
	})
	if first {
		c.hub.unregister(c)
	}
	return first
}

// Serve upgrades the request and starts the socket's reader and writer; it returns once
// the socket runs. The request must have passed Check and the caller must have
// authenticated peer.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, req *Request, p Peer) {
	ctx := r.Context()
	// Subscriptions are decided before the upgrade (the database may be asked), so the
	// first frames already reflect them.
	own := "user:" + p.Actor.Username
	topics := []string{own}
	var denied []deniedTopic
	for _, t := range req.Topics {
		if t == own {
			continue
		}
		if why := h.allowed(ctx, p.Actor, t); why != "" {
			denied = append(denied, deniedTopic{t, why})
			continue
		}
		topics = append(topics, t)
	}
	bw := &framing{ResponseWriter: w}
	conn, err := h.upgrader.Upgrade(bw, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	if tc, ok := bw.conn.Conn.(*net.TCPConn); ok && h.opt.SendBuffer > 0 {
		_ = tc.SetWriteBuffer(h.opt.SendBuffer)
	}
	c := &client{
		hub: h, conn: conn, actor: p.Actor, session: p.SessionID, own: own, fc: bw.conn,
		topics: map[string]struct{}{},
		send:   make(chan *outMsg, h.opt.QueueSize), ctrl: make(chan []byte, 16), nudge: make(chan struct{}, 1),
		done: make(chan struct{}), finished: make(chan struct{}), readDone: make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	pos, ok := h.register(c, topics)
	if !ok {
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "the server is shutting down"), time.Now().Add(time.Second))
		conn.Close()
		return
	}
	// Both loops run in goroutines of their own and the handler returns: the HTTP
	// server's deep stack is not kept for the life of the socket.
	go c.write(req, topics, denied, pos)
	go c.read()
}

type deniedTopic struct {
	Topic  string `json:"topic"`
	Reason string `json:"reason"`
}

func (h *Hub) register(c *client, topics []string) (int64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return 0, false
	}
	h.all[c] = struct{}{}
	if h.users[c.actor.Username] == nil {
		h.users[c.actor.Username] = map[*client]struct{}{}
	}
	h.users[c.actor.Username][c] = struct{}{}
	h.addTopics(c, topics)
	return h.last.Load(), true
}

func (h *Hub) addTopics(c *client, topics []string) {
	for _, t := range topics {
		c.topics[t] = struct{}{}
		if h.topics[t] == nil {
			h.topics[t] = map[*client]struct{}{}
		}
		h.topics[t][c] = struct{}{}
	}
}

func (h *Hub) unregister(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.all[c]; !ok {
		return
	}
	delete(h.all, c)
	if us := h.users[c.actor.Username]; us != nil {
		delete(us, c)
		if len(us) == 0 {
			delete(h.users, c.actor.Username)
		}
	}
	h.dropTopics(c, c.topics)
}

func (h *Hub) dropTopics(c *client, topics map[string]struct{}) {
	for t := range topics {
		if subs := h.topics[t]; subs != nil {
			delete(subs, c)
			if len(subs) == 0 {
				delete(h.topics, t)
			}
		}
	}
}

// subscribe adds topics and returns the position from which they are delivered.
func (h *Hub) subscribe(c *client, topics []string) (int64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.all[c]; !ok {
		return 0, errors.New("closed")
	}
	n := len(c.topics)
	for _, t := range topics {
		if _, ok := c.topics[t]; !ok {
			n++
		}
	}
	if n > h.opt.MaxTopics {
		return 0, fmt.Errorf("at most %d topics per connection", h.opt.MaxTopics)
	}
	h.addTopics(c, topics)
	return h.last.Load(), nil
}

func (h *Hub) unsubscribe(c *client, topics []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.all[c]; !ok {
		return
	}
	drop := map[string]struct{}{}
	for _, t := range topics {
		if _, ok := c.topics[t]; ok {
			drop[t] = struct{}{}
			delete(c.topics, t)
		}
	}
	h.dropTopics(c, drop)
}

// write is the socket's only writer: the handshake answer, the replay, then the queue
// (catching up from the table whenever it fell behind).
func (c *client) write(req *Request, topics []string, denied []deniedTopic, pos int64) {
	h := c.hub
	defer close(c.finished)
	defer c.conn.Close()
	ping := time.NewTicker(h.opt.PingInterval)
	defer ping.Stop()

	c.wmu.Lock()
	err := c.prelude(req, topics, denied, pos)
	c.ready.Store(err == nil)
	c.wmu.Unlock()
	for err == nil {
		if c.behind.Load() && len(c.send) == 0 {
			err = c.catchUp()
			continue
		}
		select {
		case m := <-c.send:
			err = c.queuedEvents(m)
		case b := <-c.ctrl:
			c.wmu.Lock()
			err = c.text(b)
			c.wmu.Unlock()
		case <-c.nudge:
		case <-ping.C:
			err = c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(h.opt.WriteTimeout))
		case <-c.done:
			err = errClosed
		}
	}
	select {
	case <-c.done:
	default:
		c.kill(websocket.CloseAbnormalClosure, "", true) // the connection failed: no close frame
	}
	if !c.closeSent {
		// Behind whatever the peer has still to read (a slow one, say).
		_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(c.code, c.reason), time.Now().Add(h.opt.WriteTimeout))
	}
	// Give the peer a moment to answer the close before the connection is cut.
	select {
	case <-c.readDone:
	case <-time.After(time.Second):
	}
}

var errClosed = errors.New("closed")

// queuedEvents writes m and whatever else is queued behind it (up to a send's worth) in
// one send, skipping what a replay has written.
func (c *client) queuedEvents(m *outMsg) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	ms := []*outMsg{m}
	defer func() { c.queued.Add(-int64(len(ms))) }()
	select {
	case <-c.done:
		return errClosed // what is still queued is for a resumed socket to fetch
	default:
	}
	for size := len(m.frame); size < maxSend; size += len(m.frame) {
		select {
		case m = <-c.send:
			ms = append(ms, m)
			continue
		default:
		}
		break
	}
	c.unchecked = directCheckEvery // the queue's writes are not counted: ask next time
	buf := sendBufs.Get().(*[]byte)
	defer sendBufs.Put(buf)
	return c.sendBatch(ms, c.hub.opt.WriteTimeout, buf)
}

var sendBufs = sync.Pool{New: func() any { return new([]byte) }}

// sendBatch writes the events of ms newer than lastSent in one send, waiting at most
// wait if the kernel cannot take them at once; buf is scratch space. The caller holds
// wmu.
func (c *client) sendBatch(ms []*outMsg, wait time.Duration, buf *[]byte) error {
	last := c.lastSent.Load()
	b := (*buf)[:0]
	for _, m := range ms {
		if m.seq > last {
			b = append(b, m.frame...)
			last = m.seq
		}
	}
	*buf = b
	if len(b) > 0 {
		if err := c.fc.send(b, wait); err != nil {
			return err
		}
	}
	c.lastSent.Store(last)
	return nil
}

// maxSend bounds the bytes of events the writer gathers into one send.
const maxSend = 32 << 10

// Direct writes: with thousands of sockets on a board, handing every event to every
// socket's writer goroutine costs a wake-up and a context switch per socket, about a
// quarter of the server's CPU per delivery. So the pump writes an event itself to a
// socket that has nothing queued, whose writer is idle, and whose kernel send queue is
// nearly empty (the write cannot block). Anything else goes through the queue as before.
const (
	directMaxUnsent = 1 << 10 // bytes not yet acknowledged by the peer
	directMaxSize   = 4 << 10 // bytes of the event frames
	// directCheckEvery: the send queue is asked (a system call) again once this many
	// bytes went out since it was last seen nearly empty. A peer that stops reading still
	// acknowledges what fits its receive window (64 KiB and more), so until then the
	// queue cannot fill.
	directCheckEvery = 8 << 10
	// directTimeout bounds a direct write should the check above ever misjudge; a socket
	// that cannot take a small frame in that time is dropped and resumes.
	directTimeout = 250 * time.Millisecond
)

// direct writes ms (this socket's events of one dispatch, in seq order) from the pump in
// one send if it may, counting them in sh. handled is false when they must be queued
// instead; err is a failed write (the caller ends the socket, not holding hub.mu).
func (c *client) direct(ms []*outMsg, sh *shard) (handled bool, err error) {
	size := 0
	for _, m := range ms {
		size += len(m.frame)
	}
	if c.fc.raw == nil || size > directMaxSize || !c.ready.Load() || c.queued.Load() != 0 || !c.wmu.TryLock() {
		return false, nil
	}
	defer c.wmu.Unlock()
	if c.queued.Load() != 0 || c.behind.Load() {
		return false, nil
	}
	if c.unchecked+size > directCheckEvery {
		if n, ok := c.fc.unsent(); !ok || n > directMaxUnsent {
			return false, nil
		}
		c.unchecked = 0
	}
	select {
	case <-c.done:
		return true, nil
	default:
	}
	c.unchecked += size
	if err := c.sendBatch(ms, min(directTimeout, c.hub.opt.WriteTimeout), &sh.buf); err != nil {
		return true, err
	}
	sh.direct += int64(len(ms))
	return true, nil
}

func (c *client) text(b []byte) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(c.hub.opt.WriteTimeout))
	return c.conn.WriteMessage(websocket.TextMessage, b)
}

func (c *client) writeJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.text(b)
}

// prelude writes what precedes the live stream: resync when the resume point is out of
// the retained window, the subscription answer, then the missed events up to pos.
func (c *client) prelude(req *Request, topics []string, denied []deniedTopic, pos int64) error {
	h := c.hub
	if req.After == nil {
		return c.writeJSON(subscribed(topics, denied, pos))
	}
	after := *req.After
	oldest, newest, err := h.window(c.ctx)
	if err != nil {
		return err
	}
	replay, resync := true, false
	switch {
	case after > newest: // not a sequence of this database (restored, or another one)
		resync, replay = true, false
	case oldest == 0: // empty table: everything up to newest was pruned
		resync, replay = after < newest, false
	default:
		resync = after+1 < oldest
	}
	if resync {
		h.stats.resyncs.Add(1)
		if err := c.writeJSON(map[string]any{"type": "resync", "data": map[string]any{"oldest": oldest, "latest": newest}}); err != nil {
			return err
		}
	}
	if err := c.writeJSON(subscribed(topics, denied, pos)); err != nil {
		return err
	}
	if !replay {
		return nil
	}
	c.lastSent.Store(after) // live events up to after were seen elsewhere
	return c.replay(after, pos, topics)
}

func subscribed(topics []string, denied []deniedTopic, pos int64) map[string]any {
	if denied == nil {
		denied = []deniedTopic{}
	}
	return map[string]any{"type": "subscribed", "data": map[string]any{"topics": topics, "denied": denied, "position": pos}}
}

// replay writes the events of topics in (after, upto] from the table, in order, and
// records upto as sent.
func (c *client) replay(after, upto int64, topics []string) error {
	h := c.hub
	for cur := after; cur < upto; {
		rows, err := h.st.Read.Event.Query().Where(event.SeqGT(cur), event.SeqLTE(upto), event.TopicIn(topics...)).
			Order(ent.Asc(event.FieldSeq)).Limit(batch).All(c.ctx)
		if err != nil {
			return err
		}
		for _, e := range rows {
			if e.Seq <= c.lastSent.Load() {
				continue
			}
			if err := c.text(encode(e, time.Time{})); err != nil {
				return err
			}
			c.lastSent.Store(e.Seq)
		}
		if len(rows) < batch {
			break
		}
		cur = rows[len(rows)-1].Seq
	}
	if upto > c.lastSent.Load() {
		c.lastSent.Store(upto)
	}
	return nil
}

// catchUp brings a socket that fell behind up to the hub's position from the table,
// then rejoins the live stream: under hub.mu (no dispatch running) it takes the
// position and clears behind, so every later event is offered again and the few
// committed meanwhile are replayed.
func (c *client) catchUp() error {
	h := c.hub
	h.stats.catchUps.Add(1)
	c.wmu.Lock() // before hub.mu: the pump only ever tries wmu, never waits for it
	defer c.wmu.Unlock()
	if err := c.replay(c.lastSent.Load(), h.last.Load(), c.topicList()); err != nil {
		return err
	}
	h.mu.Lock()
	pos := h.last.Load()
	topics := c.topicsLocked()
	c.behind.Store(false)
	h.mu.Unlock()
	return c.replay(c.lastSent.Load(), pos, topics)
}

func (c *client) topicList() []string {
	c.hub.mu.RLock()
	defer c.hub.mu.RUnlock()
	return c.topicsLocked()
}

func (c *client) topicsLocked() []string {
	out := make([]string, 0, len(c.topics))
	for t := range c.topics {
		out = append(out, t)
	}
	return out
}

// clientOp is a message from the client.
type clientOp struct {
	Op     string   `json:"op"`
	Topics []string `json:"topics"`
}

// read handles the client's messages until the connection fails or closes.
func (c *client) read() {
	h := c.hub
	defer close(c.readDone)
	c.conn.SetReadLimit(h.opt.ReadLimit)
	_ = c.conn.SetReadDeadline(time.Now().Add(h.opt.PongWait))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(h.opt.PongWait))
	})
	strikes := 0
	for {
		_, b, err := c.conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			switch {
			case errors.Is(err, websocket.ErrReadLimit):
				c.kill(websocket.CloseMessageTooBig, "", true) // the library sent 1009
			case errors.As(err, &ce):
				c.kill(websocket.CloseNormalClosure, "", true) // the library answered the peer's close
			default:
				c.kill(websocket.CloseGoingAway, "read failed", false)
			}
			return
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(h.opt.PongWait))
		if !c.handle(b) {
			if strikes++; strikes >= 10 {
				c.kill(CloseProtocol, "too many bad messages", false)
			}
		}
	}
}

// handle runs one client operation; false for a bad message.
func (c *client) handle(b []byte) bool {
	h := c.hub
	var op clientOp
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&op); err != nil {
		c.control("error", map[string]any{"message": "want {\"op\": \"subscribe\"|\"unsubscribe\", \"topics\": [...]}"})
		return false
	}
	if len(op.Topics) == 0 || len(op.Topics) > h.opt.MaxTopics {
		c.control("error", map[string]any{"message": fmt.Sprintf("topics: 1 to %d of them", h.opt.MaxTopics)})
		return false
	}
	switch op.Op {
	case "subscribe":
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		granted := []string{}
		denied := []deniedTopic{}
		for _, t := range op.Topics {
			if why := h.allowed(ctx, c.actor, t); why != "" {
				denied = append(denied, deniedTopic{t, why})
			} else if !slices.Contains(granted, t) {
				granted = append(granted, t)
			}
		}
		var pos int64
		if len(granted) > 0 {
			var err error
			if pos, err = h.subscribe(c, granted); err != nil {
				for _, t := range granted {
					denied = append(denied, deniedTopic{t, err.Error()})
				}
				granted = []string{}
			}
		}
		if pos == 0 {
			pos = h.last.Load()
		}
		c.control("subscribed", map[string]any{"topics": granted, "denied": denied, "position": pos})
		return true
	case "unsubscribe":
		h.unsubscribe(c, op.Topics)
		c.control("unsubscribed", map[string]any{"topics": op.Topics})
		return true
	}
	c.control("error", map[string]any{"message": fmt.Sprintf("unknown op %q (subscribe, unsubscribe)", op.Op)})
	return false
}
