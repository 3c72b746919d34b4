import { createContext, useCallback, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { api } from '../api';
import { LiveClient, type LiveEvent, type LiveStatus, type SocketLike } from './client';

const LiveContext = createContext<LiveClient | null>(null);

function socketBase(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/api/v1/live`;
}

export function createBrowserLiveClient(): LiveClient {
  return new LiveClient({
    url: socketBase(),
    getTicket: async () => (await api.post<{ ticket: string }>('/live/ticket', {}, { skipAuthRedirect: true })).ticket,
    openSocket: (url) => new WebSocket(url) as unknown as SocketLike,
  });
}

/**
 * Holds the tab's one live connection while a user is signed in (keyed by username: a new login is a new
 * connection). Reconnects at once when the browser comes back online or the tab becomes visible.
 */
export function LiveProvider({ username, children, client: given }: { username: string; children: ReactNode; client?: LiveClient }) {
  const [client, setClient] = useState<LiveClient | null>(null);
  useEffect(() => {
    const c = given ?? createBrowserLiveClient();
    c.start();
    // the client is made here, where its lifetime (start, stop) is; children see it once it exists
    // eslint-disable-next-line react-hooks/set-state-in-effect -- publishing an external object made by this effect
    setClient(c);
    const nudge = () => c.nudge();
    const visible = () => document.visibilityState === 'visible' && c.nudge();
    window.addEventListener('online', nudge);
    document.addEventListener('visibilitychange', visible);
    return () => {
      window.removeEventListener('online', nudge);
      document.removeEventListener('visibilitychange', visible);
      c.stop();
    };
  }, [username, given]);
  return <LiveContext.Provider value={client}>{children}</LiveContext.Provider>;
}

export function useLiveClient(): LiveClient | null {
  return useContext(LiveContext);
}

/** Watches a live topic (order:<id>, department:<key>) while the component is mounted. */
export function useLiveTopic(topic: string | undefined | null) {
  const client = useLiveClient();
  useEffect(() => {
    if (!client || !topic) return;
    return client.watch(topic);
  }, [client, topic]);
}

/** Calls `handler` for every live event (the latest handler; no resubscription on re-render). */
export function useLiveEvents(handler: (e: LiveEvent) => void) {
  const client = useLiveClient();
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => {
    if (!client) return;
    return client.onEvent((e) => ref.current(e));
  }, [client]);
}

export function useLiveStatus(): LiveStatus {
  const client = useLiveClient();
  const subscribe = useCallback((changed: () => void) => (client ? client.onStatus(changed) : () => undefined), [client]);
  return useSyncExternalStore(subscribe, () => client?.status ?? 'idle');
}

/**
 * A refetch interval for data the live stream keeps fresh: none while the socket is open (its events
 * invalidate the caches), `ms` while it is not — connecting, reconnecting, or no live client at all.
 */
export function usePollUnlessLive(ms: number): number | false {
  return useLiveStatus() === 'open' ? false : ms;
}

/** Watches several topics while mounted (the list may change between renders; at most `max`). */
export function useLiveTopics(topics: string[], max = 50) {
  const client = useLiveClient();
  const key = [...new Set(topics)].slice(0, max).sort().join('|');
  useEffect(() => {
    if (!client || !key) return;
    const stops = key.split('|').map((t) => client.watch(t));
    return () => stops.forEach((stop) => stop());
  }, [client, key]);
}
