import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReactNode } from 'react';
import { act, renderHook, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { App as AntdApp } from 'antd';
import { LiveClient } from './client';
import { LiveProvider, usePollUnlessLive } from './LiveProvider';
import '../../i18n';
import { LiveBridge } from '../../features/notifications';
import { useOrder } from '../../features/orders';
import { FakeSocket } from '../../test/fakeSocket';

function setup() {
  const sockets: FakeSocket[] = [];
  const live = new LiveClient({
    url: 'ws://host/api/v1/live',
    getTicket: async () => 't',
    openSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimer: () => 0,
    clearTimer: () => {},
  });
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <AntdApp>
      <QueryClientProvider client={qc}>
        <MemoryRouter>
          <LiveProvider username="manager" client={live}>
            <LiveBridge />
            {children}
          </LiveProvider>
        </MemoryRouter>
      </QueryClientProvider>
    </AntdApp>
  );
  const subscribed = (topics: string[], position = 10) => act(() => sockets.at(-1)!.frame({ type: 'subscribed', data: { topics, denied: [], position } }));
  return { live, sockets, wrapper, subscribed };
}

afterEach(() => vi.unstubAllGlobals());

describe('usePollUnlessLive', () => {
  it('polls until the socket is open, and again once it drops', async () => {
    const { sockets, wrapper, subscribed } = setup();
    const { result } = renderHook(() => usePollUnlessLive(15_000), { wrapper });
    expect(result.current).toBe(15_000);
    await waitFor(() => expect(sockets).toHaveLength(1));
    subscribed(['user:manager']);
    expect(result.current).toBe(false);
    act(() => sockets[0].drop());
    expect(result.current).toBe(15_000);
  });
});

describe('live subscriptions refresh what was read before them', () => {
  it('an order watched on the open socket is refetched once its subscription is answered', async () => {
    const { live, sockets, wrapper, subscribed } = setup();
    const fetch = vi.fn(async (url: string) => Response.json({ id: Number(url.split('/').pop()), status: 'in_review' }));
    vi.stubGlobal('fetch', fetch);
    const fetches = (id: string) => fetch.mock.calls.filter(([url]) => String(url).endsWith(`/orders/${id}`)).length;
    const { result, rerender } = renderHook(({ second }: { second?: string }) => [useOrder('5'), useOrder(second)], {
      wrapper,
      initialProps: {},
    });
    await waitFor(() => expect(result.current[0].data).toBeDefined());
    await waitFor(() => expect(sockets).toHaveLength(1));
    expect(sockets[0].url).toContain('topics=order%3A5'); // watched before the handshake: named in it
    expect(fetches('5')).toBe(1);
    subscribed(['user:manager', 'order:5']);
    expect(live.status).toBe('open');
    // the first handshake's topics count as new: the order read before it is refetched
    await waitFor(() => expect(fetches('5')).toBe(2));

    // a topic watched later goes out as a subscribe op; its answer invalidates that order's caches only
    rerender({ second: '6' });
    await waitFor(() => expect(result.current[1].data).toBeDefined());
    await waitFor(() => expect(sockets[0].sent).toContainEqual({ op: 'subscribe', topics: ['order:6'] }));
    expect(fetches('6')).toBe(1);
    subscribed(['order:6']);
    await waitFor(() => expect(fetches('6')).toBe(2));
    expect(fetches('5')).toBe(2); // the other order's caches are left alone
  });
});
