import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { OrderDetailPage } from './OrderDetailPage';
import { renderWithProviders } from '../../../test/render';
import { screenWidth } from '../../../test/screenWidth';
import { json } from '../../../test/shell';
import type { HistoryEntry, Order, Task } from '../../../lib/types';

const committee = { 'zh-TW': '授信委員會', en: 'Credit committee' };
const sales = { 'zh-TW': '業務主管審核', en: 'Sales review' };
const task = (t: Partial<Task>): Task => ({ id: 1, node: 'committee', node_name: committee, mode: 'ratio', kind: 'review', assignees: [], status: 'open', version: 1, can_act: false, created_at: '2026-11-27T10:00:00Z', ...t });

const history: HistoryEntry[] = [
  { seq: 1, at: '2026-11-27T10:00:00Z', actor: 'clerk', action: 'submitted', detail: { trace: [{ node: 'verify', text: 'waiting for role order_clerk' }] } },
  { seq: 2, at: '2026-11-27T10:01:00Z', actor: 'clerk', action: 'approve', node: 'verify', node_name: { 'zh-TW': '資料核對' } },
  { seq: 3, at: '2026-11-27T10:02:00Z', actor: 'manager', action: 'approve', node: 'sales_review', node_name: sales },
  {
    seq: 4, at: '2026-11-27T10:02:00Z', actor: 'system', action: 'node_entered', node: 'committee', node_name: committee,
    detail: { mode: 'ratio', need: 2, assignees: [['finance'], ['finance2'], ['manager']] },
  },
  {
    seq: 5, at: '2026-11-27T10:03:00Z', actor: 'manager', action: 'delegate', node: 'committee', node_name: committee,
    detail: { user: 'manager2', trace: [{ node: 'committee', text: 'manager delegated the decision to manager2, to confirm afterwards' }] },
  },
];

