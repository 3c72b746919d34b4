import { describe, expect, it } from 'vitest';
import { elkLayout } from './elkLayout';
import { NODE_H, NODE_W } from './layout';
import type { FlowDoc } from './document';

const doc: FlowDoc = {
  kind: 'flow',
  key: 'f',
  form: 'order',
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'review', type: 'review' },
    { id: 'amount', type: 'switch' },
    { id: 'finance', type: 'review' },
    { id: 'end', type: 'end' },
  ],
  edges: [
    { from: 'start', to: 'review' },
    { from: 'review', to: 'amount' },
    { from: 'amount', to: 'finance', when: 'order.total > 1' },
    { from: 'amount', to: 'end', default: true },
    { from: 'finance', to: 'end' },
    { from: 'finance', to: 'review' }, // a way back: no cycle trouble
  ],
};

describe('elk auto-layout', () => {
  it('places every node, layers top to bottom along the edges, none overlapping', async () => {
    const p = await elkLayout(doc);
    expect(Object.keys(p).sort()).toEqual(doc.nodes.map((n) => n.id).sort());
    expect(p.start.y).toBeLessThan(p.review.y);
    expect(p.review.y).toBeLessThan(p.amount.y);
    expect(p.amount.y).toBeLessThan(p.end.y);
    const ids = Object.keys(p);
    for (const a of ids)
      for (const b of ids)
        if (a < b) {
          const apart = Math.abs(p[a].x - p[b].x) >= NODE_W || Math.abs(p[a].y - p[b].y) >= NODE_H;
          expect(apart, `${a} and ${b} overlap`).toBe(true);
        }
  });
});
