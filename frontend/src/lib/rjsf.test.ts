import { describe, expect, it } from 'vitest';
import type { RJSFSchema } from '@rjsf/utils';
import i18n from '../i18n';
import { computedFields, localizeSchema, localizeUiSchema, omitComputed, validator, withComputedReadonly } from './rjsf';
import order from '../../../schemas/examples/forms/order.json';
import complaint from '../../../schemas/examples/forms/aftersales-complaint.json';
import ret from '../../../schemas/examples/forms/aftersales-return.json';

/** Every title, description and ui text of a localized schema and ui schema. */
function texts(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => texts(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (['title', 'description', 'ui:title', 'ui:help', 'ui:placeholder', 'ui:description'].includes(k) && typeof v === 'string') out.push(v);
      else if (k === 'ui:enumNames' && Array.isArray(v)) out.push(...(v as string[]));
      else if (k !== 'enum' && k !== 'default') texts(v, out);
    }
  }
  return out;
}

describe('localizeSchema', () => {
  it('replaces localized titles and descriptions, leaving the rest alone', () => {
    const schema = {
      type: 'object',
      title: { 'zh-TW': '訂單', en: 'Order' },
      properties: {
        qty: { type: 'integer', title: { 'zh-TW': '數量', 'zh-CN': '数量', en: 'Quantity' }, minimum: 1 },
        note: { type: 'string', title: '備註' },
      },
    };
    expect(localizeSchema(schema, 'en')).toEqual({
      type: 'object',
      title: 'Order',
      properties: {
        qty: { type: 'integer', title: 'Quantity', minimum: 1 },
        note: { type: 'string', title: '備註' },
      },
    });
    expect(localizeSchema(schema, 'zh-CN').title).toBe('訂單');
  });

  it('localizes ui schema texts and enum names', () => {
    const ui = {
      tier: { 'ui:enumNames': [{ 'zh-TW': '一般', en: 'Standard' }, 'VIP'], 'ui:help': { en: 'pick one' } },
    };
    expect(localizeUiSchema(ui, 'en')).toEqual({ tier: { 'ui:enumNames': ['Standard', 'VIP'], 'ui:help': 'pick one' } });
  });

  it.each([
    ['order', order],
    ['complaint', complaint],
    ['return', ret],
  ])('the demo %s form reads in English and in Simplified Chinese', (_, form) => {
    const en = [...texts(localizeSchema(form.schema, 'en')), ...texts(localizeUiSchema(form.ui, 'en'))];
    expect(en.length).toBeGreaterThan(5);
    expect(en.filter((s) => /[\u3400-\u9fff]/.test(s))).toEqual([]);
    // characters that are only Traditional (their Simplified forms differ)
    const cn = [...texts(localizeSchema(form.schema, 'zh-CN')), ...texts(localizeUiSchema(form.ui, 'zh-CN'))];
    expect(cn.filter((s) => /[戶號單數幣備計貨資訊說驗處結與運當類顯錯誤細項額聯絡嚴據]/.test(s))).toEqual([]);
  });
});

describe('computed fields', () => {
  it('accepts a list or a name → expression object', () => {
    expect(computedFields(['total'])).toEqual(['total']);
    expect(computedFields({ total: 'sum(map(order.items, #.qty * #.price))' })).toEqual(['total']);
    expect(computedFields(undefined)).toEqual([]);
  });

  it('marks them read-only and leaves them out of the submitted data', () => {
    expect(withComputedReadonly({ total: { 'ui:help': 'x' } }, ['total'])).toEqual({
      total: { 'ui:help': 'x', 'ui:readonly': true },
    });
    expect(omitComputed({ a: 1, total: 9 }, ['total'])).toEqual({ a: 1 });
  });
});

describe('validator (JSON Schema 2020-12)', () => {
  it('understands 2020-12 keywords such as prefixItems', () => {
    const schema = { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false } as const;
    expect(validator.isValid(schema as never, ['a', 1], schema as never)).toBe(true);
    expect(validator.isValid(schema as never, ['a', 'b'], schema as never)).toBe(false);
  });

  it('reports errors on the fields', () => {
    const schema: RJSFSchema = {
      type: 'object',
      required: ['qty'],
      properties: { qty: { type: 'integer', minimum: 1 }, contact: { type: 'string', format: 'email' } },
    };
    const { errors } = validator.validateFormData({ qty: 0, contact: 'nope' }, schema);
    expect(errors.map((e) => e.property).sort()).toEqual(['.contact', '.qty']);
  });

  it('writes its messages in the UI language', async () => {
    const schema: RJSFSchema = { type: 'object', properties: { qty: { type: 'integer', minimum: 1 } } };
    await i18n.changeLanguage('en');
    const en = validator.validateFormData({ qty: 0 }, schema).errors[0].message;
    await i18n.changeLanguage('zh-TW');
    const zh = validator.validateFormData({ qty: 0 }, schema).errors[0].message;
    expect(en).toMatch(/must be >= 1/);
    expect(zh).not.toBe(en);
    expect(zh).toMatch(/[\u4e00-\u9fff]/);
  });
});