function serve(order: Order | (() => Order), me: string, onPost?: (path: string) => Response) {
  const current = () => (typeof order === 'function' ? order() : order);
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    const order = current();
    const path = String(url).replace(/\?.*$/, '');
    if (init?.method === 'POST' && onPost) return onPost(path);
    const body =
      path === `/api/v1/orders/${order.id}` ? order
        : path === `/api/v1/orders/${order.id}/history` ? { items: history }
          : path === '/api/v1/me' ? { user: { id: 1, username: me, display_name: me, is_admin: false }, memberships: [] }
            : { items: [] };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

const order: Order = {
  id: 5,
  number: 'SO-5',
  flow: 'order-review',
  version: 1,
  status: 'in_review',
  department: 'sales',
  submitter: 'clerk',
  data: {},
  total: 0,
  current_nodes: ['committee'],
  source: 'api',
  created_at: '2026-11-27T10:00:00Z',
  updated_at: '2026-11-27T10:00:00Z',
  tasks: [
    task({ id: 11, assignees: ['finance'], can_act: true, checklist: [] }),
    task({ id: 12, assignees: ['manager'], status: 'waiting' }),
    task({ id: 13, assignees: ['manager2'], kind: 'delegate' }),
  ],
};

afterEach(() => vi.unstubAllGlobals());

const page = (me: string, o: Order = order) => {
  serve(o, me);
  return render(o);
};
const render = (o: Pick<Order, 'id'>) => {
  return renderWithProviders(
    <Routes>
      <Route path="/orders/:id" element={<OrderDetailPage />} />
    </Routes>,
    { initialEntries: [`/orders/${o.id}`] },
  );
};

describe('OrderDetailPage', () => {
  it('shows how the node is voted ("2 of 3"), its open and waiting tasks, and why the order is here', async () => {
    page('finance');
    const progress = await screen.findByTestId('node-progress');
    expect(progress.getAttribute('data-need')).toBe('2');
    expect(progress.getAttribute('data-pool')).toBe('3');
    expect(progress.textContent).toContain('比例簽核');
    expect(progress.textContent).toContain('需 2/3 人核准');
    expect(progress.textContent).toContain('進行中 2 筆');
    expect(progress.textContent).toContain('等待中 1 筆');
    const rows = screen.getAllByTestId('open-task');
    expect(rows.map((r) => r.getAttribute('data-status'))).toEqual(['open', 'waiting', 'open']);
    expect(rows[1].textContent).toContain('等待 manager2 決定');
    expect(rows[2].textContent).toContain('受委派');
    expect(screen.getByTestId('why-here-toggle').textContent).toBe('為什麼在這裡？');
    // finance may act: the panel, with return offered (verify and sales_review were approved before)
    const panel = await screen.findByTestId('task-action-panel');
    expect(panel.getAttribute('data-task-id')).toBe('11');
    expect(within(panel).getByTestId('action-return')).toBeTruthy();
    // not the submitter: no withdraw, no urge
    expect(screen.queryByTestId('order-withdraw')).toBeNull();
    expect(screen.queryByTestId('task-urge')).toBeNull();
  });

  it('shows where the vote stands: the tally, who approved and rejected, who is next', async () => {
    const votes = [{ node: 'committee', mode: 'sequential', need: 3, pool: 3, approvals: 1, rejections: 1, queue: ['finance2', 'manager'],
      after: ['service'], approved_by: ['finance'], rejected_by: ['manager2'], summary: '1 of 3 approved (3 needed)' }];
    page('finance', { ...order, votes } as Order);
    const vote = await screen.findByTestId('node-vote');
    expect(vote.getAttribute('data-node')).toBe('committee');
    expect(vote.textContent).toContain('已核准 1/3');
    expect(vote.textContent).toContain('駁回 1');
    expect(screen.getByTestId('node-vote-approved').textContent).toBe('核准：finance');
    expect(screen.getByTestId('node-vote-rejected').textContent).toBe('駁回：manager2');
    expect(screen.getByTestId('node-vote-next').textContent).toBe('接下來：finance2、manager');
    expect(screen.getByTestId('node-vote-after').textContent).toBe('之後加簽：service');
  });

  it('tells a reviewer whose task waits for their delegate, and gives them no panel for it', async () => {
    // can_act is the caller's: manager may not act on finance's task
    page('manager', { ...order, tasks: order.tasks!.map((t) => ({ ...t, can_act: false })) });
    const waiting = await screen.findByTestId('task-waiting');
    expect(waiting.getAttribute('data-task-id')).toBe('12');
    expect(waiting.textContent).toContain('您的待辦正在等待 manager2 決定');
    expect(screen.queryByTestId('task-action-panel')).toBeNull();
  });

  it('offers the submitter withdraw and urge, and no review actions', async () => {
    page('clerk');
    expect(await screen.findByTestId('order-withdraw')).toBeTruthy();
    expect(await screen.findAllByTestId('task-urge')).toHaveLength(3);
  });

  it('shows a delegate’s recommendation to the delegator when the task comes back', async () => {
    page('manager', {
      ...order,
      tasks: [task({ id: 12, assignees: ['manager'], comment: 'manager2 recommends approve', can_act: true })],
    });
    const panel = await screen.findByTestId('task-action-panel');
    expect(within(panel).getByTestId('task-comment').textContent).toContain('manager2 recommends approve');
    expect(screen.getByTestId('open-task-comment').textContent).toContain('manager2 recommends approve');
  });

  it('on a 409 tells the reviewer the task changed, with the server’s reason, and reloads the order', async () => {
    let o: Order = { ...order, tasks: [task({ id: 11, node: 'sales_review', node_name: sales, assignees: ['manager'], can_act: true, mode: 'any' })] };
    const fetchMock = serve(
      () => o,
      'manager',
      () => {
        // meanwhile someone else decided: the order reloaded has the task done
        o = { ...o, current_nodes: ['committee'], tasks: [{ ...o.tasks![0], status: 'done', can_act: false }] };
        return new Response(JSON.stringify({ status: 409, title: 'Conflict', detail: 'this task was already decided (approve) by boss' }), {
          status: 409,
          headers: { 'Content-Type': 'application/problem+json' },
        });
      },
    );
    render(o);
    const panel = await screen.findByTestId('task-action-panel');
    fireEvent.click(within(panel).getByTestId('action-submit').closest('button')!);
    const notice = await screen.findByTestId('task-changed');
    expect(notice.textContent).toContain('業務主管審核：此待辦在您開啟後已有變動');
    expect(notice.textContent).toContain('this task was already decided (approve) by boss');
    expect(notice.textContent).not.toContain('權限');
    // the order was fetched again and the task's panel went with it
    await waitFor(() => expect(screen.queryByTestId('task-action-panel')).toBeNull());
    const orderGets = fetchMock.mock.calls.filter(([u, init]) => String(u).endsWith(`/orders/${o.id}`) && (init as RequestInit | undefined)?.method !== 'POST');
    expect(orderGets.length).toBeGreaterThan(1);
    expect(screen.getByTestId('task-changed')).toBeTruthy();
  });
});

// The warehouse at the ship step types a shipment; what the order page does meanwhile (a live refetch,
// a window crossing the phone width) must not throw the typing away.

const atShip: Order = {
  ...order,
  id: 7,
  number: 'SO-7',
  total: 7450,
  current_nodes: ['ship'],
  tasks: [task({ id: 21, node: 'ship', node_name: { 'zh-TW': '出貨', en: 'Ship' }, mode: 'any', assignees: ['warehouse'], can_act: true, checklist: [] })],
  lines: [
    { sku: 'BRG-6204', name: 'Bearing', ordered: 50, shipped: 0, remaining: 50 },
    { sku: 'BLT-M8', name: 'Bolt', ordered: 10, shipped: 0, remaining: 10 },
  ],
};

/** GET /orders/7 answers `state.order` (or `state.status` when it is not 200); the rest is what the page needs. */
function serveAtShip(state: { order: Order; status: number }) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      const path = String(url).replace(/\?.*$/, '');
      if (path === '/api/v1/orders/7') return state.status === 200 ? json(state.order) : json({ title: 'Service Unavailable', status: state.status }, state.status);
      if (path === '/api/v1/me') return json({ user: { id: 3, username: 'warehouse', display_name: '李國華', is_admin: false }, permissions: [], memberships: [] });
      if (path === '/api/v1/carriers') return json({ items: [{ key: 'tcat', name: { 'zh-TW': '黑貓宅急便', en: 'T-Cat' }, tracking_url: 'https://x/{tracking}' }] });
      return json({ items: [] });
    }),
  );
}

