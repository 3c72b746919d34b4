// Reminder definitions (schemas/reminder.schema.json) ↔ the flat values of the editor's antd form.
// Rules become a list (node + fields), escalate_to a choice (none / role / manager levels), the calendar
// and its working hours switches; unknown top-level keys are kept as they were.
import type { Text } from '../../designer';

export type AutoAction = 'approve' | 'reject' | 'return';
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface Rule {
  remind_after?: string;
  repeat_every?: string;
  max_times?: number;
  escalate_after?: string;
  escalate_to?: { role: string; department?: string; reassign?: boolean } | { manager_levels: number; reassign?: boolean };
  auto_after?: string;
  auto_action?: AutoAction;
}

export interface Schedule {
  key: string;
  name?: Text;
  cron: string;
  time_zone?: string;
  action: 'digest';
}

export interface ReminderDoc {
  $schema?: string;
  kind: 'reminder';
  key: string;
  name?: Text;
  description?: Text;
  flow: string;
  rules?: Record<string, Rule>;
  deadline_field?: string;
  calendar?: { time_zone: string; weekdays?: Weekday[]; holidays?: string[]; hours?: { start: string; end: string } };
  schedules?: Schedule[];
  [extra: string]: unknown;
}

export interface RuleValues {
  node: string;
  remind_after?: string;
  repeat_every?: string;
  max_times?: number;
  escalate: 'none' | 'role' | 'manager';
  escalate_after?: string;
  escalate_role?: string;
  escalate_department?: string;
  manager_levels?: number;
  reassign?: boolean;
  auto_after?: string;
  auto_action?: AutoAction;
}

export interface ReminderValues {
  key: string;
  name?: Text;
  description?: Text;
  flow: string;
  deadline_field?: string;
  calendar_on: boolean;
  time_zone?: string;
  weekdays?: Weekday[];
  hours_on: boolean;
  hours_start?: string;
  hours_end?: string;
  holidays?: string[];
  rules: RuleValues[];
  schedules: Schedule[];
}

export const DURATION_RE = /^([0-9]{1,4}d([0-9]{1,4}h)?([0-9]{1,5}m)?|[0-9]{1,4}h([0-9]{1,5}m)?|[0-9]{1,5}m)$/;
export const HHMM_RE = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
export const HHMM_END_RE = /^([01][0-9]|2[0-4]):[0-5][0-9]$/;

/** Minutes of a duration (30m, 4h, 1d12h; a day counted as 24h), or undefined when it is not one. */
export function durationMinutes(s: string | undefined): number | undefined {
  if (!s || !DURATION_RE.test(s)) return undefined;
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/.exec(s)!;
  return Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

const blank = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length);
function defined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!blank(v)) out[k] = typeof v === 'string' ? v.trim() : v;
  return out as T;
}

export function newReminderDoc(key: string, flow = ''): ReminderDoc {
  return { $schema: 'https://sluice.dev/schemas/reminder.schema.json', kind: 'reminder', key, flow, rules: {} };
}

export function ruleToValues(node: string, r: Rule): RuleValues {
  const e = r.escalate_to;
  const v: RuleValues = {
    node,
    remind_after: r.remind_after,
    repeat_every: r.repeat_every,
    max_times: r.max_times,
    escalate: !e ? 'none' : 'role' in e ? 'role' : 'manager',
    escalate_after: r.escalate_after,
    auto_after: r.auto_after,
    auto_action: r.auto_action,
  };
  if (e && 'role' in e) Object.assign(v, { escalate_role: e.role, escalate_department: e.department });
  if (e && 'manager_levels' in e) v.manager_levels = e.manager_levels;
  if (e?.reassign) v.reassign = true;
  return defined(v);
}

export function valuesToRule(v: RuleValues): Rule {
  let escalate_to: Rule['escalate_to'];
  if (v.escalate === 'role') escalate_to = defined({ role: v.escalate_role ?? '', department: v.escalate_department, reassign: v.reassign || undefined });
  if (v.escalate === 'manager') escalate_to = defined({ manager_levels: v.manager_levels ?? 1, reassign: v.reassign || undefined });
  return defined({
    remind_after: v.remind_after,
    repeat_every: v.remind_after ? v.repeat_every : undefined,
    max_times: v.remind_after ? v.max_times : undefined,
    escalate_after: escalate_to ? v.escalate_after : undefined,
    escalate_to,
    auto_after: v.auto_after,
    auto_action: v.auto_after ? v.auto_action : undefined,
  });
}

export function docToValues(d: ReminderDoc): ReminderValues {
  const c = d.calendar;
  return {
    key: d.key,
    name: d.name,
    description: d.description,
    flow: d.flow ?? '',
    deadline_field: d.deadline_field,
    calendar_on: !!c,
    time_zone: c?.time_zone,
    weekdays: c?.weekdays,
    hours_on: !!c?.hours,
    hours_start: c?.hours?.start,
    hours_end: c?.hours?.end,
    holidays: c?.holidays,
    rules: Object.entries(d.rules ?? {}).map(([node, r]) => ruleToValues(node, r)),
    schedules: (d.schedules ?? []).map((s) => ({ ...s })),
  };
}

/** The document of the editor's values; `base` keeps what the editor does not show ($schema, unknown keys). */
export function valuesToDoc(v: ReminderValues, base?: ReminderDoc): ReminderDoc {
  const rules: Record<string, Rule> = {};
  for (const r of v.rules ?? []) if (r?.node) rules[r.node] = valuesToRule(r);
  const calendar = v.calendar_on
    ? defined({
        time_zone: v.time_zone ?? '',
        weekdays: v.weekdays,
        holidays: v.holidays?.length ? [...new Set(v.holidays)].sort() : undefined,
        hours: v.hours_on ? { start: v.hours_start ?? '', end: v.hours_end ?? '' } : undefined,
      })
    : undefined;
  const { rules: _r, calendar: _c, schedules: _s, deadline_field: _d, name: _n, description: _x, ...rest } = base ?? newReminderDoc(v.key);
  return defined({
    ...rest,
    $schema: base?.$schema ?? 'https://sluice.dev/schemas/reminder.schema.json',
    kind: 'reminder' as const,
    key: v.key,
    name: v.name,
    description: v.description,
    flow: v.flow,
    deadline_field: v.deadline_field,
    calendar,
    rules,
    schedules: (v.schedules ?? []).map((s) => defined({ ...s, action: s.action ?? 'digest' })),
  }) as ReminderDoc;
}
