// Test fixtures: a flow the checker refuses and the server's refusal of it.
import type { FlowDoc } from './document';

// backend/flowcheck/testdata/nested-reject.json with names: a rejection routed out of the inner section
export const nested: FlowDoc = {
  kind: 'flow',
  key: 'nested-reject',
  form: 'order',
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'outer', type: 'parallel' },
    { id: 'inner', type: 'parallel' },
    { id: 'a1', type: 'review', mode: 'any', name: { 'zh-TW': '業務審核', 'zh-CN': '业务审核', en: 'Sales review' } },
    { id: 'a2', type: 'review', mode: 'any' },
    { id: 'ij', type: 'join', fork: 'inner' },
    { id: 'b', type: 'review', mode: 'any' },
    { id: 'rework', type: 'review', mode: 'any', name: { 'zh-TW': '重做', 'zh-CN': '重做', en: 'Rework' } },
    { id: 'oj', type: 'join', fork: 'outer' },
    { id: 'end', type: 'end' },
  ],
  edges: [
    { from: 'start', to: 'outer' },
    { from: 'outer', to: 'inner' },
    { from: 'outer', to: 'b' },
    { from: 'inner', to: 'a1' },
    { from: 'inner', to: 'a2' },
    { from: 'a1', to: 'ij' },
    { from: 'a2', to: 'ij' },
    { from: 'ij', to: 'oj' },
    { from: 'b', to: 'oj' },
    { from: 'rework', to: 'oj' },
    { from: 'oj', to: 'end' },
  ],
};

// the 422 the server answers for it (docs/flow-checker.md)
export const refused = {
  type: 'about:blank',
  title: 'Unprocessable Entity',
  status: 422,
  detail: 'an order of this flow can get stuck; the flow is not published',
  errors: [{ pointer: '/nodes/8', message: 'the engine fails here, on every try: engine: join "oj" reached without its fork "outer"' }],
  code: 'flow_engine_error',
  counterexample: [
    { action: 'start', nodes: ['start', 'outer', 'inner', 'a1', 'a2', 'b'], edges: ['/edges/0', '/edges/1', '/edges/3', '/edges/4', '/edges/2'] },
    { action: 'reject', node: 'a1', nodes: ['rework'], edges: [] },
    { action: 'approve', node: 'rework', nodes: [], edges: [] },
  ],
};