function openAtShip(state: { order: Order; status: number }) {
  serveAtShip(state);
  return render(state.order);
}

const qtyInput = (sku: string) => document.querySelector(`[data-testid="shipment-qty"][data-sku="${sku}"]`) as HTMLInputElement;

/** Picks the carrier, types a tracking number and a quantity, as the warehouse does. */
async function typeShipment() {
  // the whole order page renders first: slow on a busy 2-core machine
  await screen.findByTestId('shipment-form', undefined, { timeout: 20_000 });
  fireEvent.mouseDown(within(screen.getByTestId('shipment-carrier')).getByRole('combobox'));
  fireEvent.click(await screen.findByText('黑貓宅急便', { selector: '.ant-select-item-option-content' }));
  fireEvent.change(screen.getByTestId('shipment-tracking'), { target: { value: 'TRK-1' } });
  fireEvent.change(qtyInput('BRG-6204'), { target: { value: '5' } });
  expectTyped();
}

function expectTyped() {
  expect((screen.getByTestId('shipment-tracking') as HTMLInputElement).value).toBe('TRK-1');
  expect(screen.getByTestId('shipment-carrier').textContent).toContain('黑貓宅急便');
  expect(qtyInput('BRG-6204').value).toBe('5');
}

describe('OrderDetailPage: the shipment being typed', () => {
  it('stays when the window crosses the phone width and back (a rotated tablet; a full-page screenshot shrinks the window for a moment)', async () => {
    const resize = screenWidth(false);
    openAtShip({ order: atShip, status: 200 });
    await typeShipment();
    act(() => resize(true));
    expect(screen.getByTestId('order-phone')).toBeTruthy();
    expectTyped();
    act(() => resize(false));
    expect(screen.queryByTestId('order-phone')).toBeNull();
    expectTyped();
  });

  it('stays when the order refetches with a shipment recorded elsewhere', async () => {
    const state = { order: atShip, status: 200 };
    const { client } = openAtShip(state);
    await typeShipment();
    state.order = {
      ...atShip,
      lines: [{ ...atShip.lines![0], shipped: 20, remaining: 30 }, atShip.lines![1]],
      shipments: [
        {
          id: 1, number: 'SH-SO-7-1', carrier: 'tcat', tracking: 'OTHER-1', tracking_url: 'https://x/OTHER-1', warehouse: 'main',
          lines: [{ sku: 'BRG-6204', qty: 20 }], shipped_by: 'warehouse2', created_at: '2026-12-07T10:05:00Z',
        },
      ],
    };
    // what a live order.shipped event does
    await act(() => client.invalidateQueries({ queryKey: ['orders', 'detail', '7'] }));
    await screen.findByText('SH-SO-7-1');
    expect(document.querySelector('[data-testid="order-line"][data-sku="BRG-6204"]')?.getAttribute('data-remaining')).toBe('30');
    expectTyped();
  });

  it('stays when a background refetch of the order fails, which is said above the page', async () => {
    const state = { order: atShip, status: 200 };
    const { client } = openAtShip(state);
    await typeShipment();
    state.status = 503;
    await act(() => client.invalidateQueries({ queryKey: ['orders', 'detail', '7'] }));
    await waitFor(() => expect(screen.getByTestId('error-alert')).toBeTruthy());
    expectTyped();
    // the next refetch that answers takes the notice away; the typing is still there
    state.status = 200;
    await act(() => client.invalidateQueries({ queryKey: ['orders', 'detail', '7'] }));
    await waitFor(() => expect(screen.queryByTestId('error-alert')).toBeNull());
    expectTyped();
  });
});
