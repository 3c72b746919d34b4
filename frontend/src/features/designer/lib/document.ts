// The flow document (schemas/flow.schema.json) and its conversion to and from the graph the canvas shows.
// The document is the source of truth; node positions live beside it (never in it).
import type { Edge, Node } from '@xyflow/react';

export type Text = Partial<Record<'zh-TW' | 'zh-CN' | 'en', string>>;

export const NODE_TYPES = ['start', 'review', 'switch', 'task', 'wait', 'subflow', 'parallel', 'inclusive', 'join', 'end'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export const REVIEW_MODES = ['any', 'all', 'sequential', 'ratio'] as const;
export type ReviewMode = (typeof REVIEW_MODES)[number];

export interface Approvers {
  role?: string;
  department?: string;
  users?: string[];
  field?: string;
  manager?: number;
}

export type FieldPermission = 'hidden' | 'read' | 'edit';

export interface FlowNode {
  id: string;
  type: NodeType;
  name?: Text;
  mode?: ReviewMode;
  approvers?: Approvers;
  reasons?: string[];
  allow_self?: boolean;
  on_reject?: string;
  checklist?: Text[];
  plugin?: string;
  settings?: Record<string, unknown>;
  status?: string;
  ratio?: { share?: number; count?: number };
  auto_pass?: boolean;
  return_direct?: boolean;
  shipping?: boolean;
  cc?: Approvers;
  fork?: string;
  fields?: Record<string, FieldPermission>;
  wait?: { after?: string; until_field?: string };
  subflow?: { flow: string; data?: Record<string, string> };
  [extra: string]: unknown;
}

export interface FlowEdge {
  from: string;
  to: string;
  when?: string;
  default?: boolean;
  outcome?: string;
  label?: Text;
}

export interface FlowDoc {
  $schema?: string;
  kind: 'flow';
  key: string;
  name?: Text;
  description?: Text;
  form: string;
  nodes: FlowNode[];
  edges: FlowEdge[];
  withdraw?: 'untouched' | 'until_end' | 'never';
  [extra: string]: unknown;
}

export interface XY {
  x: number;
  y: number;
}
export type Positions = Record<string, XY>;

/** What a canvas node carries: the document's node plus display state. */
export interface FlowNodeData extends Record<string, unknown> {
  node: FlowNode;
  errors?: string[];
  onPath?: boolean;
}
export interface FlowEdgeData extends Record<string, unknown> {
  edge: FlowEdge;
  index: number;
  errors?: string[];
  onPath?: boolean;
}
export type CanvasNode = Node<FlowNodeData, 'flow'>;
export type CanvasEdge = Edge<FlowEdgeData>;

/** Canvas id of the document's edge number `index` (edges have no id of their own). */
export const edgeId = (index: number) => `e${index}`;
export const edgeIndex = (id: string): number => (/^e\d+$/.test(id) ? Number(id.slice(1)) : -1);

export function newFlowDoc(key: string, form: string, name?: Text): FlowDoc {
  return {
    $schema: 'https://sluice.dev/schemas/flow.schema.json',
    kind: 'flow',
    key,
    ...(name && Object.values(name).some(Boolean) ? { name } : {}),
    form,
    nodes: [
      { id: 'start', type: 'start', name: { 'zh-TW': '開始', 'zh-CN': '开始', en: 'Start' } },
      { id: 'end', type: 'end', name: { 'zh-TW': '完成', 'zh-CN': '完成', en: 'Done' }, status: 'completed' },
    ],
    // no starter edge: the first node placed goes between them, and a start → end edge would
    // only have to be found and deleted
    edges: [],
  };
}

/** The document as the canvas shows it. Nodes without a stored position get `fallback`'s (the auto-layout). */
export function docToGraph(
  doc: FlowDoc,
  positions: Positions,
  fallback: Positions = {},
  marks: { nodeErrors?: Record<string, string[]>; edgeErrors?: Record<number, string[]>; pathNodes?: Set<string>; pathEdges?: Set<number> } = {},
): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  const nodes: CanvasNode[] = doc.nodes.map((n, i) => ({
    id: n.id,
    type: 'flow',
    position: positions[n.id] ?? fallback[n.id] ?? { x: 0, y: i * 100 },
    data: { node: n, errors: marks.nodeErrors?.[n.id], onPath: marks.pathNodes?.has(n.id) },
  }));
  const edges: CanvasEdge[] = doc.edges.map((e, i) => ({
    id: edgeId(i),
    source: e.from,
    target: e.to,
    data: { edge: e, index: i, errors: marks.edgeErrors?.[i], onPath: marks.pathEdges?.has(i) },
  }));
  return { nodes, edges };
}

