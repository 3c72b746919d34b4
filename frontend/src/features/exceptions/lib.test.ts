import { describe, expect, it } from 'vitest';
import { changedFields, countdown, splitResolveErrors } from './lib';

describe('changedFields', () => {
  const original = { customer: { name: 'A', tier: 'new' }, items: [{ sku: 'X', qty: 1 }], note: 'n', total: 10 };
  it('returns nothing for unchanged data', () => {
    expect(changedFields(original, structuredClone(original))).toEqual({});
  });
  it('returns only the changed top-level fields, whole', () => {
    const edited = { ...structuredClone(original), customer: { name: 'B', tier: 'new' } };
    expect(changedFields(original, edited)).toEqual({ customer: { name: 'B', tier: 'new' } });
  });
  it('sends a removed field as null and skips computed ones', () => {
    const edited = { customer: original.customer, items: original.items, total: 99 };
    expect(changedFields(original, edited, ['total'])).toEqual({ note: null });
  });
});

describe('countdown', () => {
  const now = Date.parse('2026-11-27T10:00:00Z');
  it('counts down to a future deadline', () => {
    expect(countdown('2026-11-27T13:20:00Z', now)).toMatchObject({ overdue: false, text: '3h 20m' });
  });
  it('marks a past deadline overdue', () => {
    expect(countdown('2026-11-25T09:00:00Z', now)).toMatchObject({ overdue: true, text: '2d 1h' });
  });
  it('is null without a deadline', () => {
    expect(countdown(undefined, now)).toBeNull();
  });
});

describe('splitResolveErrors', () => {
  it('sends /data pointers to the form and note/user to their inputs', () => {
    const r = splitResolveErrors([
      { pointer: '/data/items/0/qty', message: 'too small' },
      { pointer: '/note', message: 'required' },
      { pointer: '', message: 'moved on' },
    ]);
    expect(r.data).toHaveLength(1);
    expect(r.fields).toEqual({ note: 'required' });
    expect(r.other).toEqual(['moved on']);
  });
});
