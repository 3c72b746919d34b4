import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { ActLinkPage, LINK_EXPIRED } from './ActLinkPage';
import { renderWithProviders } from '../../../test/render';
import type { ActionLinkView } from '../api/actLink';

const view: ActionLinkView = {
  order: {
    id: 7,
    number: 'SO-20261207-0001',
    flow: 'order-review',
    version: 1,
    status: 'in_review',
    department: 'sales',
    submitter: 'clerk',
    data: { customer: { name: '高雄順達五金行' } },
    total: 12850,
    current_nodes: ['verify'],
    source: 'api',
  } as unknown as ActionLinkView['order'],
  task: {
    id: 41,
    node: 'verify',
    node_name: { 'zh-TW': '資料核對', en: 'Verify' },
    mode: 'any',
    assignees: ['clerk'],
    status: 'open',
    version: 1,
    reasons: ['incomplete', 'duplicate'],
    checklist: [{ 'zh-TW': '客戶名稱正確' }, { 'zh-TW': '地址完整' }],
    can_act: true,
    created_at: '2026-12-07T10:00:00Z',
  } as ActionLinkView['task'],
  channel: 'slack',
  expires_at: '2026-12-10T10:00:00Z',
  actions: ['approve', 'reject'],
};

const json = (body: unknown, status = 200, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });

function renderAt(url: string) {
  return renderWithProviders(
    <Routes>
      <Route path="/act/:token" element={<ActLinkPage />} />
    </Routes>,
    { initialEntries: [url] },
  );
}

afterEach(() => vi.unstubAllGlobals());

describe('ActLinkPage', () => {
  it('shows the order’s essentials and approves only with the checklist ticked', async () => {
    const fetchMock = vi.fn(async (_url: string, init?: RequestInit) =>
      init?.method === 'POST' ? json({ task: view.task, order: view.order }) : json(view),
    );
    vi.stubGlobal('fetch', fetchMock);
    renderAt('/act/abc.def?do=approve');
    const card = await screen.findByTestId('act-link');
    expect(card.textContent).toContain('SO-20261207-0001');
    expect(card.textContent).toContain('高雄順達五金行');
    expect(card.textContent).toContain('資料核對');
    expect(card.textContent).toContain('Slack');
    const confirm = screen.getByTestId('act-link-confirm') as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    fireEvent.click(screen.getByTestId('act-link-check-0'));
    fireEvent.click(screen.getByTestId('act-link-check-1'));
    expect(confirm.disabled).toBe(false);
    fireEvent.click(confirm);
    await screen.findByTestId('act-link-done');
    const post = fetchMock.mock.calls.find(([, init]) => init?.method === 'POST') as unknown as [string, RequestInit];
    expect(post[0]).toBe('/api/v1/act/abc.def');
    expect(JSON.parse(post[1].body as string)).toEqual({ action: 'approve', checklist: [true, true] });
  });

  it('opens on reject from the reject link and needs a reason from the node’s list', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(view)));
    renderAt('/act/abc.def?do=reject');
    await screen.findByTestId('act-link');
    expect((screen.getByTestId('act-link-confirm') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('act-link-reason')).toBeTruthy();
  });

  it('says why a link cannot be used', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json({ type: LINK_EXPIRED, status: 410, title: 'Gone', detail: 'expired' }, 410, 'application/problem+json')));
    renderAt('/act/abc.def');
    const refused = await screen.findByTestId('act-link-refused');
    expect(refused.textContent).toContain('此連結已過期');
    // the title says it; the server's detail is not repeated below it
    expect(refused.textContent).not.toContain('expired');
  });

  it('says the task moved on, not that something failed', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        json({ type: 'urn:sluice:problem:task-changed', reason: 'decided', status: 409, title: 'Conflict', detail: 'used' }, 409, 'application/problem+json'),
      ),
    );
    renderAt('/act/abc.def');
    await waitFor(() => expect(screen.getByTestId('act-link-refused').textContent).toContain('此任務已有人決定'));
    // and the server's detail (who decided) below it
    expect(screen.getByTestId('act-link-refused').textContent).toContain('used');
  });
});
