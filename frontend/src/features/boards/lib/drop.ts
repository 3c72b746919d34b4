// What dropping a board card on another column means: the same review action the order page
// offers (approve forward along the flow, return to a node already approved), or a refusal with
// its reason. Pure, so the rules are tested without a board.

export interface DropTask {
  id: number;
  node: string;
  status: string;
  can_act: boolean;
  kind?: string;
  checklist?: unknown[];
}

export interface GraphEdge {
  from: string;
  to: string;
  outcome?: string;
}

export type DropPlan =
  | { kind: 'none' }
  | { kind: 'approve'; task: number }
  | { kind: 'return'; task: number; node: string }
  | { kind: 'refuse'; reason: 'locked' | 'notYours' | 'checklist' | 'cannotReturn' | 'notNext'; user?: string };

/**
 * The review nodes an approval at `from` may lead to: along the flow's edges (not the reject ones) through
 * automatic nodes, stopping at the first review node of each path. The conditions on the way are the
 * server's business: any of these is a move the user may ask for; the engine picks the branch.
 */
export function approveTargets(from: string, edges: readonly GraphEdge[], reviewNodes: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>([from]);
  const queue = edges.filter((e) => e.from === from && e.outcome !== 'reject').map((e) => e.to);
  while (queue.length) {
    const n = queue.shift()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (reviewNodes.has(n)) {
      out.add(n);
      continue;
    }
    for (const e of edges) if (e.from === n && e.outcome !== 'reject') queue.push(e.to);
  }
  return out;
}

export interface DropInput {
  from: string;
  to: string;
  me?: string;
  /** The live soft lock's holder, if any. */
  lockedBy?: string;
  /** The order's tasks (GET /orders/{id}). */
  tasks: readonly DropTask[];
  /** Nodes an approval at `from` may lead to (approveTargets). */
  forward: ReadonlySet<string>;
  /** Nodes the order may be returned to from `from` (approved before; returnTargets of its history). */
  back: readonly string[];
}

export function planDrop({ from, to, me, lockedBy, tasks, forward, back }: DropInput): DropPlan {
  if (from === to) return { kind: 'none' };
  if (lockedBy && lockedBy !== me) return { kind: 'refuse', reason: 'locked', user: lockedBy };
  const task = tasks.find((t) => t.node === from && t.status === 'open' && t.can_act && t.kind !== 'cc');
  if (!task) return { kind: 'refuse', reason: 'notYours' };
  if (back.includes(to)) {
    // an added signer or a delegate only approves, rejects or comments
    if (task.kind && task.kind !== 'review') return { kind: 'refuse', reason: 'cannotReturn' };
    return { kind: 'return', task: task.id, node: to };
  }
  if (forward.has(to)) {
    if (task.checklist?.length) return { kind: 'refuse', reason: 'checklist' };
    return { kind: 'approve', task: task.id };
  }
  return { kind: 'refuse', reason: 'notNext' };
}
