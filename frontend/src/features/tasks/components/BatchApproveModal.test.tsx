import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { BatchApproveModal, needsChecklist } from './BatchApproveModal';
import { renderWithProviders } from '../../../test/render';
import type { BatchResponse, TaskListItem } from '../../../lib/types';

const line = (id: number, number: string): TaskListItem => ({
  id,
  node: id === 11 ? 'committee' : 'sales_review',
  node_name: id === 11 ? { 'zh-TW': '授信委員會' } : { 'zh-TW': '業務主管審核' },
  status: 'open',
  created_at: '2026-11-27T10:00:00Z',
  order: { id: id * 10, number, flow: 'order-review', status: 'in_review', total: 0, submitter: 'clerk', department: 'sales' },
});

const answer: BatchResponse = {
  items: [
    { task: 11, status: 200, result: { task: {} as never, order: {} as never } },
    {
      task: 12,
      status: 422,
      error: { status: 422, detail: 'tick all 2 checklist items to approve', errors: [{ pointer: '/checklist', message: 'tick all 2 checklist items to approve' }] },
    },
    { task: 13, status: 409, error: { status: 409, detail: 'this task was decided by someone else meanwhile' } },
    {
      task: 14,
      status: 409,
      error: { status: 409, type: 'urn:sluice:problem:task-changed', reason: 'decided', detail: 'this task was already decided (approve) by boss' },
    },
  ],
};

let fetchMock: ReturnType<typeof vi.fn>;
beforeEach(() => {
  fetchMock = vi.fn(async () => new Response(JSON.stringify(answer), { status: 200, headers: { 'Content-Type': 'application/json' } }));
  vi.stubGlobal('fetch', fetchMock);
});
afterEach(() => vi.unstubAllGlobals());

describe('BatchApproveModal', () => {
  it('approves the selected tasks in one request and shows each one’s outcome', async () => {
    const onClose = vi.fn();
    renderWithProviders(<BatchApproveModal open tasks={[line(11, 'SO-A'), line(12, 'SO-B'), line(13, 'SO-C'), line(14, 'SO-D')]} onClose={onClose} />);
    fireEvent.change(screen.getByTestId('batch-comment-input'), { target: { value: '同意' } });
    fireEvent.click(screen.getByTestId('batch-submit'));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/tasks/batch');
    expect(JSON.parse(init.body as string)).toEqual({ tasks: [11, 12, 13, 14], action: 'approve', comment: '同意' });

    expect((await screen.findByTestId('batch-summary')).textContent).toContain('成功 1 筆，未處理 3 筆');
    const rows = screen.getAllByTestId('batch-result');
    expect(rows.map((r) => r.getAttribute('data-status'))).toEqual(['200', '422', '409', '409']);
    expect(rows[0].textContent).toContain('SO-A');
    expect(rows[0].textContent).toContain('已核准');
    // a checklist node: open it individually
    expect(within(rows[1]).getByTestId('batch-needs-checklist').textContent).toContain('此節點有檢查清單');
    expect(within(rows[1]).getByTestId('batch-open-SO-B').getAttribute('href')).toBe('/orders/120');
    // a 409: the task changed meanwhile, said in the user's words, not as a failure; the server's words below
    expect(rows[2].textContent).toContain('期間已有變動');
    expect(rows[2].textContent).not.toContain('未處理 (409)');
    expect(rows[2].textContent).toContain('this task was decided by someone else meanwhile');
    // with the problem's type, its machine reason says how it changed
    expect(rows[3].getAttribute('data-reason')).toBe('decided');
    expect(rows[3].textContent).toContain('已有人處理');
    expect(rows[2].getAttribute('data-reason')).toBeNull();

    fireEvent.click(screen.getByTestId('batch-close'));
    expect(onClose).toHaveBeenCalledWith(true);
  });

  it('tells a checklist refusal from the others', () => {
    expect(needsChecklist(answer.items[1])).toBe(true);
    expect(needsChecklist({ task: 1, status: 422, error: { status: 422, detail: 'x', errors: [{ pointer: '/checklist/0', message: 'x' }] } })).toBe(true);
    expect(needsChecklist(answer.items[2])).toBe(false);
    expect(needsChecklist({ task: 1, status: 422, error: { status: 422, detail: 'x', errors: [{ pointer: '/reason', message: 'x' }] } })).toBe(false);
  });
});
