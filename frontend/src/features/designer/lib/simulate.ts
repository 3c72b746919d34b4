// The path of a simulation result on the graph, and the SLA timers it would set.
import type { components } from '../../../lib/api.gen';
import type { FlowDoc } from './document';
import type { SlaRule } from './sla';

/** A reminder timer the simulated order would set (remind, escalate or auto) on a review node. */
export type SimReminder = components['schemas']['SimReminder'];

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
  reminders?: SimReminder[];
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

type Translate = (key: string, values?: Record<string, unknown>) => string;

/** A duration as the server writes it (4h, 1d12h, 30m) in words of the UI language; anything else as it is. */
export function durationText(d: string, t: Translate): string {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/.exec(d);
  if (!d || !m) return d;
  const parts: string[] = [];
  if (m[1]) parts.push(t('designer.simSla.duration.d', { n: Number(m[1]) }));
  if (m[2]) parts.push(t('designer.simSla.duration.h', { n: Number(m[2]) }));
  if (m[3]) parts.push(t('designer.simSla.duration.m', { n: Number(m[3]) }));
  return parts.join(' ');
}

/** A due time in the UI language: date and time of day, in the browser's time zone. */
export function dueText(iso: string, lang: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export interface SlaLine {
  kind: SimReminder['kind'];
  text: string;
  /** Brought forward by the order's deadline field. */
  capped: boolean;
}

/**
 * The simulated order's timers as sentences, by review node in path order: when each reminder,
 * escalation and automatic action would fall due and to whom an escalation would go. `rule` gives a
 * node's SLA rule (to say whom the escalation is for when nobody is found); `who` names people and
 * `roleText` a role in a department.
 */
export function slaLines(
  reminders: SimReminder[] | undefined,
  opts: { t: Translate; lang: string; rule: (node: string) => SlaRule | undefined; who: (username: string) => string; roleText: (role: string, department?: string) => string },
): { node: string; lines: SlaLine[] }[] {
  const { t, lang } = opts;
  const out: { node: string; lines: SlaLine[] }[] = [];
  for (const r of reminders ?? []) {
    let group = out.find((g) => g.node === r.node);
    if (!group) out.push((group = { node: r.node, lines: [] }));
    const due = dueText(r.due_at, lang);
    const after = durationText(r.after, t);
    let text: string;
    const sep = t('common.listSeparator');
    if (r.kind === 'remind') {
      const every = r.repeat_every ? durationText(r.repeat_every, t) : '';
      text = !every
        ? t('designer.simSla.remind', { due, after })
        : r.max_times
          ? t('designer.simSla.remindRepeatTimes', { due, after, every, times: r.max_times })
          : t('designer.simSla.remindRepeat', { due, after, every });
    } else if (r.kind === 'escalate') {
      const to = r.to?.length ? r.to.map(opts.who).join(sep) : target(opts.rule(r.node), opts);
      text = !to ? t('designer.simSla.escalateNotify', { due, after }) : t(r.reassign ? 'designer.simSla.escalateReassign' : 'designer.simSla.escalate', { due, after, to });
    } else {
      text = t('designer.simSla.auto', { due, after, action: t(`designer.sla.action.${r.action ?? 'return'}`) });
    }
    group.lines.push({ kind: r.kind, text, capped: !!r.capped });
  }
  return out;
}

/** Whom a rule escalates to when the simulation found nobody: the rule's target, said to have nobody now. */
function target(rule: SlaRule | undefined, opts: { t: Translate; roleText: (role: string, department?: string) => string }): string {
  const e = rule?.escalate_to;
  if (!e) return '';
  const who = e.role ? opts.roleText(e.role, e.department) : opts.t('designer.sla.by.manager');
  return opts.t('designer.simSla.nobody', { target: who });
}
