// A publish the flow checker refused (docs/flow-checker.md): the 422's code, the node or edge at fault and the
// counterexample, read against the document that was published so the canvas can mark them.
import { pointerParts, type Problem } from '../../../lib/api';
import type { FlowDoc, FlowEdge } from './document';

/** The codes the checker answers with; anything else is shown as `unknown` (never as a raw code). */
export const FLOW_CHECK_CODES = [
  'flow_stranded',
  'flow_engine_error',
  'flow_open_after_end',
  'flow_join_never_passes',
  'flow_open_twice',
  'flow_automatic_loop',
  'flow_too_large',
] as const;
export type FlowCheckCode = (typeof FLOW_CHECK_CODES)[number] | 'unknown';

/** One step of the counterexample as the server sends it (FlowCheckStep in openapi.json). */
export interface FlowCheckStep {
  action: string;
  node?: string;
  target?: string;
  outcome?: string;
  choices?: { node: string; edge?: string; value: string }[];
  nodes: string[];
  edges: string[];
}

/**
 * The refusal resolved against the published document: node ids stay ids, edge pointers become the edge objects
 * themselves, so the marks follow an edge when later edits move it in the list (and drop when it is edited).
 */
export interface FlowRefusal {
  code: FlowCheckCode;
  /** The server's own words about the fault (English), shown as secondary text. */
  message?: string;
  fault: { node?: string; edge?: FlowEdge };
  steps: RefusalStep[];
}

export interface RefusalStep {
  action: string;
  /** `@before` / `@delegate`: the added signer's or the delegate's task decided. */
  by?: 'before' | 'delegate';
  node?: string;
  target?: string;
  outcome?: string;
  choices: { node: string; edge?: FlowEdge; value: string }[];
  nodes: string[];
  edges: FlowEdge[];
}

const edgeAt = (doc: FlowDoc, pointer: string | undefined): FlowEdge | undefined => {
  const [head, idx, ...rest] = pointerParts(pointer ?? '');
  if (head !== 'edges' || rest.length || !/^\d+$/.test(idx ?? '')) return undefined;
  return doc.edges[Number(idx)];
};

const nodeAt = (doc: FlowDoc, pointer: string): string | undefined => {
  const [head, idx] = pointerParts(pointer);
  if (head !== 'nodes' || !/^\d+$/.test(idx ?? '')) return undefined;
  return doc.nodes[Number(idx)]?.id;
};

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * The refusal in a 422 from publish, or undefined when the 422 is not the checker's (an ordinary validation
 * error). `doc` is the document that was published: the pointers index into it.
 */
export function readRefusal(problem: Problem, doc: FlowDoc): FlowRefusal | undefined {
  const raw = problem.code;
  const isCheck = typeof raw === 'string' && raw.startsWith('flow_');
  if (!isCheck && !Array.isArray(problem.counterexample)) return undefined;
  const code: FlowCheckCode = (FLOW_CHECK_CODES as readonly string[]).includes(raw as string) ? (raw as FlowCheckCode) : 'unknown';
  const first = Array.isArray(problem.errors) ? problem.errors[0] : undefined;
  const pointer = typeof first?.pointer === 'string' ? first.pointer : '';
  const steps: RefusalStep[] = (Array.isArray(problem.counterexample) ? problem.counterexample : [])
    .filter((s): s is FlowCheckStep => !!s && typeof s === 'object' && typeof (s as FlowCheckStep).action === 'string')
    .map((s) => {
      const [action, by] = s.action.split('@');
      return {
        action,
        by: by === 'before' || by === 'delegate' ? by : undefined,
        node: s.node || undefined,
        target: s.target || undefined,
        outcome: s.outcome || undefined,
        choices: (Array.isArray(s.choices) ? s.choices : []).map((c) => ({ node: String(c.node ?? ''), edge: edgeAt(doc, c.edge), value: String(c.value ?? '') })),
        nodes: strings(s.nodes),
        edges: strings(s.edges)
          .map((p) => edgeAt(doc, p))
          .filter((e): e is FlowEdge => !!e),
      };
    });
  return {
    code,
    message: typeof first?.message === 'string' && first.message ? first.message : undefined,
    fault: { node: nodeAt(doc, pointer), edge: edgeAt(doc, pointer) },
    steps,
  };
}

export interface RefusalHighlights {
  faultNodes: Set<string>;
  /** Indices into the current document's edges. */
  faultEdges: Set<number>;
  /** What the selected step passed (its acted node, the nodes reached, the edges taken); every step when none is selected. */
  nodes: Set<string>;
  edges: Set<number>;
}

/** The marks of a refusal on the current document; `selected` is a step's index, or undefined for the whole route. */
export function refusalHighlights(refusal: FlowRefusal, doc: FlowDoc, selected?: number): RefusalHighlights {
  const present = new Set(doc.nodes.map((n) => n.id));
  const index = (e: FlowEdge | undefined) => (e ? doc.edges.indexOf(e) : -1);
  const h: RefusalHighlights = { faultNodes: new Set(), faultEdges: new Set(), nodes: new Set(), edges: new Set() };
  if (refusal.fault.node && present.has(refusal.fault.node)) h.faultNodes.add(refusal.fault.node);
  if (index(refusal.fault.edge) >= 0) h.faultEdges.add(index(refusal.fault.edge));
  const steps = selected === undefined ? refusal.steps : refusal.steps.slice(selected, selected + 1);
  for (const s of steps) {
    for (const id of [s.node, ...s.nodes]) if (id && present.has(id)) h.nodes.add(id);
    for (const e of s.edges) if (index(e) >= 0) h.edges.add(index(e));
  }
  return h;
}
