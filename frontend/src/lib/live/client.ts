/**
 * The live channel: one websocket per tab to GET /api/v1/live.
 *
 * - authenticates each handshake with a one-time ticket (POST /api/v1/live/ticket);
 * - remembers the last event seq and resumes with `?after=<seq>&topics=…`, so a reconnect gets every
 *   missed event of the watched topics, in order;
 * - drops any event whose seq is not greater than the last one delivered (a replay overlapping the
 *   live stream never reaches the app twice);
 * - reconnects with exponential backoff and jitter, except after 4001 (session ended);
 * - reports `resync` (the resume point is older than the server keeps): the app then refetches;
 * - reports topics that are delivered only from now on (a subscription on the open socket, the first
 *   handshake): what the app read of them before may already be stale, so it refetches those.
 *
 * Topics are reference-counted: pages call watch('department:sales') and the returned function when they
 * go; the client sends subscribe / unsubscribe on the open socket and names them all on the next handshake.
 * It has no React or DOM dependency of its own (the socket, ticket and timers are injected), so the
 * resume and dedupe logic is unit-tested.
 */

export interface LiveEvent {
  seq: number;
  type: string;
  topic: string;
  at: string;
  data: Record<string, unknown>;
}

export type LiveStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'ended';

/** The part of WebSocket the client uses. */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface LiveClientOptions {
  /** A fresh one-time ticket; a rejection with `{status: 401}` ends the client (logged out). */
  getTicket: () => Promise<string>;
  /** Opens a socket to the URL (`new WebSocket(url)` in the browser). */
  openSocket: (url: string) => SocketLike;
  /** The websocket URL without query (ws(s)://host/api/v1/live). */
  url: string;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  random?: () => number;
  /** Largest wait between two attempts (30 s). */
  maxDelayMs?: number;
  /** First wait (500 ms). */
  baseDelayMs?: number;
}

/** Close code of a socket whose session ended (logout, expiry, disabled user): do not come back. */
export const CLOSE_SESSION_ENDED = 4001;
const OPEN = 1;

/** Wait before attempt `attempt` (0-based): base·2^attempt, capped, times a jitter in [0.5, 1). */
export function backoffDelay(attempt: number, random: () => number = Math.random, baseMs = 500, maxMs = 30_000): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(raw * (0.5 + random() / 2));
}

/** The handshake URL: ticket, resume point and topics (the own user topic is always on and not named). */
export function liveUrl(base: string, ticket: string, after: number | null, topics: string[]): string {
  const q = new URLSearchParams({ ticket });
  if (after !== null) q.set('after', String(after));
  const named = topics.filter((t) => !t.startsWith('user:'));
  if (named.length) q.set('topics', [...named].sort().join(','));
  return `${base}?${q.toString()}`;
}

/** Parses one frame: an event (has a numeric seq), a control message ({type, data}), or null for junk. */
export function parseFrame(raw: unknown): { event?: LiveEvent; control?: { type: string; data: Record<string, unknown> } } | null {
  if (typeof raw !== 'string') return null;
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!m || typeof m !== 'object') return null;
  const o = m as Record<string, unknown>;
  if (typeof o.type !== 'string') return null;
  const data = o.data && typeof o.data === 'object' ? (o.data as Record<string, unknown>) : {};
  if (typeof o.seq === 'number') {
    return { event: { seq: o.seq, type: o.type, topic: String(o.topic ?? ''), at: String(o.at ?? ''), data } };
  }
  return { control: { type: o.type, data } };
}

type Listener<T> = (v: T) => void;

export class LiveClient {
  private readonly opt: Required<Omit<LiveClientOptions, 'setTimer' | 'clearTimer'>> &
    Pick<LiveClientOptions, 'setTimer' | 'clearTimer'>;
  private socket: SocketLike | null = null;
  private timer: unknown = null;
  private attempt = 0;
  private running = false;
  /** Bumped on every connect/stop, so callbacks of an older socket or ticket request do nothing. */
  private generation = 0;
  /** The handshake of the current socket resumed (sent `after`). */
  private resuming = false;
  /** The current socket's handshake began with resync (already reported). */
  private resynced = false;
  private everConnected = false;
  /** The topics named in the current socket's handshake. */
  private handshakeTopics: string[] = [];
  private readonly counts = new Map<string, number>();

  /** The last seq delivered to the app (null: none yet). */
  lastSeq: number | null = null;
  status: LiveStatus = 'idle';

  private readonly eventListeners = new Set<Listener<LiveEvent>>();
  private readonly resetListeners = new Set<Listener<'resync' | 'fresh'>>();
  private readonly statusListeners = new Set<Listener<LiveStatus>>();
  private readonly subscribedListeners = new Set<Listener<string[]>>();

  constructor(options: LiveClientOptions) {
    this.opt = { random: Math.random, maxDelayMs: 30_000, baseDelayMs: 500, ...options };
  }

  /** Delivered events, in seq order, each once. */
  onEvent(fn: Listener<LiveEvent>): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  /**
   * State may have changed unseen: `resync` (the server could not replay from our seq) or `fresh` (a
   * reconnect that had nothing to resume from). Refetch what is shown.
   */
  onReset(fn: Listener<'resync' | 'fresh'>): () => void {
    this.resetListeners.add(fn);
    return () => this.resetListeners.delete(fn);
  }

  /**
   * Topics whose events are delivered from now on with none before replayed: a page that read their
   * data before the subscription took effect may have missed a change in between. Refetch those.
   */
  onSubscribed(fn: Listener<string[]>): () => void {
    this.subscribedListeners.add(fn);
    return () => this.subscribedListeners.delete(fn);
  }

