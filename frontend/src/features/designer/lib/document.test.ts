import { describe, expect, it } from 'vitest';
import demo from '../../../../../schemas/examples/flows/order-review.json';
import {
  addEdge,
  addNode,
  cleanNode,
  cloneNode,
  defaultNode,
  docToGraph,
  edgeId,
  edgeIndex,
  graphToDoc,
  newFlowDoc,
  removeNode,
  updateNode,
  type FlowDoc,
} from './document';
import { layoutDoc } from './layout';

const doc = demo as unknown as FlowDoc;

describe('document ↔ graph', () => {
  it('makes one canvas node per document node and one edge per document edge', () => {
    const { nodes, edges } = docToGraph(doc, {}, layoutDoc(doc));
    expect(nodes.map((n) => n.id)).toEqual(doc.nodes.map((n) => n.id));
    expect(edges).toHaveLength(doc.edges.length);
    const i = doc.edges.findIndex((e) => e.from === 'inventory' && e.outcome === 'shortage');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(edges[i]).toMatchObject({ id: `e${i}`, source: 'inventory', target: 'stock_exception' });
    expect(edges[i].data?.edge.outcome).toBe('shortage');
    expect(nodes.every((n) => Number.isFinite(n.position.x) && Number.isFinite(n.position.y))).toBe(true);
  });

  it('round-trips: graph back to the same document, positions beside it', () => {
    const positions = { start: { x: 10, y: 20 } };
    const { nodes, edges } = docToGraph(doc, positions, layoutDoc(doc));
    const back = graphToDoc(doc, nodes, edges);
    expect(back.doc).toEqual(doc);
    expect(back.positions.start).toEqual({ x: 10, y: 20 });
    expect(JSON.stringify(back.doc)).not.toContain('position');
  });

  it('marks errors and the simulated path', () => {
    const { nodes, edges } = docToGraph(doc, {}, {}, {
      nodeErrors: { verify: ['bad'] },
      edgeErrors: { 1: ['worse'] },
      pathNodes: new Set(['start']),
      pathEdges: new Set([0]),
    });
    expect(nodes.find((n) => n.id === 'verify')!.data.errors).toEqual(['bad']);
    expect(nodes[0].data.onPath).toBe(true);
    expect(edges[1].data?.errors).toEqual(['worse']);
    expect(edges[0].data?.onPath).toBe(true);
  });

  it('edge ids map back to indexes', () => {
    expect(edgeIndex(edgeId(7))).toBe(7);
    expect(edgeIndex('x')).toBe(-1);
  });
});

describe('edits', () => {
  it('adds nodes with unique ids and what the schema requires', () => {
    const r = defaultNode(doc, 'review');
    expect(r).toMatchObject({ id: 'review', type: 'review', mode: 'any' });
    const d2 = addNode(doc, r);
    expect(defaultNode(d2, 'review').id).toBe('review_2');
    expect(defaultNode(doc, 'task')).toMatchObject({ plugin: '' });
    expect(defaultNode(doc, 'end').id).toBe('end');
  });

  it('removes a node with its edges', () => {
    const d = removeNode(doc, 'committee');
    expect(d.nodes.find((n) => n.id === 'committee')).toBeUndefined();
    expect(d.edges.some((e) => e.from === 'committee' || e.to === 'committee')).toBe(false);
    expect(d.edges).toHaveLength(doc.edges.length - 2);
    expect(doc.nodes.find((n) => n.id === 'committee')).toBeDefined(); // pure
  });

  it('renaming a node carries the id into edges', () => {
    const verify = doc.nodes.find((n) => n.id === 'verify')!;
    const d = updateNode(doc, 'verify', { ...verify, id: 'check' });
    doc.edges.forEach((e, i) => {
      expect(d.edges[i]).toEqual({ ...e, from: e.from === 'verify' ? 'check' : e.from, to: e.to === 'verify' ? 'check' : e.to });
    });
    expect(d.edges.some((e) => e.from === 'verify' || e.to === 'verify')).toBe(false);
    expect(d.edges.some((e) => e.to === 'check')).toBe(true);
  });

  it('adds an edge once, never a self loop', () => {
    expect(addEdge(doc, { from: doc.edges[0].from, to: doc.edges[0].to })).toBe(doc);
    expect(addEdge(doc, { from: 'ship', to: 'ship' })).toBe(doc);
    expect(addEdge(doc, { from: 'ship', to: 'done' }).edges).toHaveLength(doc.edges.length + 1);
  });

  it('copies a node under a fresh id', () => {
    const verify = doc.nodes.find((n) => n.id === 'verify')!;
    const c = cloneNode(doc, verify);
    expect(c.id).toBe('verify_copy');
    expect(c.checklist).toEqual(verify.checklist);
    expect(c.checklist).not.toBe(verify.checklist);
  });

  it('cleans empty optional values', () => {
    expect(cleanNode({ id: 'a', type: 'task', plugin: 'x', settings: {}, reasons: [], status: '' })).toEqual({ id: 'a', type: 'task', plugin: 'x', settings: {} });
  });

  it('a new flow has a start and an end, and no stray edge between them', () => {
    const d = newFlowDoc('small', 'order');
    expect(d.nodes.map((n) => n.type)).toEqual(['start', 'end']);
    expect(d.edges).toEqual([]);
  });

  it('lays out in layers from the start', () => {
    const p = layoutDoc(doc);
    expect(p.start.y).toBeLessThan(p.verify.y);
    expect(p.verify.y).toBeLessThan(p.inventory.y);
    expect(p.done.y).toBeGreaterThan(p.aftersales.y);
    expect(p.committee.y).toBeLessThan(p.finance_review.y);
    // the branches an edge skips move aside; the main column stays straight
    expect(p.stock_exception.x).toBeGreaterThan(p.inventory.x);
    expect(p.sales_review.x).toBe(p.inventory.x);
    expect(p.committee.x).toBeGreaterThan(p.amount.x);
    expect(p.confirm.x).toBe(p.amount.x);
    const seen = new Set(Object.values(p).map((q) => `${q.x},${q.y}`));
    expect(seen.size).toBe(Object.keys(p).length);
  });
});
