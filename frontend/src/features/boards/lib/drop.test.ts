import { describe, expect, it } from 'vitest';
import { approveTargets, planDrop, type DropTask } from './drop';

// verify → check (automatic) → amount (switch) → finance | sales; sales → ship; reject edges to end
const edges = [
  { from: 'verify', to: 'check' },
  { from: 'check', to: 'amount' },
  { from: 'amount', to: 'finance' },
  { from: 'amount', to: 'sales' },
  { from: 'verify', to: 'rejected', outcome: 'reject' },
  { from: 'sales', to: 'ship' },
  { from: 'finance', to: 'ship' },
  { from: 'ship', to: 'end' },
];
const reviews = new Set(['verify', 'finance', 'sales', 'ship', 'rejected']);
const mine: DropTask = { id: 7, node: 'sales', status: 'open', can_act: true, kind: 'review' };

describe('dragging a card', () => {
  it('approves forward to any review node the approval can reach, through automatic nodes', () => {
    expect([...approveTargets('verify', edges, reviews)].sort()).toEqual(['finance', 'sales']);
    expect([...approveTargets('sales', edges, reviews)]).toEqual(['ship']);
    expect(planDrop({ from: 'sales', to: 'ship', tasks: [mine], forward: approveTargets('sales', edges, reviews), back: ['verify'] })).toEqual({ kind: 'approve', task: 7 });
  });

  it('returns to a node approved before, as the order page does', () => {
    expect(planDrop({ from: 'sales', to: 'verify', tasks: [mine], forward: new Set(['ship']), back: ['verify'] })).toEqual({ kind: 'return', task: 7, node: 'verify' });
    expect(planDrop({ from: 'sales', to: 'verify', tasks: [{ ...mine, kind: 'delegate' }], forward: new Set(), back: ['verify'] })).toEqual({ kind: 'refuse', reason: 'cannotReturn' });
  });

  it('refuses with the reason otherwise', () => {
    const base = { from: 'sales', to: 'ship', forward: new Set(['ship']), back: ['verify'] };
    expect(planDrop({ ...base, tasks: [{ ...mine, can_act: false }] })).toEqual({ kind: 'refuse', reason: 'notYours' });
    expect(planDrop({ ...base, tasks: [{ ...mine, node: 'verify' }] })).toEqual({ kind: 'refuse', reason: 'notYours' });
    expect(planDrop({ ...base, tasks: [mine], lockedBy: 'warehouse', me: 'manager' })).toEqual({ kind: 'refuse', reason: 'locked', user: 'warehouse' });
    expect(planDrop({ ...base, tasks: [mine], lockedBy: 'manager', me: 'manager' })).toEqual({ kind: 'approve', task: 7 });
    expect(planDrop({ ...base, tasks: [{ ...mine, checklist: ['a'] }] })).toEqual({ kind: 'refuse', reason: 'checklist' });
    expect(planDrop({ ...base, to: 'finance', tasks: [mine] })).toEqual({ kind: 'refuse', reason: 'notNext' });
    expect(planDrop({ ...base, to: 'sales', tasks: [mine] })).toEqual({ kind: 'none' });
  });
});