  onStatus(fn: Listener<LiveStatus>): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  /** The topics watched now (besides the own user topic). */
  topics(): string[] {
    return [...this.counts.keys()];
  }

  /** Watches a topic until the returned function is called (reference-counted). */
  watch(topic: string): () => void {
    const n = this.counts.get(topic) ?? 0;
    this.counts.set(topic, n + 1);
    if (n === 0) this.sendOp('subscribe', topic);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.counts.get(topic) ?? 1) - 1;
      if (left > 0) {
        this.counts.set(topic, left);
        return;
      }
      this.counts.delete(topic);
      this.sendOp('unsubscribe', topic);
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  /** Closes the socket and stops reconnecting; start() may be called again (resumes from lastSeq). */
  stop(): void {
    this.running = false;
    this.generation++;
    this.clear();
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = s.onmessage = s.onerror = s.onopen = null;
      try {
        s.close(1000, 'bye');
      } catch {
        // already closed
      }
    }
    this.setStatus('idle');
  }

  /** Connects now if a reconnect is pending (the browser came back online, the tab became visible). */
  nudge(): void {
    if (this.running && !this.socket && this.timer !== null) {
      this.clear();
      void this.connect();
    }
  }

  /** Handles one frame of the current socket (public for tests). */
  handleFrame(raw: unknown): void {
    const f = parseFrame(raw);
    if (!f) return;
    if (f.event) {
      const e = f.event;
      if (this.lastSeq !== null && e.seq <= this.lastSeq) return; // already delivered
      this.lastSeq = e.seq;
      for (const fn of this.eventListeners) fn(e);
      return;
    }
    const c = f.control!;
    if (c.type === 'resync') {
      // the resume point is gone: nothing will be replayed; start over from the handshake's position
      this.resuming = false;
      this.resynced = true;
      this.lastSeq = null;
      for (const fn of this.resetListeners) fn('resync');
      return;
    }
    if (c.type === 'subscribed' && this.status === 'open') {
      // the answer to a subscribe op: its topics are live from the hub's position, with no replay
      this.reportSubscribed(c.data.topics);
      return;
    }
    if (c.type === 'subscribed') {
      // the handshake's answer
      const position = typeof c.data.position === 'number' ? c.data.position : null;
      if (!this.resuming) {
        // live only from here: a replay is not coming, so the position is our mark
        if (position !== null && (this.lastSeq === null || position > this.lastSeq)) this.lastSeq = position;
        if (this.everConnected && !this.resynced) for (const fn of this.resetListeners) fn('fresh');
        else if (!this.everConnected) this.reportSubscribed(c.data.topics); // a reset covers the others
      }
      this.everConnected = true;
      this.attempt = 0;
      this.setStatus('open');
      // topics watched or dropped while the handshake was on its way
      for (const t of this.topics()) if (!this.handshakeTopics.includes(t)) this.sendOp('subscribe', t);
      for (const t of this.handshakeTopics) if (!this.counts.has(t)) this.sendOp('unsubscribe', t);
    }
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    this.setStatus(this.everConnected ? 'reconnecting' : 'connecting');
    let ticket: string;
    try {
      ticket = await this.opt.getTicket();
    } catch (e) {
      if (gen !== this.generation) return;
      if (e && typeof e === 'object' && (e as { status?: number }).status === 401) {
        this.end();
        return;
      }
      this.retry();
      return;
    }
    if (gen !== this.generation || !this.running) return;
    this.resuming = this.lastSeq !== null;
    this.resynced = false;
    this.handshakeTopics = this.topics();
    let s: SocketLike;
    try {
      s = this.opt.openSocket(liveUrl(this.opt.url, ticket, this.lastSeq, this.handshakeTopics));
    } catch {
      this.retry();
      return;
    }
    this.socket = s;
    s.onmessage = (ev) => {
      if (gen === this.generation) this.handleFrame(ev.data);
    };
    s.onclose = (ev) => {
      if (gen !== this.generation) return;
      this.socket = null;
      if (ev.code === CLOSE_SESSION_ENDED) this.end();
      else this.retry();
    };
    s.onerror = () => {
      // onclose follows
    };
  }

  private retry(): void {
    if (!this.running) return;
    this.setStatus('reconnecting');
    const delay = backoffDelay(this.attempt++, this.opt.random, this.opt.baseDelayMs, this.opt.maxDelayMs);
    this.clear();
    const set = this.opt.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
    this.timer = set(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }

  private end(): void {
    this.running = false;
    this.clear();
    this.setStatus('ended');
  }

  private clear(): void {
    if (this.timer !== null) {
      (this.opt.clearTimer ?? ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>)))(this.timer);
      this.timer = null;
    }
  }

  private sendOp(op: 'subscribe' | 'unsubscribe', topic: string): void {
    if (topic.startsWith('user:')) return;
    const s = this.socket;
    // not open yet: the next handshake names every watched topic
    if (!s || s.readyState !== OPEN || this.status !== 'open') return;
    try {
      s.send(JSON.stringify({ op, topics: [topic] }));
    } catch {
      // the socket is going; the reconnect names the topics
    }
  }

  private reportSubscribed(topics: unknown): void {
    const list = Array.isArray(topics) ? topics.filter((t): t is string => typeof t === 'string') : [];
    if (list.length > 0) for (const fn of this.subscribedListeners) fn(list);
  }

  private setStatus(s: LiveStatus): void {
    if (this.status === s) return;
    this.status = s;
    for (const fn of this.statusListeners) fn(s);
  }
}
