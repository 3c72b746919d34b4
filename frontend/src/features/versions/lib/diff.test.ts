import { describe, expect, it } from 'vitest';
import flow from '../../../../../schemas/examples/flows/order-review.json';
import type { FlowDoc } from '../../designer';
import { changedPaths, diffFlows, diffSummary } from './diff';

const base: FlowDoc = {
  kind: 'flow',
  key: 'f',
  form: 'order',
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'review', type: 'review', mode: 'any', approvers: { role: 'sales_manager' }, name: { en: 'Review' } },
    { id: 'end', type: 'end', status: 'completed' },
  ],
  edges: [
    { from: 'start', to: 'review' },
    { from: 'review', to: 'end' },
  ],
};

describe('changedPaths', () => {
  it.each<[string, unknown, unknown, string[]]>([
    ['equal', { a: 1 }, { a: 1 }, []],
    ['nested', { a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } }, ['a.c']],
    ['added key', { a: 1 }, { a: 1, b: 2 }, ['b']],
    ['removed key', { a: 1, b: 2 }, { a: 1 }, ['b']],
    ['array whole', { l: [1, 2] }, { l: [2, 1] }, ['l']],
    ['type change', { a: { b: 1 } }, { a: 'x' }, ['a']],
  ])('%s', (_, a, b, want) => {
    expect(changedPaths(a, b)).toEqual(want);
  });
});

describe('diffFlows', () => {
  it.each<[string, (d: FlowDoc) => FlowDoc, { nodes: Record<string, string>; changes?: Record<string, string[]>; edges?: Record<string, string>; flow?: string[] }]>([
    ['identical', (d) => d, { nodes: { start: 'same', review: 'same', end: 'same' }, edges: { 'start→review': 'same', 'review→end': 'same' } }],
    [
      'changed approver and mode',
      (d) => ({ ...d, nodes: d.nodes.map((n) => (n.id === 'review' ? { ...n, mode: 'all', approvers: { role: 'finance' } } : n)) }),
      { nodes: { review: 'changed' }, changes: { review: ['approvers.role', 'mode'] } },
    ],
    [
      'node inserted between',
      (d) => ({
        ...d,
        nodes: [...d.nodes.slice(0, 2), { id: 'finance', type: 'review', mode: 'all', approvers: { role: 'finance' } }, d.nodes[2]],
        edges: [d.edges[0], { from: 'review', to: 'finance' }, { from: 'finance', to: 'end' }],
      }),
      { nodes: { finance: 'added', review: 'same' }, edges: { 'review→end': 'removed', 'review→finance': 'added', 'finance→end': 'added', 'start→review': 'same' } },
    ],
    [
      'node removed',
      (d) => ({ ...d, nodes: d.nodes.filter((n) => n.id !== 'review'), edges: [{ from: 'start', to: 'end' }] }),
      { nodes: { review: 'removed', start: 'same' }, edges: { 'start→end': 'added', 'start→review': 'removed', 'review→end': 'removed' } },
    ],
    [
      'edge condition changed, flow renamed',
      (d) => ({ ...d, name: { en: 'New' }, edges: [d.edges[0], { ...d.edges[1], when: 'order.total > 1' }] }),
      { nodes: {}, edges: { 'review→end': 'changed' }, flow: ['name'] },
    ],
  ])('%s', (_, change, want) => {
    const d = diffFlows(base, change(base));
    const nodes = Object.fromEntries(d.nodes.map((n) => [n.id, n.status]));
    for (const [id, s] of Object.entries(want.nodes)) expect(nodes[id], id).toBe(s);
    for (const [id, c] of Object.entries(want.changes ?? {})) expect(d.nodes.find((n) => n.id === id)?.changes).toEqual(c);
    const edges = Object.fromEntries(d.edges.map((e) => [e.id, e.status]));
    for (const [id, s] of Object.entries(want.edges ?? {})) expect(edges[id], id).toBe(s);
    expect(d.flow).toEqual(want.flow ?? []);
  });

  it('parallel edges between the same nodes are told apart', () => {
    const a: FlowDoc = { ...base, edges: [...base.edges, { from: 'review', to: 'end', outcome: 'rejected' }] };
    const d = diffFlows(a, base);
    expect(d.edges.find((e) => e.id === 'review→end#2')?.status).toBe('removed');
  });

  it('the example flow against itself has no differences, and a summary counts each kind', () => {
    const doc = flow as unknown as FlowDoc;
    expect(diffSummary(diffFlows(doc, doc))).toEqual({ added: 0, removed: 0, changed: 0 });
    const next: FlowDoc = { ...doc, nodes: doc.nodes.filter((n) => n.id !== 'aftersales').map((n) => (n.id === 'verify' ? { ...n, name: { en: 'Check' } } : n)) };
    const s = diffSummary(diffFlows(doc, next));
    expect(s.removed).toBeGreaterThanOrEqual(1);
    expect(s.changed).toBe(1);
  });
});
