import { describe, expect, it } from 'vitest';
import { changedFields, subsetForm } from './editable';
import type { FormDef } from '../../../lib/types';

const form: FormDef = {
  key: 'order',
  version: 1,
  name: { en: 'Order' },
  schema: {
    type: 'object',
    $defs: { item: { type: 'object' } },
    required: ['customer', 'items', 'total'],
    properties: { customer: { type: 'object' }, items: { type: 'array', items: { $ref: '#/$defs/item' } }, note: { type: 'string' }, total: { type: 'number' } },
    if: { properties: { total: { minimum: 1 } } },
  },
  ui: { 'ui:order': ['customer', 'items', 'note', '*'], items: { 'ui:options': { orderable: false } }, customer: {} },
  computed: { total: 'sum(items, qty * price)' },
};

describe('subsetForm', () => {
  it('keeps only the editable fields, their required and ui entries, and the definitions', () => {
    const sub = subsetForm(form, ['items', 'note', 'unknown']);
    expect(Object.keys(sub.schema.properties as object)).toEqual(['items', 'note']);
    expect(sub.schema.required).toEqual(['items']);
    expect(sub.schema.$defs).toEqual(form.schema.$defs);
    expect(sub.schema.if).toBeUndefined();
    expect(sub.ui).toEqual({ 'ui:order': ['items', 'note', '*'], items: { 'ui:options': { orderable: false } } });
    expect(sub.computed).toBeUndefined();
  });
});

describe('changedFields', () => {
  const original = { items: [{ sku: 'A', qty: 1 }], note: 'x', customer: { name: 'c' } };
  it('returns only the editable fields that changed', () => {
    expect(changedFields(original, { items: [{ sku: 'A', qty: 2 }], note: 'x' }, ['items', 'note'])).toEqual({ items: [{ sku: 'A', qty: 2 }] });
    expect(changedFields(original, { note: 'x', customer: { name: 'z' } }, ['items', 'note'])).toBeUndefined();
    expect(changedFields(original, undefined, ['note'])).toBeUndefined();
    expect(changedFields({}, { note: 'new' }, ['note'])).toEqual({ note: 'new' });
  });
});
