// Pure readings of an order's history (GET /orders/{id}/history): where a return may go, how a review node
// is voted, the rule trace of an entry, and the one-line summary of the newer actions.
import type { HistoryEntry, Task } from '../../../lib/types';
import type { LocalizedText } from '../../../i18n/pickText';

export interface TraceLine {
  node: string;
  text: string;
}

/** The rule trace of an entry (detail.trace = [{node, text}]): why the engine did what it did. */
export function traceOf(entry: Pick<HistoryEntry, 'detail'>): TraceLine[] {
  const trace = entry.detail && Array.isArray(entry.detail.trace) ? entry.detail.trace : [];
  return trace
    .filter((t: unknown): t is Record<string, unknown> => !!t && typeof t === 'object')
    .map((t) => ({ node: typeof t.node === 'string' ? t.node : '', text: typeof t.text === 'string' ? t.text : '' }))
    .filter((t) => t.text !== '');
}

const bySeq = (items: readonly HistoryEntry[]) => [...items].sort((a, b) => a.seq - b.seq);

/** The newest entry with a rule trace: it says why the order is where it is now. */
export function latestTrace(items: readonly HistoryEntry[]): { entry: HistoryEntry; trace: TraceLine[] } | undefined {
  const sorted = bySeq(items);
  for (let i = sorted.length - 1; i >= 0; i--) {
    const trace = traceOf(sorted[i]);
    if (trace.length) return { entry: sorted[i], trace };
  }
  return undefined;
}

/**
 * The earlier review nodes a task at `currentNode` may return the order to: the nodes the history shows
 * approved (by a reviewer or automatically), each once where it was passed last, oldest first. The last one
 * is the server's default ("the previous one").
 */
export function returnTargets(items: readonly HistoryEntry[], currentNode: string): string[] {
  const out: string[] = [];
  for (const h of bySeq(items)) {
    if ((h.action !== 'approve' && h.action !== 'auto_approved') || !h.node || h.node === currentNode) continue;
    const i = out.indexOf(h.node);
    if (i >= 0) out.splice(i, 1);
    out.push(h.node);
  }
  return out;
}

/** Display names of the nodes the history and the tasks mention. */
export function nodeNamesFrom(items: readonly HistoryEntry[], tasks: readonly Pick<Task, 'node' | 'node_name'>[]): Map<string, LocalizedText> {
  const names = new Map<string, LocalizedText>();
  for (const h of items) if (h.node && h.node_name && !names.has(h.node)) names.set(h.node, h.node_name);
  for (const t of tasks) if (t.node && t.node_name) names.set(t.node, t.node_name);
  return names;
}

export interface NodeProgress {
  node: string;
  /** any | all | sequential | ratio */
  mode?: string;
  /** Approvals that pass the node. */
  need?: number;
  /** Voters in all (ratio, all, sequential). */
  pool?: number;
  /** Open tasks of the node now. */
  open: number;
  /** Tasks of the node that wait for an added signer or a delegate. */
  waiting: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * How a current review node is voted, from its latest `node_entered` entry (detail: mode, need, assignees as
 * one list per task, queue) and the order's tasks. Signers added later are not in the entry: `pool` is never
 * below need, nor below the open review tasks.
 */
export function nodeProgress(items: readonly HistoryEntry[], tasks: readonly Pick<Task, 'node' | 'status' | 'mode' | 'kind'>[], node: string): NodeProgress {
  const mine = tasks.filter((t) => t.node === node && t.kind !== 'cc');
  const open = mine.filter((t) => t.status === 'open').length;
  const waiting = mine.filter((t) => t.status === 'waiting').length;
  const entered = bySeq(items).filter((h) => h.action === 'node_entered' && h.node === node).pop();
  const d = entered?.detail ?? {};
  const mode = (typeof d.mode === 'string' && d.mode) || mine.find((t) => t.mode)?.mode || undefined;
  let need = num(d.need);
  let pool = num(d.pool);
  if (pool === undefined && entered) {
    const groups = Array.isArray(d.assignees) ? d.assignees : [];
    const queue = Array.isArray(d.queue) ? d.queue.length : 0;
    if (mode === 'any') pool = 1;
    else if (mode === 'sequential') pool = groups.length + queue;
    else pool = groups.length;
  }
  if (mode === 'any') {
    need = need ?? 1;
  }
  if (pool !== undefined) {
    const reviewOpen = mine.filter((t) => (t.kind ?? 'review') === 'review' && t.status === 'open').length;
    pool = Math.max(pool, need ?? 0, mode === 'any' ? 0 : reviewOpen);
  }
  return { node, mode, need, pool, open, waiting };
}

/** What the timeline says after an entry's label: an i18n key, and the node and/or users it names. */
export interface EntrySummary {
  key: string;
  node?: string;
  users?: string[];
  reason?: string;
}

export function entrySummary(h: HistoryEntry, later: readonly HistoryEntry[] = []): EntrySummary | undefined {
  const d = h.detail ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const list = (v: unknown) => (Array.isArray(v) ? v.flat().filter((x): x is string => typeof x === 'string' && x !== '') : []);
  switch (h.action) {
    case 'return': {
      // the target is the node asked for, else where the engine sent it (the node entered next)
      let node = str(d.node);
      if (!node) node = traceOf(h).find((t) => t.node && t.node !== h.node)?.node ?? '';
      if (!node) node = later.find((e) => e.seq > h.seq && e.action === 'node_entered')?.node ?? '';
      return node ? { key: 'detail.returnTo', node } : undefined;
    }
    case 'transfer':
    case 'delegate':
    case 'add_signer': {
      const user = str(d.user);
      if (!user) return undefined;
      const key =
        h.action === 'transfer' ? 'detail.transferTo' : h.action === 'delegate' ? 'detail.delegateTo'
          : str(d.position) === 'before' ? 'detail.addSignerBefore' : 'detail.addSignerAfter';
      return { key, users: [user] };
    }
    case 'branch':
      return str(d.to) ? { key: 'detail.branchTo', node: str(d.to) } : undefined;
    case 'auto_approved':
      return list(d.for).length ? { key: 'detail.autoApprovedFor', users: list(d.for) } : undefined;
    case 'urge':
      return list(d.assignees).length ? { key: 'detail.urged', users: list(d.assignees) } : undefined;
    case 'exception':
      return str(d.reason) ? { key: 'detail.exceptionReason', reason: str(d.reason) } : undefined;
    case 'node_entered':
      return list(d.assignees).length ? { key: 'detail.assignedTo', users: list(d.assignees) } : undefined;
  }
  return undefined;
}
