import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderWithProviders } from '../../../test/render';
import { NotificationBell } from './NotificationBell';
import type { NotificationPage } from '../../../lib/types';

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });

const PAGE: NotificationPage = {
  unread: 1,
  items: [
    { id: 2, type: 'mention', title: 'warehouse mentioned you on order SO-1', order_id: 7, seq: 10, created_at: '2026-11-27T10:00:00Z', data: { author: 'warehouse', number: 'SO-1', body: '@manager 請確認' } },
    { id: 1, type: 'reminder', title: '訂單 SO-0 待您處理 (verify)', order_id: 6, seq: 5, created_at: '2026-11-27T09:00:00Z', read_at: '2026-11-27T09:30:00Z', data: { attempt: 1 } },
  ],
};

afterEach(() => vi.unstubAllGlobals());

describe('NotificationBell', () => {
  it('shows the unread count, lists notifications in the language, and marks all read', async () => {
    const calls: { url: string; body?: string }[] = [];
    let read = false;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        calls.push({ url, body: init?.body as string | undefined });
        if (url.includes('/notifications/read')) {
          read = true;
          return json({ unread: 0 });
        }
        return json(read ? { ...PAGE, unread: 0, items: PAGE.items.map((n) => ({ ...n, read_at: n.read_at ?? '2026-11-27T10:01:00Z' })) } : PAGE);
      }),
    );
    renderWithProviders(<NotificationBell />);
    const bell = await screen.findByTestId('notifications-bell');
    await waitFor(() => expect(bell.getAttribute('data-unread')).toBe('1'));
    fireEvent.click(bell);
    const items = await screen.findAllByTestId('notification-item');
    expect(items).toHaveLength(2);
    expect(items[0].textContent).toContain('warehouse 在訂單 SO-1 提到您：@manager 請確認');
    expect(items[0].getAttribute('data-read')).toBe('false');
    // a reminder without a number in its data keeps the server's title
    expect(items[1].textContent).toContain('訂單 SO-0 待您處理 (verify)');
    fireEvent.click(screen.getByTestId('notifications-read-all'));
    await waitFor(() => expect(calls.some((c) => c.url.includes('/notifications/read') && c.body === '{"all":true}')).toBe(true));
    await waitFor(() => expect(screen.getByTestId('notifications-bell').getAttribute('data-unread')).toBe('0'));
  });
});
