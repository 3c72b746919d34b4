import { describe, expect, it } from 'vitest';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import order from '../../../../../schemas/examples/forms/order.json';
import metaSchema from '../../../../../schemas/form.schema.json';
import {
  FIELD_KINDS,
  docToModel,
  fieldToSchema,
  localProblems,
  modelToDoc,
  move,
  newField,
  pointerField,
  type DesignerField,
  type FieldKind,
  type FormDoc,
  type FormModel,
} from './model';
import { localizeSchema } from '../../../lib/rjsf';

const T = (s: string) => ({ 'zh-TW': s, 'zh-CN': s, en: s });
let n = 0;
const ids = () => `id${n++}`;
/** Drops what the designer adds on load (ids, the loaded schema and ui) to compare models. */
const strip = (m: FormModel) => ({ ...m, fields: m.fields.map(({ id: _id, schema: _s, ui: _u, ...rest }) => rest) });

describe('fieldToSchema', () => {
  it.each<[string, DesignerField, Record<string, unknown>, Record<string, unknown>]>([
    [
      'text with constraints',
      { id: '1', key: 'note', kind: 'text', title: T('備註'), minLength: 2, maxLength: 50, pattern: '^[a-z]+$', multiline: true },
      { type: 'string', title: T('備註'), minLength: 2, maxLength: 50, pattern: '^[a-z]+$' },
      { 'ui:designer': 'text', 'ui:widget': 'textarea' },
    ],
    [
      'integer number',
      { id: '1', key: 'n', kind: 'number', title: { en: 'N' }, integer: true, minimum: 1, maximum: 9 },
      { type: 'integer', title: { en: 'N' }, minimum: 1, maximum: 9 },
      { 'ui:designer': 'number' },
    ],
    ['money', { id: '1', key: 'amount', kind: 'money', minimum: 0 }, { type: 'number', minimum: 0, multipleOf: 0.01 }, { 'ui:designer': 'money' }],
    ['date', { id: '1', key: 'd', kind: 'date' }, { type: 'string', format: 'date' }, { 'ui:designer': 'date', 'ui:widget': 'date' }],
    [
      'select with options',
      { id: '1', key: 'c', kind: 'select', options: [{ value: 'x', label: { en: 'X' } }, { value: 'y' }] },
      { type: 'string', enum: ['x', 'y'] },
      { 'ui:designer': 'select', 'ui:enumNames': [{ en: 'X' }, 'y'] },
    ],
    ['attachment', { id: '1', key: 'file', kind: 'attachment' }, { type: 'string' }, { 'ui:designer': 'attachment', 'ui:widget': 'file' }],
    [
      'computed',
      { id: '1', key: 'total', kind: 'computed', expression: 'sum(1)' },
      { type: 'number', readOnly: true },
      { 'ui:designer': 'computed', 'ui:readonly': true },
    ],
  ])('%s', (_, field, schema, ui) => {
    const out = fieldToSchema(field);
    expect(out.schema).toEqual(schema);
    expect(out.ui).toEqual(ui);
  });

  it('line items are an array of sku/qty/price objects', () => {
    const { schema } = fieldToSchema({ id: '1', key: 'items', kind: 'lineItems', minItems: 1 });
    expect(schema.type).toBe('array');
    expect(schema.minItems).toBe(1);
    expect((schema.items as { required: string[] }).required).toEqual(['sku', 'qty', 'price']);
  });

  it('customer lookup is an object with a required name', () => {
    const { schema } = fieldToSchema({ id: '1', key: 'customer', kind: 'customer' });
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(['name']);
  });
});

describe('model ↔ document', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validMeta = ajv.compile(metaSchema);

  const everyKind = (): FormModel => {
    const m: FormModel = { key: 'sample', name: T('樣本'), fields: [] };
    for (const kind of FIELD_KINDS) m.fields.push(newField(m, kind, ids()));
    return m;
  };

  it('a model with every palette kind gives a document the form meta-schema accepts, and its data schema compiles', () => {
    const doc = modelToDoc(everyKind());
    expect(validMeta(doc), JSON.stringify(validMeta.errors)).toBe(true);
    // per-language titles are read as their zh-TW text where JSON Schema wants a string (as the server does)
    expect(() => ajv.compile(localizeSchema(doc.schema, 'zh-TW'))).not.toThrow();
    expect((doc.schema.properties.text as { title: unknown }).title).toEqual({ 'zh-TW': '文字', 'zh-CN': '文字', en: 'Text' });
    expect(doc.ui?.['ui:order']).toEqual(['text', 'number', 'amount', 'date', 'choice', 'customer', 'items', 'attachment', 'total']);
    expect(doc.computed).toEqual({ total: 'sum(map(order.items, #.qty * #.price))' });
    expect(doc.schema.required).toEqual(['customer', 'items']);
  });

  it('document → model → document is the same document', () => {
    const doc = modelToDoc(everyKind());
    expect(modelToDoc(docToModel(doc, ids))).toEqual(doc);
  });

  it.each(FIELD_KINDS.map((k) => [k]))('model → document → model keeps a %s field', (kind) => {
    const m: FormModel = { key: 'k', fields: [] };
    m.fields.push({ ...newField(m, kind as Exclude<FieldKind, 'raw'>, 'x'), required: kind === 'computed' ? undefined : true, help: { en: 'help' } });
    expect(strip(docToModel(modelToDoc(m), ids))).toEqual(strip(m));
  });

  it('the example order form keeps its fields, required list, computed total and extra keywords', () => {
    const model = docToModel(order as unknown as FormDoc, ids);
    expect(model.fields.map((f) => [f.key, f.kind])).toEqual([
      ['customer', 'customer'],
      ['ship_to', 'raw'],
      ['items', 'lineItems'],
      ['currency', 'select'],
      ['promised_date', 'date'],
      ['total', 'computed'],
      ['note', 'text'],
    ]);
    const back = modelToDoc(model);
    expect(validMeta(back), JSON.stringify(validMeta.errors)).toBe(true);
    expect(new Set(back.schema.required)).toEqual(new Set(order.schema.required));
    expect(back.computed).toEqual(order.computed);
    expect(back.schema.properties.currency.default).toBe('TWD');
    expect(back.schema.properties.ship_to).toEqual(order.schema.properties.ship_to);
    expect(back.schema.properties.items.items).toEqual(order.schema.properties.items.items);
    expect(back.ui?.['ui:order']).toEqual(order.ui['ui:order']);
  });
});

