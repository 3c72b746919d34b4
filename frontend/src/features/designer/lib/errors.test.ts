import { describe, expect, it } from 'vitest';
import { pointerParts } from '../../../lib/api';
import { mapErrors } from './errors';
import { pathOnGraph, parseSample } from './simulate';
import type { FlowDoc } from './document';

const doc: FlowDoc = {
  kind: 'flow',
  key: 'f',
  form: 'order',
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'check', type: 'review', mode: 'any' },
    { id: 'done', type: 'end' },
  ],
  edges: [
    { from: 'start', to: 'check' },
    { from: 'check', to: 'done', when: 'x >' },
  ],
};

describe('error pointers', () => {
  it('splits JSON pointers with escapes', () => {
    expect(pointerParts('/nodes/1/fields/a~1b')).toEqual(['nodes', '1', 'fields', 'a/b']);
    expect(pointerParts('')).toEqual([]);
    expect(pointerParts('#/edges/0')).toEqual(['edges', '0']);
  });

  it('maps /nodes/N and /edges/N onto nodes and edges, the rest stays general', () => {
    const m = mapErrors(
      [
        { pointer: '/nodes/1/approvers', message: '"approvers" is required' },
        { pointer: '/nodes/1', message: 'cannot be reached' },
        { pointer: '/edges/1/when', message: 'syntax error' },
        { pointer: '/form', message: 'unknown form' },
        { pointer: '/nodes/9', message: 'out of range' },
        { pointer: '', message: 'whole' },
      ],
      doc,
    );
    expect(m.nodes).toEqual({ check: ['"approvers" is required', 'cannot be reached'] });
    expect(m.nodeFields.check).toEqual({ approvers: ['"approvers" is required'] });
    expect(m.edges).toEqual({ 1: ['syntax error'] });
    expect(m.edgeFields[1]).toEqual({ when: ['syntax error'] });
    expect(m.general.map((e) => e.pointer)).toEqual(['/form', '/nodes/9', '']);
  });
});

describe('plugin settings errors', () => {
  it('keeps the pointer inside the settings for the settings form', () => {
    const m = mapErrors(
      [
        { pointer: '/nodes/1/settings/warehouse', message: 'too short' },
        { pointer: '/nodes/1/settings/a~1b/0', message: 'bad item' },
        { pointer: '/nodes/1/settings', message: 'not an object' },
      ],
      doc,
    );
    expect(m.nodeSettings[doc.nodes[1].id]).toEqual([
      { pointer: '/warehouse', message: 'too short' },
      { pointer: '/a~1b/0', message: 'bad item' },
      { pointer: '', message: 'not an object' },
    ]);
    expect(m.nodeFields[doc.nodes[1].id].settings).toHaveLength(3);
  });
});

describe('simulation', () => {
  it('highlights visited nodes and the edges between consecutive steps', () => {
    const p = pathOnGraph(doc, [
      { node: 'start', type: 'start', status: 'done' },
      { node: 'check', type: 'review', status: 'active' },
      { node: 'done', type: 'end', status: 'done' },
    ]);
    expect([...p.nodes]).toEqual(['start', 'check', 'done']);
    expect([...p.edges]).toEqual([0, 1]);
    expect(pathOnGraph(doc, null).nodes.size).toBe(0);
  });

  it('reads a pasted POST /orders body or bare data', () => {
    expect(parseSample('{"flow":"f","data":{"a":1}}', 'sales')).toEqual({ data: { a: 1 }, department: 'sales' });
    expect(parseSample('{"a":1,"department":"x"}')).toEqual({ data: { a: 1, department: 'x' }, department: 'x' });
    expect(() => parseSample('[1]')).toThrow();
  });
});
