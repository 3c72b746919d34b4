// Maps the server's 422 pointers (/nodes/N/…, /edges/N/…) onto the nodes and edges of the document.
import { pointerParts, type FieldError } from '../../../lib/api';
import type { FlowDoc } from './document';

export interface MappedErrors {
  /** node id → messages */
  nodes: Record<string, string[]>;
  /** edge index → messages */
  edges: Record<number, string[]>;
  /** node id → field (first segment after the node, e.g. approvers) → messages */
  nodeFields: Record<string, Record<string, string[]>>;
  edgeFields: Record<number, Record<string, string[]>>;
  /** node id → errors inside its plugin settings, pointers relative to the settings (/warehouse) */
  nodeSettings: Record<string, FieldError[]>;
  /** errors not about one node or edge (/name, /form, "" …) */
  general: FieldError[];
}


const push = <K extends string | number>(rec: Record<K, string[]>, k: K, m: string) => {
  (rec[k] ??= []).push(m);
};

export function mapErrors(errors: FieldError[], doc: FlowDoc): MappedErrors {
  const r: MappedErrors = { nodes: {}, edges: {}, nodeFields: {}, edgeFields: {}, nodeSettings: {}, general: [] };
  for (const err of errors) {
    const [head, idx, field, ...rest] = pointerParts(err.pointer);
    const i = idx !== undefined && /^\d+$/.test(idx) ? Number(idx) : -1;
    if (head === 'nodes' && i >= 0 && i < doc.nodes.length) {
      const id = doc.nodes[i].id;
      push(r.nodes, id, err.message);
      if (field) push((r.nodeFields[id] ??= {}), field, err.message);
      if (field === 'settings') {
        const sub = rest.map((s) => '/' + s.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
        (r.nodeSettings[id] ??= []).push({ pointer: sub, message: err.message });
      }
    } else if (head === 'edges' && i >= 0 && i < doc.edges.length) {
      push(r.edges, i, err.message);
      if (field) push((r.edgeFields[i] ??= {}), field, err.message);
    } else {
      r.general.push(err);
    }
  }
  return r;
}

export function hasMapped(m: MappedErrors): boolean {
  return Object.keys(m.nodes).length > 0 || Object.keys(m.edges).length > 0 || m.general.length > 0;
}

/** What a problem's pointer is about on the canvas: a node (by id) or an edge (the edge object saved). */
export type ProblemTarget = { kind: 'node'; id: string } | { kind: 'edge'; edge: FlowDoc['edges'][number] } | undefined;

/** Where on the canvas the problem at `pointer` of the saved document `body` is; undefined for the flow as a whole. */
export function problemTarget(pointer: string, body: FlowDoc): ProblemTarget {
  const [head, idx] = pointerParts(pointer);
  const i = idx !== undefined && /^\d+$/.test(idx) ? Number(idx) : -1;
  if (head === 'nodes' && body.nodes[i]) return { kind: 'node', id: body.nodes[i].id };
  if (head === 'edges' && body.edges[i]) return { kind: 'edge', edge: body.edges[i] };
  return undefined;
}