describe('helpers', () => {
  it.each([
    [[1, 2, 3, 4], 0, 2, [2, 3, 1, 4]],
    [[1, 2, 3, 4], 3, 0, [4, 1, 2, 3]],
    [[1, 2, 3], 1, 1, [1, 2, 3]],
  ])('move(%j, %i, %i)', (list, from, to, want) => {
    expect(move(list, from, to)).toEqual(want);
  });

  it('new fields get unique keys', () => {
    const m: FormModel = { key: 'k', fields: [] };
    m.fields.push(newField(m, 'text', 'a'));
    m.fields.push(newField(m, 'text', 'b'));
    expect(m.fields.map((f) => f.key)).toEqual(['text', 'text_2']);
  });

  it.each<[string, DesignerField[], Record<string, string[]>]>([
    ['fine', [{ id: 'a', key: 'x', kind: 'text' }], {}],
    ['bad key', [{ id: 'a', key: '1x', kind: 'text' }], { a: ['keyPattern'] }],
    ['duplicate', [{ id: 'a', key: 'x', kind: 'text' }, { id: 'b', key: 'x', kind: 'date' }], { a: ['keyDuplicate'], b: ['keyDuplicate'] }],
    ['select without options', [{ id: 'a', key: 'x', kind: 'select', options: [] }], { a: ['noOptions'] }],
    ['computed without expression', [{ id: 'a', key: 'x', kind: 'computed' }], { a: ['noExpression'] }],
  ])('localProblems: %s', (_, fields, want) => {
    expect(localProblems({ key: 'k', fields })).toEqual(want);
  });

  const doc = modelToDoc({ key: 'k', fields: [{ id: 'a', key: 'amount', kind: 'money', required: true }] });
  it.each([
    ['/schema/properties/amount/minimum', 'amount'],
    ['/schema/properties/amount', 'amount'],
    ['/schema/required/0', 'amount'],
    ['/ui/amount/ui:widget', 'amount'],
    ['/computed/amount', 'amount'],
    ['/computed/other', undefined],
    ['/key', undefined],
    ['', undefined],
  ])('pointerField(%s)', (pointer, want) => {
    expect(pointerField(pointer, doc)).toBe(want);
  });
});

describe('titles per language', () => {
  it('an older document with its titles in ui:title (or plain) loads them, and saves them in the schema', () => {
    const old: FormDoc = {
      kind: 'form',
      key: 'old',
      schema: {
        type: 'object',
        properties: { note: { type: 'string', title: '備註', description: { 'zh-TW': '給倉庫的話', en: 'For the warehouse' } }, memo: { type: 'string', title: '說明' } },
      },
      ui: { note: { 'ui:title': { 'zh-TW': '備註', en: 'Note' }, 'ui:widget': 'textarea' } },
    };
    const m = docToModel(old, ids);
    expect(m.fields.map((f) => f.title)).toEqual([{ 'zh-TW': '備註', en: 'Note' }, { 'zh-TW': '說明' }]);
    expect(m.fields[0].description).toEqual({ 'zh-TW': '給倉庫的話', en: 'For the warehouse' });
    const doc = modelToDoc(m);
    expect(doc.schema.properties.note.description).toEqual({ 'zh-TW': '給倉庫的話', en: 'For the warehouse' });
    // a description cleared in the designer leaves the schema
    const cleared = modelToDoc({ ...m, fields: m.fields.map((f) => ({ ...f, description: undefined })) });
    expect(cleared.schema.properties.note).not.toHaveProperty('description');
    expect(doc.schema.properties.note.title).toEqual({ 'zh-TW': '備註', en: 'Note' });
    expect(doc.ui?.note).not.toHaveProperty('ui:title');
    expect(doc.ui?.note).toHaveProperty('ui:widget', 'textarea');
    expect(doc.schema.properties.memo.title).toEqual({ 'zh-TW': '說明' });
  });

  it('the demo order form has every field title in the three languages', () => {
    const walk = (s: Record<string, unknown>, at: string): string[] => {
      const props = (s.properties ?? (s.items as Record<string, unknown> | undefined)?.properties ?? {}) as Record<string, Record<string, unknown>>;
      return Object.entries(props).flatMap(([k, p]) => {
        const title = p.title as Record<string, string> | undefined;
        const missing = ['zh-TW', 'zh-CN', 'en'].filter((l) => !title?.[l]).map((l) => `${at}/${k} ${l}`);
        return [...missing, ...walk(p, `${at}/${k}`)];
      });
    };
    expect(walk((order as unknown as FormDoc).schema, '')).toEqual([]);
  });
});