/** Back from the canvas: the nodes and edges in canvas order, with the rest of `base` (key, name, form …) kept. */
export function graphToDoc(base: FlowDoc, nodes: CanvasNode[], edges: CanvasEdge[]): { doc: FlowDoc; positions: Positions } {
  const positions: Positions = {};
  for (const n of nodes) positions[n.id] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
  return {
    doc: {
      ...base,
      nodes: nodes.map((n) => ({ ...n.data.node, id: n.id })),
      edges: edges.map((e) => ({ ...(e.data?.edge ?? {}), from: e.source, to: e.target })),
    },
    positions,
  };
}

// ---------- edits (pure: each returns a new document) ----------

/** A fresh node id for `type`: the type itself, then type_2, type_3 … */
export function uniqueNodeId(doc: FlowDoc, base: string): string {
  const taken = new Set(doc.nodes.map((n) => n.id));
  const stem = base.replace(/[^a-z0-9_-]/g, '_').replace(/^[^a-z]+/, '') || 'node';
  if (!taken.has(stem)) return stem;
  for (let i = 2; ; i++) if (!taken.has(`${stem}_${i}`)) return `${stem}_${i}`;
}

/** A new node of `type` with what the meta-schema requires of it. */
export function defaultNode(doc: FlowDoc, type: NodeType): FlowNode {
  const id = uniqueNodeId(doc, type);
  switch (type) {
    case 'review':
      return { id, type, mode: 'any', approvers: {} };
    case 'task':
      return { id, type, plugin: '', settings: {} };
    case 'end':
      return { id, type, status: 'completed' };
    case 'wait':
      return { id, type, wait: { after: '1h' } };
    case 'subflow':
      return { id, type, subflow: { flow: '' } };
    case 'join': {
      const fork = doc.nodes.find((n) => n.type === 'parallel' || n.type === 'inclusive');
      return { id, type, fork: fork?.id ?? '' };
    }
    default:
      return { id, type };
  }
}

export function addNode(doc: FlowDoc, node: FlowNode): FlowDoc {
  return { ...doc, nodes: [...doc.nodes, node] };
}

/** Removes a node, the edges touching it and the references to it (fork, on_reject). */
export function removeNode(doc: FlowDoc, id: string): FlowDoc {
  return {
    ...doc,
    nodes: doc.nodes
      .filter((n) => n.id !== id)
      .map((n) => {
        if (n.fork !== id && n.on_reject !== id) return n;
        const copy = { ...n };
        if (copy.fork === id) copy.fork = '';
        if (copy.on_reject === id) delete copy.on_reject;
        return copy;
      }),
    edges: doc.edges.filter((e) => e.from !== id && e.to !== id),
  };
}

/** Replaces node `id` by `node`; a changed id is carried into the edges, forks and on_reject. */
export function updateNode(doc: FlowDoc, id: string, node: FlowNode): FlowDoc {
  const renamed = node.id !== id;
  const ren = (v: string | undefined) => (renamed && v === id ? node.id : v);
  return {
    ...doc,
    nodes: doc.nodes.map((n) => {
      if (n.id === id) return node;
      if (!renamed || (n.fork !== id && n.on_reject !== id)) return n;
      const copy = { ...n };
      if (copy.fork !== undefined) copy.fork = ren(copy.fork);
      if (copy.on_reject !== undefined) copy.on_reject = ren(copy.on_reject);
      return copy;
    }),
    edges: renamed ? doc.edges.map((e) => (e.from === id || e.to === id ? { ...e, from: ren(e.from)!, to: ren(e.to)! } : e)) : doc.edges,
  };
}

export function addEdge(doc: FlowDoc, edge: FlowEdge): FlowDoc {
  if (edge.from === edge.to) return doc;
  if (doc.edges.some((e) => e.from === edge.from && e.to === edge.to)) return doc;
  return { ...doc, edges: [...doc.edges, edge] };
}

export function updateEdge(doc: FlowDoc, index: number, edge: FlowEdge): FlowDoc {
  return { ...doc, edges: doc.edges.map((e, i) => (i === index ? edge : e)) };
}

export function removeEdges(doc: FlowDoc, indexes: number[]): FlowDoc {
  const drop = new Set(indexes);
  return { ...doc, edges: doc.edges.filter((_, i) => !drop.has(i)) };
}

/** A copy of `node` under a fresh id (for paste). */
export function cloneNode(doc: FlowDoc, node: FlowNode): FlowNode {
  const copy = JSON.parse(JSON.stringify(node)) as FlowNode;
  copy.id = uniqueNodeId(doc, node.id.replace(/_copy(_\d+)?$/, '') + '_copy');
  return copy;
}

/** Drops empty optional values the editor leaves behind (empty strings, empty lists and objects) so the document stays schema-clean. */
export function cleanNode(node: FlowNode): FlowNode {
  const out: FlowNode = { id: node.id, type: node.type };
  for (const [k, v] of Object.entries(node)) {
    if (k === 'id' || k === 'type') continue;
    if (v === undefined || v === '') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    // empty approvers stay: the server then says who is missing, not merely that approvers are required
    if (v && typeof v === 'object' && !Array.isArray(v) && k !== 'settings' && k !== 'approvers' && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}
