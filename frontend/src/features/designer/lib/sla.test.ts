import { describe, expect, it } from 'vitest';
import { moveRule, newSla, setRule, slaErrorsOnFlow, slaFor } from './sla';
import type { FlowDoc } from './document';

const flow: FlowDoc = {
  kind: 'flow',
  key: 'f',
  form: 'order',
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'check', type: 'review' },
    { id: 'done', type: 'end' },
  ],
  edges: [],
};

describe('SLA on review nodes', () => {
  it('keeps only what is set, and drops what depends on something unset', () => {
    let s = setRule(newSla('f'), 'check', { remind_after: '2h', repeat_every: '', escalate_after: '1d', escalate_to: { role: 'finance', department: '', manager_levels: 2 }, auto_action: 'approve' });
    expect(s.rules).toEqual({ check: { remind_after: '2h', escalate_after: '1d', escalate_to: { role: 'finance' } } });
    s = setRule(s, 'check', { escalate_to: { manager_levels: 1 } });
    expect(s.rules).toBeUndefined();
  });

  it('follows a renamed node, forgets a removed one and rules of nodes that are no review', () => {
    const s = setRule(newSla('f'), 'check', { remind_after: '4h' });
    expect(moveRule(s, 'check', 'verify').rules).toEqual({ verify: { remind_after: '4h' } });
    expect(moveRule(s, 'check', undefined).rules).toBeUndefined();
    expect(slaFor(setRule(s, 'done', { remind_after: '1h' }), flow).rules).toEqual({ check: { remind_after: '4h' } });
  });

  it("puts the reminder's problems on the flow's nodes", () => {
    expect(slaErrorsOnFlow([{ pointer: '/rules/check/escalate_to/role', message: 'no role' }, { pointer: '/flow', message: 'x' }], flow)).toEqual([
      { pointer: '/nodes/1/sla/escalate_to/role', message: 'no role' },
      { pointer: '/flow', message: 'x' },
    ]);
  });
});
