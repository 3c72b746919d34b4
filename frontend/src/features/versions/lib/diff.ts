// The difference between two versions of a flow: nodes (by id) and edges (by from → to) added, removed or
// changed, with the property paths that changed (approvers.role, mode, name.en …).
import type { FlowDoc, FlowEdge, FlowNode } from '../../designer';

export type DiffStatus = 'added' | 'removed' | 'changed' | 'same';

export interface NodeDiff {
  id: string;
  status: DiffStatus;
  /** Changed property paths, sorted. */
  changes: string[];
  before?: FlowNode;
  after?: FlowNode;
}

export interface EdgeDiff {
  /** from→to, with #2, #3 … for further edges between the same nodes. */
  id: string;
  from: string;
  to: string;
  status: DiffStatus;
  changes: string[];
  before?: FlowEdge;
  after?: FlowEdge;
}

export interface FlowDiff {
  nodes: NodeDiff[];
  edges: EdgeDiff[];
  /** Changed properties of the flow itself (name, form, withdraw …). */
  flow: string[];
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Paths under `prefix` where a and b differ; arrays are compared whole (a changed list is one change). */
export function changedPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  return [prefix || '(value)'];
}

function edgeIds(edges: FlowEdge[]): Map<string, FlowEdge> {
  const seen = new Map<string, number>();
  const out = new Map<string, FlowEdge>();
  for (const e of edges) {
    const base = `${e.from}→${e.to}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    out.set(n === 1 ? base : `${base}#${n}`, e);
  }
  return out;
}

/** What changed from `a` (older) to `b` (newer). Nodes in b's order, then the removed ones in a's order. */
export function diffFlows(a: FlowDoc, b: FlowDoc): FlowDiff {
  const before = new Map(a.nodes.map((n) => [n.id, n]));
  const after = new Map(b.nodes.map((n) => [n.id, n]));
  const nodes: NodeDiff[] = [];
  for (const n of b.nodes) {
    const old = before.get(n.id);
    if (!old) nodes.push({ id: n.id, status: 'added', changes: [], after: n });
    else {
      const changes = changedPaths(old, n);
      nodes.push({ id: n.id, status: changes.length ? 'changed' : 'same', changes, before: old, after: n });
    }
  }
  for (const n of a.nodes) if (!after.has(n.id)) nodes.push({ id: n.id, status: 'removed', changes: [], before: n });

  const ea = edgeIds(a.edges);
  const eb = edgeIds(b.edges);
  const edges: EdgeDiff[] = [];
  for (const [id, e] of eb) {
    const old = ea.get(id);
    if (!old) edges.push({ id, from: e.from, to: e.to, status: 'added', changes: [], after: e });
    else {
      const changes = changedPaths(old, e);
      edges.push({ id, from: e.from, to: e.to, status: changes.length ? 'changed' : 'same', changes, before: old, after: e });
    }
  }
  for (const [id, e] of ea) if (!eb.has(id)) edges.push({ id, from: e.from, to: e.to, status: 'removed', changes: [], before: e });

  const strip = (d: FlowDoc) => {
    const { nodes: _n, edges: _e, $schema: _s, ...rest } = d;
    return rest;
  };
  return { nodes, edges, flow: changedPaths(strip(a), strip(b)) };
}

export function diffSummary(d: FlowDiff): Record<Exclude<DiffStatus, 'same'>, number> {
  const count = (s: DiffStatus) => d.nodes.filter((n) => n.status === s).length + d.edges.filter((e) => e.status === s).length;
  return { added: count('added'), removed: count('removed'), changed: count('changed') };
}
