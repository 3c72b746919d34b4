import { describe, expect, it, vi } from 'vitest';
import { backoffDelay, CLOSE_SESSION_ENDED, LiveClient, liveUrl, parseFrame, type LiveEvent } from './client';
import { FakeSocket } from '../../test/fakeSocket';

const ev = (seq: number, type = 'order.updated', topic = 'department:sales'): object => ({
  seq,
  type,
  topic,
  at: '2026-11-27T10:00:00Z',
  data: { order_id: 1 },
});
const subscribed = (position: number, topics: string[] = ['user:manager']) => ({
  type: 'subscribed',
  data: { topics, denied: [], position },
});

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  let tickets = 0;
  const client = new LiveClient({
    url: 'ws://host/api/v1/live',
    getTicket: async () => `t${++tickets}`,
    openSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimer: () => {},
    random: () => 0.5,
  });
  const events: LiveEvent[] = [];
  const resets: string[] = [];
  client.onEvent((e) => events.push(e));
  client.onReset((r) => resets.push(r));
  const flush = () => new Promise((r) => setTimeout(r, 0));
  const fireTimer = async () => {
    const t = timers.shift();
    if (!t) throw new Error('no timer pending');
    t.fn();
    await flush();
  };
  return { client, sockets, timers, events, resets, flush, fireTimer };
}

describe('liveUrl', () => {
  it('names the ticket, the resume point and the non-user topics, sorted', () => {
    expect(liveUrl('ws://h/api/v1/live', 'abc', null, [])).toBe('ws://h/api/v1/live?ticket=abc');
    expect(liveUrl('ws://h/api/v1/live', 'abc', 41, ['order:7', 'user:me', 'department:sales'])).toBe(
      'ws://h/api/v1/live?ticket=abc&after=41&topics=department%3Asales%2Corder%3A7',
    );
  });
});

describe('parseFrame', () => {
  it('tells events from control messages and ignores junk', () => {
    expect(parseFrame('{"seq":3,"type":"x","topic":"user:a","at":"t","data":{"k":1}}')?.event?.seq).toBe(3);
    expect(parseFrame('{"type":"resync","data":{"oldest":5}}')?.control?.type).toBe('resync');
    expect(parseFrame('not json')).toBeNull();
    expect(parseFrame('[1]')).toBeNull();
    expect(parseFrame(42)).toBeNull();
  });
});

describe('backoffDelay', () => {
  it('doubles from the base, is capped and jittered into [half, full)', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 0.999999)).toBe(500);
    expect(backoffDelay(3, () => 0.999999)).toBe(4000);
    expect(backoffDelay(50, () => 0.999999)).toBe(30_000);
    expect(backoffDelay(50, () => 0)).toBe(15_000);
  });
});

