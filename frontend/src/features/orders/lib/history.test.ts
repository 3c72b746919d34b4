import { describe, expect, it } from 'vitest';
import { entrySummary, latestTrace, nodeNamesFrom, nodeProgress, returnTargets, traceOf } from './history';
import type { HistoryEntry, Task } from '../../../lib/types';

let seq = 0;
const h = (action: string, node?: string, detail?: Record<string, unknown>): HistoryEntry => ({
  seq: ++seq,
  at: '2026-11-27T10:00:00Z',
  actor: 'system',
  action,
  node,
  detail,
});

// the demo flow: verify approved, sales_review returned to verify, verify approved again, now at sales_review
const returned: HistoryEntry[] = [
  h('submitted', undefined, { trace: [{ node: 'verify', text: 'waiting for role order_clerk (any) in sales: [clerk]' }] }),
  h('node_entered', 'verify', { mode: 'any', need: 1, assignees: [['clerk']] }),
  h('approve', 'verify', { trace: [{ node: 'verify', text: 'approved by clerk: the node passes (1 approvals)' }] }),
  h('plugin', 'inventory', { outcome: 'ok' }),
  h('node_entered', 'sales_review', { mode: 'any', need: 1, assignees: [['manager']] }),
  h('return', 'sales_review', {
    reason: 'credit_risk',
    trace: [
      { node: 'sales_review', text: 'returned by manager to verify' },
      { node: 'verify', text: 'waiting for role order_clerk (any) in sales: [clerk]' },
    ],
  }),
  h('node_entered', 'verify', { mode: 'any', need: 1, assignees: [['clerk']] }),
  h('approve', 'verify', { trace: [{ node: 'verify', text: 'approved by clerk: the node passes (1 approvals)' }] }),
  h('node_entered', 'sales_review', { mode: 'any', need: 1, assignees: [['manager']] }),
];

describe('returnTargets', () => {
  it('lists the review nodes approved before, once each, the previous one last', () => {
    const items = [
      h('approve', 'verify'),
      h('auto_approved', 'stock_exception', { for: ['warehouse'] }),
      h('approve', 'sales_review'),
      h('approve', 'verify'),
      h('reject', 'finance_review'),
      h('approve', 'finance_review'),
    ];
    expect(returnTargets(items, 'finance_review')).toEqual(['stock_exception', 'sales_review', 'verify']);
  });
  it('leaves out the current node and offers nothing when there is no earlier one', () => {
    expect(returnTargets(returned, 'sales_review')).toEqual(['verify']);
    expect(returnTargets(returned.slice(0, 7), 'verify')).toEqual([]);
  });
});

describe('nodeProgress', () => {
  const tasks = (node: string, statuses: string[], mode: string, kinds: string[] = []): Task[] =>
    statuses.map((status, i) => ({
      id: i + 1, node, node_name: { en: node }, mode, status: status as Task['status'], kind: (kinds[i] ?? 'review') as Task['kind'],
      assignees: [`u${i}`], version: 1, can_act: false, created_at: '2026-11-27T10:00:00Z',
    }));

  it('derives "2 of 3 needed" for a ratio vote and counts the open tasks', () => {
    const items = [h('node_entered', 'committee', { mode: 'ratio', need: 2, assignees: [['finance'], ['finance2'], ['manager']] })];
    expect(nodeProgress(items, tasks('committee', ['open', 'open'], 'ratio'), 'committee')).toEqual({
      node: 'committee',
      mode: 'ratio',
      need: 2,
      pool: 3,
      open: 2,
      waiting: 0,
    });
  });

  it('takes the latest entry of the node, counts waiting tasks, and grows the pool with added voters', () => {
    const items = [
      h('node_entered', 'finance_review', { mode: 'all', need: 3, assignees: [['a'], ['b'], ['c']] }),
      h('node_entered', 'finance_review', { mode: 'all', need: 2, assignees: [['a'], ['b']] }),
    ];
    const p = nodeProgress(items, tasks('finance_review', ['open', 'waiting', 'open', 'open'], 'all'), 'finance_review');
    expect(p).toMatchObject({ mode: 'all', need: 2, open: 3, waiting: 1, pool: 3 });
  });

  it('reads any and sequential nodes', () => {
    expect(nodeProgress(returned, tasks('sales_review', ['open'], 'any'), 'sales_review')).toMatchObject({ mode: 'any', need: 1, pool: 1, open: 1 });
    const seqItems = [h('node_entered', 'board', { mode: 'sequential', need: 3, assignees: [['a']], queue: ['b', 'c'] })];
    expect(nodeProgress(seqItems, tasks('board', ['open'], 'sequential'), 'board')).toMatchObject({ need: 3, pool: 3, open: 1 });
  });

  it('falls back to the tasks when the history has no entry for the node', () => {
    expect(nodeProgress([], tasks('x', ['open'], 'all'), 'x')).toEqual({ node: 'x', mode: 'all', need: undefined, pool: undefined, open: 1, waiting: 0 });
  });
});

