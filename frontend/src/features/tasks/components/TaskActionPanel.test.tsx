import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { TaskActionPanel } from './TaskActionPanel';
import { renderWithProviders } from '../../../test/render';
import type { Task } from '../../../lib/types';

const task: Task = {
  id: 41,
  node: 'sales_review',
  node_name: { 'zh-TW': '業務主管審核', 'zh-CN': '业务主管审核', en: 'Sales review' },
  mode: 'any',
  assignees: ['manager'],
  status: 'open',
  version: 1,
  reasons: ['price_too_low', 'credit_risk'],
  checklist: [{ 'zh-TW': '價格符合授權範圍', en: 'Prices within the authorised range' }],
  can_act: true,
};

let fetchMock: ReturnType<typeof vi.fn>;

beforeEach(() => {
  fetchMock = vi.fn(async () => new Response(JSON.stringify({ task, order: { id: 9 } }), { status: 200, headers: { 'Content-Type': 'application/json' } }));
  vi.stubGlobal('fetch', fetchMock);
  document.cookie = 'sluice_csrf=c1; path=/';
});

afterEach(() => vi.unstubAllGlobals());

describe('TaskActionPanel', () => {
  it('shows the node name in the current language and the checklist', () => {
    renderWithProviders(<TaskActionPanel task={task} orderId="9" />);
    expect(screen.getByText('審核：業務主管審核')).toBeTruthy();
    expect(screen.getByText('價格符合授權範圍')).toBeTruthy();
  });

  it('will not reject without a reason, and sends the chosen reason code', async () => {
    renderWithProviders(<TaskActionPanel task={task} orderId="9" />);
    fireEvent.click(screen.getByTestId('action-reject'));
    fireEvent.click(await screen.findByTestId('action-submit'));
    expect(await screen.findByText('駁回必須填寫原因')).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();

    // the reasons come from the task and are shown by their labels
    const select = screen.getByTestId('action-reason-select');
    fireEvent.mouseDown(select.querySelector('input') ?? select);
    fireEvent.click(await screen.findByText('信用風險'));
    fireEvent.change(screen.getByTestId('action-comment-input'), { target: { value: '額度不足' } });
    fireEvent.click(screen.getByTestId('action-submit'));

    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/tasks/41/actions');
    expect((init.headers as Record<string, string>)['X-CSRF-Token']).toBe('c1');
    expect(JSON.parse(init.body as string)).toEqual({ action: 'reject', reason: 'credit_risk', comment: '額度不足' });
  });

  it('asks for free text when the task lists no reasons', async () => {
    renderWithProviders(<TaskActionPanel task={{ ...task, reasons: [] }} orderId="9" />);
    fireEvent.click(screen.getByTestId('action-reject'));
    const input = await screen.findByTestId('action-reason-input');
    fireEvent.change(input, { target: { value: '價格太低' } });
    fireEvent.click(screen.getByTestId('action-submit'));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    const init = (fetchMock.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect(JSON.parse(init.body as string)).toEqual({ action: 'reject', reason: '價格太低' });
  });

  it('approves without a reason', async () => {
    renderWithProviders(<TaskActionPanel task={task} orderId="9" />);
    fireEvent.click(screen.getByTestId('action-submit'));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    const init = (fetchMock.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect(JSON.parse(init.body as string)).toEqual({ action: 'approve' });
  });
});
