import { describe, expect, it } from 'vitest';
import example from '../../../../../schemas/examples/reminders/order-review.json';
import { docToValues, durationMinutes, ruleToValues, valuesToDoc, valuesToRule, type ReminderDoc, type Rule, type RuleValues } from './model';

describe('rules ↔ form values', () => {
  it.each<[string, Rule, Partial<RuleValues>]>([
    ['remind only', { remind_after: '2h', repeat_every: '2h', max_times: 3 }, { escalate: 'none', remind_after: '2h', repeat_every: '2h', max_times: 3 }],
    ['escalate to manager', { escalate_after: '1d', escalate_to: { manager_levels: 2 } }, { escalate: 'manager', escalate_after: '1d', manager_levels: 2 }],
    [
      'escalate to a role in a department, reassigning',
      { escalate_after: '4h', escalate_to: { role: 'finance', department: 'hq', reassign: true } },
      { escalate: 'role', escalate_after: '4h', escalate_role: 'finance', escalate_department: 'hq', reassign: true },
    ],
    ['auto action', { auto_after: '5d', auto_action: 'return' }, { escalate: 'none', auto_after: '5d', auto_action: 'return' }],
  ])('%s', (_, rule, values) => {
    const v = ruleToValues('n', rule);
    expect(v).toEqual({ node: 'n', ...values });
    expect(valuesToRule(v)).toEqual(rule);
  });

  it.each<[string, RuleValues, Rule]>([
    ['repeat without a first reminder is dropped', { node: 'n', escalate: 'none', repeat_every: '1h', max_times: 2 }, {}],
    ['escalate "none" drops escalate_after', { node: 'n', escalate: 'none', escalate_after: '1d', remind_after: '1h' }, { remind_after: '1h' }],
    ['an auto action without a time is dropped', { node: 'n', escalate: 'none', auto_action: 'approve', remind_after: '1h' }, { remind_after: '1h' }],
    ['manager levels default to 1', { node: 'n', escalate: 'manager', escalate_after: '1d' }, { escalate_after: '1d', escalate_to: { manager_levels: 1 } }],
    ['blank texts are left out', { node: 'n', escalate: 'role', escalate_role: 'x', escalate_department: '', escalate_after: '2h' }, { escalate_after: '2h', escalate_to: { role: 'x' } }],
  ])('%s', (_, values, rule) => {
    expect(valuesToRule(values)).toEqual(rule);
  });
});

describe('document ↔ form values', () => {
  it('the example reminder set survives the round trip unchanged', () => {
    const doc = example as unknown as ReminderDoc;
    expect(valuesToDoc(docToValues(doc), doc)).toEqual(doc);
  });

  it.each<[string, Partial<ReturnType<typeof docToValues>>, Partial<ReminderDoc>]>([
    ['calendar off removes it', { calendar_on: false, time_zone: 'UTC' }, { calendar: undefined }],
    ['hours off keep the calendar without hours', { calendar_on: true, time_zone: 'UTC', weekdays: undefined, holidays: [], hours_on: false, hours_start: '09:00' }, { calendar: { time_zone: 'UTC' } }],
    [
      'holidays are sorted and unique',
      { calendar_on: true, time_zone: 'Asia/Taipei', weekdays: undefined, hours_on: false, holidays: ['2026-02-01', '2026-01-01', '2026-02-01'] },
      { calendar: { time_zone: 'Asia/Taipei', holidays: ['2026-01-01', '2026-02-01'] } },
    ],
    ['deadline field blank is left out', { deadline_field: '' }, { deadline_field: undefined }],
  ])('%s', (_, change, want) => {
    const base = docToValues(example as unknown as ReminderDoc);
    const doc = valuesToDoc({ ...base, ...change }, example as unknown as ReminderDoc);
    for (const [k, v] of Object.entries(want)) expect(doc[k], k).toEqual(v);
  });

  it('rules without a node are skipped, schedules get the digest action', () => {
    const doc = valuesToDoc({
      key: 'r',
      flow: 'f',
      calendar_on: false,
      hours_on: false,
      rules: [{ node: '', escalate: 'none', remind_after: '1h' }, { node: 'a', escalate: 'none', remind_after: '1h' }],
      schedules: [{ key: 's', cron: '0 9 * * 1-5' } as never],
    });
    expect(doc.rules).toEqual({ a: { remind_after: '1h' } });
    expect(doc.schedules).toEqual([{ key: 's', cron: '0 9 * * 1-5', action: 'digest' }]);
    expect(doc.kind).toBe('reminder');
  });
});

describe('durations', () => {
  it.each<[string | undefined, number | undefined]>([
    ['30m', 30],
    ['4h', 240],
    ['2d', 2880],
    ['1d12h', 2160],
    ['1h30m', 90],
    ['1m2h', undefined],
    ['', undefined],
    ['5', undefined],
    [undefined, undefined],
  ])('%s → %s', (s, want) => {
    expect(durationMinutes(s)).toBe(want);
  });
});
