import { describe, expect, it } from 'vitest';
import { NODE_H, NODE_W, attachBelow, layoutDoc } from './layout';
import { addEdge, addNode, newFlowDoc, type FlowDoc } from './document';

describe('attachBelow', () => {
  it("puts a new flow's end below its start, and each node dropped onto another below it, pushing the end down", () => {
    let doc: FlowDoc = newFlowDoc('f', 'order');
    let pos = layoutDoc(doc);
    expect(pos.end.y).toBeGreaterThan(pos.start.y);
    expect(pos.end.x).toBe(pos.start.x);
    const drop = (id: string, type: 'review' | 'switch', after: string) => {
      pos = attachBelow(doc, pos, after, id);
      doc = addEdge(addNode(doc, { id, type }), { from: after, to: id });
    };
    drop('sign', 'review', 'start');
    expect(pos.sign).toEqual({ x: pos.start.x, y: pos.start.y + NODE_H + 70 });
    expect(pos.end.y).toBeGreaterThan(pos.sign.y); // pushed out of the way
    drop('amount', 'switch', 'sign');
    expect(pos.amount.x).toBe(pos.sign.x);
    expect(pos.end.y).toBeGreaterThan(pos.amount.y);
    // a switch's branch goes to the side: its main line (to the end) stays straight down
    drop('finance', 'review', 'amount');
    expect(pos.finance).toEqual({ x: pos.amount.x + NODE_W + 60, y: pos.amount.y + NODE_H + 70 });
    expect(pos.end.x).toBe(pos.amount.x);
    // no two nodes overlap
    const boxes = Object.values(pos);
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        expect(a.x < b.x + NODE_W && b.x < a.x + NODE_W && a.y < b.y + NODE_H && b.y < a.y + NODE_H).toBe(false);
      }
  });

  it('places a second way out of a plain node beside the first', () => {
    const doc: FlowDoc = { ...newFlowDoc('f', 'order'), nodes: [{ id: 'a', type: 'review' }, { id: 'b', type: 'review' }], edges: [{ from: 'a', to: 'b' }] };
    const pos = attachBelow(doc, { a: { x: 0, y: 0 }, b: { x: 0, y: 134 } }, 'a', 'c');
    expect(pos.c).toEqual({ x: NODE_W + 60, y: 134 });
    expect(pos.b).toEqual({ x: 0, y: 134 });
  });
});
