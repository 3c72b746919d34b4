import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, within } from '@testing-library/react';
import { HistoryTimeline } from './HistoryTimeline';
import { renderWithProviders } from '../../../test/render';
import type { HistoryEntry } from '../../../lib/types';

const names: Record<string, string> = { verify: 'Verify', sales_review: 'Sales review', finance_review: 'Finance review' };
const items: HistoryEntry[] = [
  {
    seq: 1, at: '2026-11-27T10:00:00Z', actor: 'manager', action: 'return', node: 'sales_review', reason: 'credit_risk', comment: 'check prices',
    detail: {
      reason: 'credit_risk', comment: 'check prices',
      trace: [
        { node: 'sales_review', text: 'returned by manager to verify' },
        { node: 'verify', text: 'waiting for role order_clerk (any) in sales: [clerk]' },
      ],
    },
  },
  { seq: 2, at: '2026-11-27T10:01:00Z', actor: 'manager', action: 'delegate', node: 'sales_review', detail: { user: 'manager2', trace: [] } },
  { seq: 3, at: '2026-11-27T10:02:00Z', actor: 'system', action: 'branch', node: 'amount', detail: { to: 'finance_review' } },
  { seq: 4, at: '2026-11-27T10:03:00Z', actor: 'system', action: 'auto_approved', node: 'finance_review', detail: { for: ['manager'] } },
  { seq: 5, at: '2026-11-27T10:04:00Z', actor: 'clerk', action: 'urge', node: 'finance_review', detail: { assignees: ['finance'] } },
  { seq: 6, at: '2026-11-27T10:05:00Z', actor: 'clerk', action: 'withdraw', detail: { policy: 'untouched' } },
  { seq: 7, at: '2026-11-27T10:05:00Z', actor: 'system', action: 'order_withdrawn' },
];

beforeEach(() => {
  vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ items }), { status: 200, headers: { 'Content-Type': 'application/json' } })));
});
afterEach(() => vi.unstubAllGlobals());

describe('HistoryTimeline', () => {
  it('labels the review actions and says what each did, in the UI language', async () => {
    renderWithProviders(<HistoryTimeline orderId="1" nodeName={(n) => names[n] ?? n} />, { lang: 'en' });
    const rows = await screen.findAllByTestId('history-item');
    expect(rows.map((r) => within(r).getByTestId('history-label').textContent)).toEqual([
      'Returned', 'Delegated', 'Branch taken', 'Auto-approved', 'Urged', 'Withdrawn by the submitter', 'Order Withdrawn',
    ]);
    const summaries = screen.getAllByTestId('history-summary').map((s) => s.textContent);
    expect(summaries).toEqual([
      'Returned to "Verify"',
      'Delegated to manager2',
      'Went to "Finance review"',
      'Auto-approved: manager approved the previous review',
      'Reminded finance',
    ]);
    expect(within(rows[0]).getByTestId('history-reason').textContent).toBe('Reason: Credit risk');
  });

  it('keeps the rule trace folded until asked', async () => {
    renderWithProviders(<HistoryTimeline orderId="1" nodeName={(n) => names[n] ?? n} />);
    const [first] = await screen.findAllByTestId('history-item');
    expect(within(first).queryByTestId('trace')).toBeNull();
    fireEvent.click(within(first).getByTestId('history-trace-toggle'));
    const lines = within(first).getAllByTestId('trace-line');
    expect(lines.map((l) => l.textContent)).toEqual([
      'Sales review：returned by manager to verify',
      'Verify：waiting for role order_clerk (any) in sales: [clerk]',
    ]);
    expect(within(first).getByTestId('history-label').textContent).toBe('退回');
    expect(within(first).getByTestId('history-summary').textContent).toBe('退回至「Verify」');
  });

  it('shows display names and words for every code, never a login or a raw code', async () => {
    const later: HistoryEntry[] = [
      { seq: 1, at: '2026-11-27T10:00:00Z', actor: 'warehouse', action: 'shipped', detail: {} },
      { seq: 2, at: '2026-11-27T10:01:00Z', actor: 'system', action: 'shipping.completed', detail: {} },
      { seq: 3, at: '2026-11-27T10:02:00Z', actor: 'system', action: 'exception.overdue', detail: {} },
      { seq: 4, at: '2026-11-27T10:03:00Z', actor: 'manager', action: 'delegate', detail: { user: 'manager2' } },
      { seq: 5, at: '2026-11-27T10:04:00Z', actor: 'system', action: 'some_future_code', detail: {} },
      { seq: 6, at: '2026-11-27T10:05:00Z', actor: 'system', action: 'order_shipped' },
    ];
    const people = { warehouse: '倉管 陳', manager: '王經理', manager2: '李經理' };
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ items: later, people }), { status: 200, headers: { 'Content-Type': 'application/json' } })));
    renderWithProviders(<HistoryTimeline orderId="1" nodeName={(n) => names[n] ?? n} />, { lang: 'en' });
    const rows = await screen.findAllByTestId('history-item');
    expect(rows.map((r) => within(r).getByTestId('history-label').textContent)).toEqual([
      'Shipped', 'Shipping completed', 'Exception overdue', 'Delegated', 'Other event', 'Order Shipped',
    ]);
    expect(rows[0].textContent).toContain('倉管 陳');
    expect(rows[0].textContent).not.toContain('warehouse');
    expect(within(rows[3]).getByTestId('history-summary').textContent).toBe('Delegated to 李經理');
    expect(rows[4].textContent).not.toContain('some_future_code');
  });
});