describe('LiveClient', () => {
  it('connects live-only first, then takes the handshake position as its mark', async () => {
    const { client, sockets, flush } = setup();
    client.start();
    await flush();
    expect(sockets[0].url).toBe('ws://host/api/v1/live?ticket=t1');
    sockets[0].frame(subscribed(40));
    expect(client.status).toBe('open');
    expect(client.lastSeq).toBe(40);
  });

  it('delivers each event once, in order, dropping replays it already has', async () => {
    const { client, sockets, events, flush } = setup();
    client.start();
    await flush();
    const s = sockets[0];
    s.frame(subscribed(10));
    s.frame(ev(11));
    s.frame(ev(12));
    s.frame(ev(12)); // duplicate
    s.frame(ev(9)); // older than the mark
    s.frame(ev(13));
    expect(events.map((e) => e.seq)).toEqual([11, 12, 13]);
    expect(client.lastSeq).toBe(13);
  });

  it('resumes after the last seq with every watched topic, and keeps the replay', async () => {
    const { client, sockets, events, resets, flush, fireTimer, timers } = setup();
    const unwatch = client.watch('department:sales');
    client.watch('order:7');
    client.start();
    await flush();
    expect(sockets[0].url).toContain('topics=department%3Asales%2Corder%3A7');
    sockets[0].frame(subscribed(20));
    sockets[0].frame(ev(21));
    sockets[0].drop();
    expect(client.status).toBe('reconnecting');
    expect(timers[0].ms).toBe(375); // 500 · 0.75
    unwatch();
    await fireTimer();
    expect(sockets[1].url).toBe('ws://host/api/v1/live?ticket=t2&after=21&topics=order%3A7');
    // the handshake answers with the hub's position (25); the replay of 22..25 follows and must be delivered
    sockets[1].frame(subscribed(25));
    sockets[1].frame(ev(22));
    sockets[1].frame(ev(24));
    sockets[1].frame(ev(25));
    sockets[1].frame(ev(24)); // the live queue repeating a replayed one
    sockets[1].frame(ev(26));
    expect(events.map((e) => e.seq)).toEqual([21, 22, 24, 25, 26]);
    expect(resets).toEqual([]);
  });

  it('reports resync and starts over from the handshake position', async () => {
    const { client, sockets, events, resets, flush, fireTimer } = setup();
    client.start();
    await flush();
    sockets[0].frame(subscribed(5));
    sockets[0].frame(ev(6));
    sockets[0].drop();
    await fireTimer();
    expect(sockets[1].url).toContain('after=6');
    sockets[1].frame({ type: 'resync', data: { oldest: 500, latest: 900 } });
    sockets[1].frame(subscribed(900));
    expect(resets).toEqual(['resync']);
    expect(client.lastSeq).toBe(900);
    sockets[1].frame(ev(899));
    sockets[1].frame(ev(901));
    expect(events.map((e) => e.seq)).toEqual([6, 901]);
  });

  it('backs off more on each failed attempt and resets once connected', async () => {
    const { client, sockets, timers, flush, fireTimer } = setup();
    client.start();
    await flush();
    sockets[0].drop();
    await fireTimer();
    sockets[1].drop();
    await fireTimer();
    sockets[2].drop();
    expect(timers.map((t) => t.ms)).toEqual([1500]); // attempts 0, 1 fired (375, 750); now 2000 · 0.75
    await fireTimer();
    sockets[3].frame(subscribed(1));
    sockets[3].drop();
    expect(timers.map((t) => t.ms)).toEqual([375]);
  });

  it('tells the app to refetch when a reconnect had nothing to resume from', async () => {
    const { client, sockets, resets, flush, fireTimer } = setup();
    client.start();
    await flush();
    sockets[0].frame({ type: 'subscribed', data: { topics: [], denied: [] } }); // no position
    sockets[0].drop();
    await fireTimer();
    expect(sockets[1].url).not.toContain('after=');
    sockets[1].frame(subscribed(3));
    expect(resets).toEqual(['fresh']);
  });

  it('subscribes and unsubscribes on the open socket, once per topic', async () => {
    const { client, sockets, flush } = setup();
    client.start();
    await flush();
    const early = client.watch('order:1'); // before the handshake answer: sent once it arrives
    sockets[0].frame(subscribed(1));
    const a = client.watch('department:sales');
    const b = client.watch('department:sales');
    a();
    a(); // idempotent
    b();
    early();
    expect(sockets[0].sent).toEqual([
      { op: 'subscribe', topics: ['order:1'] },
      { op: 'subscribe', topics: ['department:sales'] },
      { op: 'unsubscribe', topics: ['department:sales'] },
      { op: 'unsubscribe', topics: ['order:1'] },
    ]);
  });

  it('reports topics that go live with nothing replayed: the first handshake and later subscriptions', async () => {
    const { client, sockets, flush, fireTimer, resets } = setup();
    const reported: string[][] = [];
    client.onSubscribed((t) => reported.push(t));
    client.watch('order:1');
    client.start();
    await flush();
    sockets[0].frame(subscribed(5, ['user:manager', 'order:1']));
    client.watch('department:sales');
    sockets[0].frame(subscribed(6, ['department:sales'])); // the subscribe op's answer
    sockets[0].frame({ type: 'subscribed', data: { topics: [], denied: [{ topic: 'order:2', reason: 'no' }], position: 6 } });
    expect(reported).toEqual([['user:manager', 'order:1'], ['department:sales']]);
    // a resumed handshake replays what was missed: nothing to report
    sockets[0].frame(ev(7));
    sockets[0].drop();
    await fireTimer();
    sockets[1].frame(subscribed(9, ['user:manager', 'order:1', 'department:sales']));
    expect(reported).toHaveLength(2);
    expect(resets).toEqual([]);
  });

  it('stops for good when the session ended (4001) or the ticket is refused with 401', async () => {
    const { client, sockets, timers, flush } = setup();
    client.start();
    await flush();
    sockets[0].frame(subscribed(1));
    sockets[0].drop(CLOSE_SESSION_ENDED);
    expect(client.status).toBe('ended');
    expect(timers).toEqual([]);

    const c2 = new LiveClient({
      url: 'ws://h',
      getTicket: () => Promise.reject(Object.assign(new Error('no'), { status: 401 })),
      openSocket: vi.fn(),
      setTimer: vi.fn(),
    });
    c2.start();
    await flush();
    expect(c2.status).toBe('ended');
  });

  it('ignores frames and closes of a socket it stopped', async () => {
    const { client, sockets, events, timers, flush } = setup();
    client.start();
    await flush();
    const s = sockets[0];
    s.frame(subscribed(1));
    const onmessage = s.onmessage!;
    client.stop();
    expect(s.closed).toBe(true);
    onmessage({ data: JSON.stringify(ev(2)) });
    expect(events).toEqual([]);
    expect(timers).toEqual([]);
    // start again: resumes from the mark
    client.start();
    await flush();
    expect(sockets[1].url).toContain('after=1');
  });
});