describe('traces', () => {
  it('reads an entry’s trace and finds the newest one', () => {
    expect(traceOf(returned[5])).toHaveLength(2);
    expect(traceOf(h('plugin', 'x', { trace: 'not a list' }))).toEqual([]);
    expect(traceOf(h('x', 'y', { trace: [{ node: 'a' }, null, { node: 'b', text: 't' }] }))).toEqual([{ node: 'b', text: 't' }]);
    expect(latestTrace(returned)?.entry.seq).toBe(returned[7].seq);
    expect(latestTrace([])).toBeUndefined();
  });
});

describe('entrySummary', () => {
  it('names the node a return went to: the one asked for, else the one the trace entered', () => {
    expect(entrySummary(returned[5], returned)).toEqual({ key: 'detail.returnTo', node: 'verify' });
    expect(entrySummary(h('return', 'finance_review', { node: 'sales_review' }))).toEqual({ key: 'detail.returnTo', node: 'sales_review' });
    const r = h('return', 'sales_review', {});
    const later = [r, h('node_entered', 'verify', {})];
    expect(entrySummary(r, later)).toEqual({ key: 'detail.returnTo', node: 'verify' });
  });
  it('names the other person of transfer, delegate, add_signer, and what branch, auto-approval, urge and exception did', () => {
    expect(entrySummary(h('transfer', 'n', { user: 'manager2' }))).toEqual({ key: 'detail.transferTo', users: ['manager2'] });
    expect(entrySummary(h('delegate', 'n', { user: 'manager2' }))).toEqual({ key: 'detail.delegateTo', users: ['manager2'] });
    expect(entrySummary(h('add_signer', 'n', { user: 'f', position: 'before' }))?.key).toBe('detail.addSignerBefore');
    expect(entrySummary(h('add_signer', 'n', { user: 'f' }))?.key).toBe('detail.addSignerAfter');
    expect(entrySummary(h('branch', 'amount', { to: 'finance_review' }))).toEqual({ key: 'detail.branchTo', node: 'finance_review' });
    expect(entrySummary(h('auto_approved', 'n', { for: ['manager'] }))).toEqual({ key: 'detail.autoApprovedFor', users: ['manager'] });
    expect(entrySummary(h('urge', 'n', { assignees: ['manager'] }))).toEqual({ key: 'detail.urged', users: ['manager'] });
    expect(entrySummary(h('exception', 'n', { reason: 'nobody holds role' }))).toEqual({ key: 'detail.exceptionReason', reason: 'nobody holds role' });
    expect(entrySummary(h('approve', 'n', {}))).toBeUndefined();
    expect(entrySummary(h('transfer', 'n', {}))).toBeUndefined();
  });
});

describe('nodeNamesFrom', () => {
  it('takes names from the history and the tasks', () => {
    const names = nodeNamesFrom([{ ...h('node_entered', 'verify'), node_name: { en: 'Verify' } }], [
      { node: 'sales_review', node_name: { en: 'Sales review' } },
    ]);
    expect(names.get('verify')).toEqual({ en: 'Verify' });
    expect(names.get('sales_review')).toEqual({ en: 'Sales review' });
  });
});
