import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { UrgeButton, WithdrawButton, submitterTask } from './SubmitterActions';
import { renderWithProviders } from '../../../test/render';
import type { Order, Task } from '../../../lib/types';

const task: Task = { id: 7, node: 'sales_review', node_name: { en: 'Sales review' }, mode: 'any', kind: 'review', assignees: ['manager'], status: 'open', version: 1, can_act: false, created_at: '2026-11-27T10:00:00Z' };
const order: Order = {
  id: 3,
  number: 'SO-1',
  flow: 'order-review',
  version: 1,
  status: 'in_review',
  submitter: 'clerk',
  data: {},
  tasks: [task],
  created_at: '2026-11-27T10:00:00Z',
  department: 'sales',
  total: 0,
  current_nodes: ['sales_review'],
  source: 'api',
  updated_at: '2026-11-27T10:00:00Z',
};

let fetchMock: ReturnType<typeof vi.fn>;
const problem = (status: number, detail: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ type: 'about:blank', title: 'x', status, detail }), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  });

beforeEach(() => {
  fetchMock = vi.fn(async () => new Response(JSON.stringify({ task, order }), { status: 200, headers: { 'Content-Type': 'application/json' } }));
  vi.stubGlobal('fetch', fetchMock);
});
afterEach(() => vi.unstubAllGlobals());

const actionCalls = () =>
  fetchMock.mock.calls.filter((c) => String(c[0]).endsWith('/actions')) as unknown as [string, RequestInit][];

describe('UrgeButton', () => {
  it('urges the task and, when too soon, says when to try again', async () => {
    fetchMock.mockResolvedValueOnce(new Response(JSON.stringify({ task, order }), { status: 200, headers: { 'Content-Type': 'application/json' } }));
    fetchMock.mockResolvedValueOnce(problem(429, 'this task was urged recently; try again in 9m58s', { 'Retry-After': '598' }));
    renderWithProviders(<UrgeButton task={task} orderId="3" />);
    fireEvent.click(screen.getByTestId('task-urge'));
    await waitFor(() => expect(actionCalls()).toHaveLength(1));
    expect(actionCalls()[0][0]).toBe('/api/v1/tasks/7/actions');
    expect(JSON.parse(actionCalls()[0][1].body as string)).toEqual({ action: 'urge' });
    expect(await screen.findByText('已提醒 manager')).toBeTruthy();

    fireEvent.click(screen.getByTestId('task-urge'));
    expect((await screen.findByTestId('urge-wait')).textContent).toBe('剛催辦過，請於 9 分 58 秒後再試');
  });
});

describe('WithdrawButton', () => {
  it('asks first, then shows the server’s reason for a 409', async () => {
    fetchMock.mockResolvedValueOnce(problem(409, 'a reviewer has already acted on this order; it can no longer be withdrawn'));
    renderWithProviders(<WithdrawButton order={order} orderId="3" />);
    fireEvent.click(screen.getByTestId('order-withdraw'));
    fireEvent.click(await screen.findByTestId('order-withdraw-confirm'));
    await waitFor(() => expect(actionCalls()).toHaveLength(1));
    expect(JSON.parse(actionCalls()[0][1].body as string)).toEqual({ action: 'withdraw' });
    const alert = await screen.findByTestId('withdraw-error');
    expect(alert.textContent).toContain('無法撤回');
    expect(screen.getByTestId('withdraw-error-detail').textContent).toBe('a reviewer has already acted on this order; it can no longer be withdrawn');
  });

  it('is not offered once the order left review, nor without a task to go through', () => {
    renderWithProviders(<WithdrawButton order={{ ...order, status: 'completed' }} orderId="3" />);
    expect(screen.queryByTestId('order-withdraw')).toBeNull();
    expect(submitterTask({ ...order, tasks: [] })).toBeUndefined();
    expect(submitterTask({ ...order, tasks: [{ ...task, kind: 'cc', status: 'cc' }, { ...task, id: 8, status: 'waiting' }] })?.id).toBe(8);
  });
});
