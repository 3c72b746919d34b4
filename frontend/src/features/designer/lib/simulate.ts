// The path of a simulation result on the graph.
import type { FlowDoc } from './document';

export interface SimStep {
  node: string;
  type: string;
  status: string;
  outcome?: string;
  mode?: string;
  approvers?: string[];
  decision?: string;
  detail?: Record<string, unknown>;
}
export interface SimTrace {
  node: string;
  text: string;
}
export interface SimOrderResult {
  index: number;
  status: string;
  path: SimStep[] | null;
  trace: SimTrace[] | null;
  error?: string;
  errors?: { pointer: string; message: string }[];
}
export interface SimulateResponse {
  flow: string;
  version: string;
  results: SimOrderResult[];
}
export interface SimOrder {
  data: Record<string, unknown>;
  department?: string;
  submitter?: string;
  flow?: string;
}

/** Nodes visited and edges taken (consecutive steps joined by an edge of the document). */
export function pathOnGraph(doc: FlowDoc, path: SimStep[] | null | undefined): { nodes: Set<string>; edges: Set<number> } {
  const nodes = new Set<string>();
  const edges = new Set<number>();
  const steps = path ?? [];
  steps.forEach((s, i) => {
    nodes.add(s.node);
    if (i === 0) return;
    const from = steps[i - 1].node;
    const k = doc.edges.findIndex((e) => e.from === from && e.to === s.node);
    if (k >= 0) edges.add(k);
  });
  return { nodes, edges };
}

/** Reads a pasted sample: a POST /orders body ({flow, data}) or just the data; department optional. */
export function parseSample(text: string, department?: string): SimOrder {
  const v: unknown = JSON.parse(text);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
  const o = v as Record<string, unknown>;
  const data = o.data && typeof o.data === 'object' && !Array.isArray(o.data) ? (o.data as Record<string, unknown>) : o;
  const order: SimOrder = { data };
  const dep = typeof o.department === 'string' && o.department ? o.department : department;
  if (dep) order.department = dep;
  if (typeof o.submitter === 'string' && o.submitter) order.submitter = o.submitter;
  return order;
}
