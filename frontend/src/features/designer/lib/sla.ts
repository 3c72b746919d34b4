// The SLA of a flow's review nodes, edited on each node's panel and kept in the reminder
// definition that has the flow's key (saved and published together with the flow).
import { pointerParts, type FieldError } from '../../../lib/api';
import type { FlowDoc } from './document';

export interface SlaRule {
  remind_after?: string;
  repeat_every?: string;
  max_times?: number;
  escalate_after?: string;
  escalate_to?: { role?: string; department?: string; manager_levels?: number; reassign?: boolean };
  auto_after?: string;
  auto_action?: 'approve' | 'reject' | 'return';
}

export interface SlaDoc {
  kind: 'reminder';
  key: string;
  flow: string;
  rules?: Record<string, SlaRule>;
  [k: string]: unknown;
}

/** A duration as the server reads it: days, hours, minutes in that order (30m, 4h, 2d, 1d12h). */
export const DURATION = /^(\d{1,4}d(\d{1,4}h)?(\d{1,5}m)?|\d{1,4}h(\d{1,5}m)?|\d{1,5}m)$/;

export const AUTO_ACTIONS = ['approve', 'reject', 'return'] as const;

/** What a review usually needs, offered in one click: a reminder after 4 hours, the manager after a day. */
export const SUGGESTED_SLA: SlaRule = { remind_after: '4h', escalate_after: '1d', escalate_to: { manager_levels: 1 } };

export function newSla(flowKey: string): SlaDoc {
  return { $schema: 'https://sluice.dev/schemas/reminder.schema.json', kind: 'reminder', key: flowKey, flow: flowKey };
}

/** Drops what is unset; an empty rule is no rule. */
function tidy(rule: SlaRule): SlaRule | undefined {
  const r: SlaRule = {};
  for (const [k, v] of Object.entries(rule) as [keyof SlaRule, unknown][]) {
    if (v === undefined || v === '' || v === null) continue;
    (r as Record<string, unknown>)[k] = v;
  }
  if (r.escalate_to) {
    const e = { ...r.escalate_to };
    if (!e.role) {
      delete e.role;
      delete e.department;
    }
    if (!e.department) delete e.department;
    if (!e.manager_levels || e.role) delete e.manager_levels;
    if (!e.reassign) delete e.reassign;
    if (e.role || e.manager_levels) r.escalate_to = e;
    else delete r.escalate_to;
  }
  if (!r.escalate_after) delete r.escalate_to;
  if (!r.auto_after) delete r.auto_action;
  if (!r.remind_after) {
    delete r.repeat_every;
    delete r.max_times;
  }
  return Object.keys(r).length ? r : undefined;
}

/** The SLA with node `id`'s rule replaced (undefined or empty: removed). */
export function setRule(sla: SlaDoc, id: string, rule: SlaRule | undefined): SlaDoc {
  const rules = { ...(sla.rules ?? {}) };
  const r = rule && tidy(rule);
  if (r) rules[id] = r;
  else delete rules[id];
  const next: SlaDoc = { ...sla, rules };
  if (!Object.keys(rules).length) delete next.rules;
  return next;
}

/** A node renamed from → to keeps its rule; a node removed (to undefined) drops it. */
export function moveRule(sla: SlaDoc, from: string, to: string | undefined): SlaDoc {
  const r = sla.rules?.[from];
  if (!r) return sla;
  const moved = setRule(sla, from, undefined);
  return to ? setRule(moved, to, r) : moved;
}

/** Rules only for review nodes the flow has (others would be refused). */
export function slaFor(sla: SlaDoc, flow: FlowDoc): SlaDoc {
  const reviews = new Set(flow.nodes.filter((n) => n.type === 'review').map((n) => n.id));
  let out = sla;
  for (const id of Object.keys(sla.rules ?? {})) if (!reviews.has(id)) out = setRule(out, id, undefined);
  return out;
}

/**
 * The reminder's problems as problems of the flow: /rules/<node>/<field> becomes
 * /nodes/<i>/sla/<field>, so that they are marked on the node and listed with the flow's.
 */
export function slaErrorsOnFlow(errors: FieldError[], flow: FlowDoc): FieldError[] {
  return errors.map((e) => {
    const [head, id, ...rest] = pointerParts(e.pointer);
    const i = head === 'rules' && id ? flow.nodes.findIndex((n) => n.id === id) : -1;
    if (i < 0) return e;
    return { pointer: `/nodes/${i}/sla${rest.map((s) => '/' + s).join('')}`, message: e.message };
  });
}
