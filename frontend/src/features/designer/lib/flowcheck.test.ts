import { describe, expect, it } from 'vitest';
import { readRefusal, refusalHighlights } from './flowcheck';
import { removeEdges, updateEdge } from './document';
import { nested, refused } from './flowcheck.fixtures';

describe('readRefusal', () => {
  it('reads the code, the node at fault and the steps against the published document', () => {
    const r = readRefusal(refused, nested)!;
    expect(r.code).toBe('flow_engine_error');
    expect(r.fault).toEqual({ node: 'oj', edge: undefined });
    expect(r.message).toContain('reached without its fork');
    expect(r.steps.map((s) => [s.action, s.node])).toEqual([
      ['start', undefined],
      ['reject', 'a1'],
      ['approve', 'rework'],
    ]);
    expect(r.steps[0].edges).toEqual([nested.edges[0], nested.edges[1], nested.edges[3], nested.edges[4], nested.edges[2]]);
  });

  it('is not a refusal for an ordinary validation 422', () => {
    expect(readRefusal({ status: 422, errors: [{ pointer: '/nodes/1/approvers', message: 'required' }] }, nested)).toBeUndefined();
  });

  it('never passes an unknown code through, and reads an edge at fault, choices and @ suffixes', () => {
    const r = readRefusal(
      {
        code: 'flow_something_new',
        errors: [{ pointer: '/edges/7', message: 'x' }],
        counterexample: [
          { action: 'approve@delegate', node: 'a1', choices: [{ node: 'ij', edge: '/edges/7', value: 'false' }], nodes: ['ij'], edges: ['/edges/5', '/edges/99', 'junk'] },
        ],
      },
      nested,
    )!;
    expect(r.code).toBe('unknown');
    expect(r.fault.edge).toBe(nested.edges[7]);
    expect(r.steps[0]).toMatchObject({ action: 'approve', by: 'delegate', node: 'a1', nodes: ['ij'] });
    expect(r.steps[0].choices).toEqual([{ node: 'ij', edge: nested.edges[7], value: 'false' }]);
    expect(r.steps[0].edges).toEqual([nested.edges[5]]);
  });
});

describe('refusalHighlights', () => {
  const r = readRefusal(refused, nested)!;

  it('marks the fault and the whole route when no step is chosen', () => {
    const h = refusalHighlights(r, nested);
    expect([...h.faultNodes]).toEqual(['oj']);
    expect(h.faultEdges.size).toBe(0);
    expect([...h.nodes].sort()).toEqual(['a1', 'a2', 'b', 'inner', 'outer', 'rework', 'start'].sort());
    expect([...h.edges].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('marks what one step passed: the node acted on, the nodes reached and the edges taken', () => {
    expect([...refusalHighlights(r, nested, 1).nodes]).toEqual(['a1', 'rework']);
    expect(refusalHighlights(r, nested, 1).edges.size).toBe(0);
    expect([...refusalHighlights(r, nested, 0).edges].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('follows edges to their new place after edits and drops what is gone', () => {
    // deleting edge 0 moves the others down by one; editing edge 1 (now 0) makes it another edge
    const edited = updateEdge(removeEdges(nested, [0]), 0, { ...nested.edges[1], label: { en: 'x' } });
    const h = refusalHighlights(r, edited, 0);
    expect([...h.edges].sort()).toEqual([1, 2, 3]);
    const withoutOj = { ...nested, nodes: nested.nodes.filter((n) => n.id !== 'oj') };
    expect(refusalHighlights(r, withoutOj).faultNodes.size).toBe(0);
  });
});
