import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { renderWithProviders } from '../../../test/render';
import { BoardPage } from './BoardPage';
import type { Board } from '../../../lib/types';

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status < 400 ? 'application/json' : 'application/problem+json' } });

const hour = 3600_000;
const board = (): Board => ({
  flow: 'order-review',
  version: 1,
  department: 'sales',
  columns: [
    { node: 'verify', name: { 'zh-TW': '資料核對', en: 'Verify' }, cards: [], count: 0 },
    {
      node: 'sales_review',
      name: { 'zh-TW': '業務主管審核', en: 'Sales review' },
      count: 2,
      cards: [
        {
          order_id: 1, number: 'SO-1', status: 'in_review', total: 7450, submitter: 'clerk', customer: '順達五金', assignees: ['manager'],
          since: new Date(Date.now() - hour).toISOString(), due: new Date(Date.now() - 5 * 60_000).toISOString(), comments: 2,
          lock: { order_id: 1, by: 'warehouse', until: new Date(Date.now() + 10 * 60_000).toISOString() },
        },
        {
          order_id: 2, number: 'SO-2', status: 'in_review', total: 80600, submitter: 'clerk', assignees: ['manager'],
          since: new Date().toISOString(), due: new Date(Date.now() + 3 * hour).toISOString(), comments: 0,
        },
      ],
    },
  ],
});

afterEach(() => vi.unstubAllGlobals());

function routes(fetchMock: ReturnType<typeof vi.fn>) {
  vi.stubGlobal('fetch', fetchMock);
  return renderWithProviders(
    <Routes>
      <Route path="/boards/:department" element={<BoardPage />} />
    </Routes>,
    { initialEntries: ['/boards/sales'] },
  );
}

describe('BoardPage', () => {
  it('shows a column per node and cards with SLA (red when breached), claim and comments', async () => {
    const fetchMock = vi.fn(async (url: string) => {
      if (url.includes('/boards/')) return json(board());
      if (url.includes('/me')) return json({ user: { id: 1, username: 'manager', display_name: '', is_admin: false }, memberships: [] });
      if (url.includes('/comments')) return json({ items: [{ id: 1, order_id: 1, author: 'warehouse', body: '@manager 請看', mentions: ['manager'], created_at: new Date().toISOString() }] });
      return json({ items: [] });
    });
    routes(fetchMock);
    const cols = await screen.findAllByTestId('board-column');
    expect(cols.map((c) => c.getAttribute('data-node'))).toEqual(['verify', 'sales_review']);
    expect(cols[1].getAttribute('data-count')).toBe('2');
    const cards = within(cols[1]).getAllByTestId('board-card');
    const sla = cards.map((c) => within(c).getByTestId('card-sla'));
    expect(sla[0].getAttribute('data-breached')).toBe('true');
    expect(sla[0].textContent).toMatch(/^逾時 \d分 \d\d秒$/);
    expect(sla[1].getAttribute('data-breached')).toBe('false');
    expect(within(cards[0]).getByTestId('card-lock').textContent).toBe('warehouse 處理中');
    expect(within(cards[1]).queryByTestId('card-lock')).toBeNull();

    // the drawer: someone else holds it, so claiming is off; the comments are listed
    fireEvent.click(cards[0]);
    const drawer = await screen.findByTestId('card-drawer');
    await within(drawer).findByTestId('comment-item');
    expect(within(drawer).getByTestId('card-claim').closest('button')!.disabled).toBe(true);
    expect(within(drawer).getByTestId('card-lock-info').getAttribute('data-by')).toBe('warehouse');
  });

  it('shows a column\'s total count and loads its next page with the column\'s cursor', async () => {
    const first = board();
    first.columns[1].count = 3;
    first.columns[1].next_cursor = 'r42';
    const more: Board = { ...board(), columns: [{ ...board().columns[1], next_cursor: undefined, cards: [
      { order_id: 3, number: 'SO-3', status: 'in_review', total: 10, submitter: 'clerk', assignees: [], since: new Date().toISOString(), comments: 0 },
    ] }] };
    const fetchMock = vi.fn(async (url: string) => {
      if (url.includes('/boards/')) return json(url.includes('cursor=r42') ? more : first);
      if (url.includes('/me')) return json({ user: { id: 1, username: 'manager' }, memberships: [] });
      return json({ items: [] });
    });
    routes(fetchMock);
    const cols = await screen.findAllByTestId('board-column');
    expect(within(cols[1]).getByTestId('board-column-count').textContent).toContain('3');
    expect(within(cols[0]).queryByTestId('board-column-more')).toBeNull();
    fireEvent.click(within(cols[1]).getByTestId('board-column-more'));
    await waitFor(() => expect(within(screen.getAllByTestId('board-column')[1]).getAllByTestId('board-card')).toHaveLength(3));
    const asked = fetchMock.mock.calls.map((c) => String(c[0])).find((u) => u.includes('cursor=r42'))!;
    expect(asked).toContain('node=sales_review');
    expect(within(screen.getAllByTestId('board-column')[1]).queryByTestId('board-column-more')).toBeNull();
  });

  it('sends the text filter to the server', async () => {
    const fetchMock = vi.fn(async (url: string) =>
      url.includes('/boards/') ? json(board()) : url.includes('/me') ? json({ user: { id: 1, username: 'manager' }, memberships: [] }) : json({ items: [] }),
    );
    routes(fetchMock);
    await screen.findAllByTestId('board-card');
    fireEvent.change(screen.getByPlaceholderText('搜尋單號、申請人或客戶'), { target: { value: 'SO-2' } });
    await waitFor(() => expect(fetchMock.mock.calls.some(([u]) => String(u).includes('/boards/sales?q=SO-2'))).toBe(true), { timeout: 3000 });
  });
});
