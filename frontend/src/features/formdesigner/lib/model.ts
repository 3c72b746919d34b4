// The form designer's model (a list of typed fields) and its conversion to and from the form definition
// document (schemas/form.schema.json): JSON Schema of the order data + rjsf ui hints + computed fields.
// A field's title and description are written in the schema per language ({"zh-TW": …, "zh-CN": …, "en": …}, as node names are);
// the server reads each as the zh-TW text where JSON Schema wants a string, and the screens show the current
// language. Documents that still carry a plain title, or the per-language one in the ui schema's `ui:title`
// (what the designer wrote before), load the same. Enum labels are per language in `ui:enumNames`.
// Each designed field carries its palette kind in its ui entry (`ui:designer`); documents written by hand are
// recognised by shape, and whatever the designer does not understand is kept as a `raw` field unchanged.

import { pointerParts } from '../../../lib/api';

export type Lang = 'zh-TW' | 'zh-CN' | 'en';
export type Text = Partial<Record<Lang, string>>;

export const FIELD_KINDS = ['text', 'number', 'money', 'date', 'select', 'customer', 'lineItems', 'attachment', 'computed'] as const;
export type FieldKind = (typeof FIELD_KINDS)[number] | 'raw';

export interface SelectOption {
  value: string;
  label?: Text;
}

export interface DesignerField {
  /** Stable id on the canvas (not saved). */
  id: string;
  key: string;
  kind: FieldKind;
  title?: Text;
  /** The schema's description (per language): shown beside the title. */
  description?: Text;
  help?: Text;
  required?: boolean;
  // text
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  multiline?: boolean;
  // number, money
  minimum?: number;
  maximum?: number;
  integer?: boolean;
  // select
  options?: SelectOption[];
  // lineItems
  minItems?: number;
  maxItems?: number;
  // computed
  expression?: string;
  // raw: schema and ui entry as they were
  schema?: Record<string, unknown>;
  ui?: Record<string, unknown>;
}

export interface FormModel {
  key: string;
  name?: Text;
  description?: Text;
  fields: DesignerField[];
}

type Json = Record<string, unknown>;

export interface FormDoc {
  $schema?: string;
  kind: 'form';
  key: string;
  name?: Text;
  description?: Text;
  schema: { type: 'object'; properties: Record<string, Json>; required?: string[]; additionalProperties?: boolean; [k: string]: unknown };
  ui?: Json;
  computed?: Record<string, string>;
  [extra: string]: unknown;
}

export const DEFAULT_TOTAL_EXPRESSION = 'sum(map(order.items, #.qty * #.price))';

const DEFAULT_TITLES: Record<Exclude<FieldKind, 'raw'>, Text> = {
  text: { 'zh-TW': '文字', 'zh-CN': '文字', en: 'Text' },
  number: { 'zh-TW': '數字', 'zh-CN': '数字', en: 'Number' },
  money: { 'zh-TW': '金額', 'zh-CN': '金额', en: 'Amount' },
  date: { 'zh-TW': '日期', 'zh-CN': '日期', en: 'Date' },
  select: { 'zh-TW': '選項', 'zh-CN': '选项', en: 'Choice' },
  customer: { 'zh-TW': '客戶', 'zh-CN': '客户', en: 'Customer' },
  lineItems: { 'zh-TW': '訂購品項', 'zh-CN': '订购品项', en: 'Line items' },
  attachment: { 'zh-TW': '附件', 'zh-CN': '附件', en: 'Attachment' },
  computed: { 'zh-TW': '合計', 'zh-CN': '合计', en: 'Total' },
};

const DEFAULT_KEYS: Record<Exclude<FieldKind, 'raw'>, string> = {
  text: 'text',
  number: 'number',
  money: 'amount',
  date: 'date',
  select: 'choice',
  customer: 'customer',
  lineItems: 'items',
  attachment: 'attachment',
  computed: 'total',
};

export const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

let seq = 0;
export const newFieldId = () => `f${Date.now().toString(36)}${(seq++).toString(36)}`;

/** A fresh key for `base` among the model's keys: base, base_2, base_3 … */
export function uniqueKey(model: FormModel, base: string): string {
  const taken = new Set(model.fields.map((f) => f.key));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** A new field of `kind` with sensible defaults, its key unique in `model`. */
export function newField(model: FormModel, kind: Exclude<FieldKind, 'raw'>, id = newFieldId()): DesignerField {
  const f: DesignerField = { id, kind, key: uniqueKey(model, DEFAULT_KEYS[kind]), title: { ...DEFAULT_TITLES[kind] } };
  switch (kind) {
    case 'text':
      return { ...f, maxLength: 200 };
    case 'money':
      return { ...f, minimum: 0 };
    case 'select':
      return {
        ...f,
        options: [
          { value: 'a', label: { 'zh-TW': '選項 A', 'zh-CN': '选项 A', en: 'Option A' } },
          { value: 'b', label: { 'zh-TW': '選項 B', 'zh-CN': '选项 B', en: 'Option B' } },
        ],
      };
    case 'customer':
      return { ...f, required: true };
    case 'lineItems':
      return { ...f, required: true, minItems: 1, maxItems: 200 };
    case 'computed': {
      const items = model.fields.find((x) => x.kind === 'lineItems');
      return { ...f, expression: items ? `sum(map(order.${items.key}, #.qty * #.price))` : DEFAULT_TOTAL_EXPRESSION };
    }
    default:
      return f;
  }
}

const nonEmpty = (t?: Text): t is Text => !!t && Object.values(t).some((v) => !!v);
const clean = (t?: Text): Text | undefined => {
  if (!t) return undefined;
  const out: Text = {};
  for (const [k, v] of Object.entries(t)) if (v) out[k as Lang] = v;
  return Object.keys(out).length ? out : undefined;
};
const defined = <T extends Json>(o: T): T => {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
};

const CUSTOMER_SCHEMA = (title?: Text): Json =>
  defined({
    type: 'object',
    title,
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', title: { 'zh-TW': '客戶名稱', 'zh-CN': '客户名称', en: 'Customer name' }, minLength: 1, maxLength: 100 },
      tier: { type: 'string', title: { 'zh-TW': '客戶等級', 'zh-CN': '客户等级', en: 'Tier' }, enum: ['standard', 'vip', 'new'] },
      contact: { type: 'string', title: { 'zh-TW': '聯絡 Email', 'zh-CN': '联络 Email', en: 'Contact email' }, format: 'email', maxLength: 254 },
    },
  });
const CUSTOMER_UI: Json = {
  'ui:order': ['name', 'tier', 'contact'],
  tier: {
    'ui:enumNames': [
      { 'zh-TW': '一般', 'zh-CN': '一般', en: 'Standard' },
      { 'zh-TW': '重要客戶 (VIP)', 'zh-CN': '重要客户 (VIP)', en: 'VIP' },
      { 'zh-TW': '新客戶', 'zh-CN': '新客户', en: 'New' },
    ],
  },
  contact: { 'ui:placeholder': 'name@example.com' },
};
const LINE_ITEM_SCHEMA: Json = {
  type: 'object',
  required: ['sku', 'qty', 'price'],
  additionalProperties: false,
  properties: {
    sku: { type: 'string', title: { 'zh-TW': '料號', 'zh-CN': '料号', en: 'SKU' }, pattern: '^[A-Z0-9][A-Z0-9-]{1,31}$' },
    name: { type: 'string', title: { 'zh-TW': '品名', 'zh-CN': '品名', en: 'Name' }, maxLength: 100 },
    qty: { type: 'integer', title: { 'zh-TW': '數量', 'zh-CN': '数量', en: 'Qty' }, minimum: 1, maximum: 100000 },
    price: { type: 'number', title: { 'zh-TW': '單價', 'zh-CN': '单价', en: 'Unit price' }, minimum: 0 },
  },
};
const LINE_ITEM_UI: Json = {
  'ui:order': ['sku', 'name', 'qty', 'price'],
  sku: { 'ui:placeholder': 'SKU' },
  qty: { 'ui:widget': 'updown' },
  price: { 'ui:widget': 'updown' },
};

/** One field's JSON Schema and ui entry: the keywords the designer manages over what the field was loaded with. */
export function fieldToSchema(f: DesignerField): { schema: Json; ui: Json } {
  if (f.kind === 'raw') return { schema: f.schema ?? {}, ui: f.ui ?? {} };
  const title = clean(f.title);
  // the title lives in the schema; a `ui:title` loaded from an older document would hide it
  const managedUi: Json = { 'ui:designer': f.kind, 'ui:title': undefined, 'ui:help': clean(f.help) };
  const merge = (schema: Json, ui: Json = {}, baseUi: Json = {}) => ({
    schema: defined({ ...(f.schema ?? {}), description: clean(f.description), ...schema }),
    ui: defined({ ...baseUi, ...(f.ui ?? {}), ...managedUi, ...ui }),
  });
  switch (f.kind) {
    case 'text':
      return merge(
        { type: 'string', title, minLength: f.minLength, maxLength: f.maxLength, pattern: f.pattern || undefined },
        { 'ui:widget': f.multiline ? 'textarea' : undefined },
      );
    case 'number':
      return merge({ type: f.integer ? 'integer' : 'number', title, minimum: f.minimum, maximum: f.maximum });
    case 'money':
      return merge({ type: 'number', title, minimum: f.minimum, maximum: f.maximum, multipleOf: 0.01 });
    case 'date':
      return merge({ type: 'string', title, format: 'date' }, { 'ui:widget': 'date' });
    case 'select': {
      const opts = f.options ?? [];
      const names = opts.map((o) => clean(o.label) ?? o.value);
      return merge({ type: 'string', title, enum: opts.map((o) => o.value) }, { 'ui:enumNames': names });
    }
    case 'customer':
      return merge(f.schema ? { title } : CUSTOMER_SCHEMA(title), {}, CUSTOMER_UI);
    case 'lineItems':
      return merge(
        { type: 'array', title, minItems: f.minItems, maxItems: f.maxItems, ...(f.schema ? {} : { items: LINE_ITEM_SCHEMA }) },
        {},
        { items: LINE_ITEM_UI },
      );
    case 'attachment':
      return merge({ type: 'string', title }, { 'ui:widget': 'file' });
    case 'computed':
      return merge({ type: 'number', title, readOnly: true }, { 'ui:readonly': true });
  }
}

/** The form definition document of the model. */
export function modelToDoc(m: FormModel): FormDoc {
  const properties: Record<string, Json> = {};
  const ui: Json = { 'ui:order': m.fields.map((f) => f.key) };
  const required: string[] = [];
  const computed: Record<string, string> = {};
  for (const f of m.fields) {
    const { schema, ui: fu } = fieldToSchema(f);
    properties[f.key] = schema;
    if (Object.keys(fu).length) ui[f.key] = fu;
    if (f.required && f.kind !== 'computed') required.push(f.key);
    if (f.kind === 'computed' && f.expression) computed[f.key] = f.expression;
    if (f.kind === 'raw' && f.expression) computed[f.key] = f.expression;
  }
  return defined({
    $schema: 'https://sluice.dev/schemas/form.schema.json',
    kind: 'form' as const,
    key: m.key,
    name: nonEmpty(m.name) ? clean(m.name) : undefined,
    description: nonEmpty(m.description) ? clean(m.description) : undefined,
    schema: defined({ type: 'object' as const, ...(required.length ? { required } : {}), additionalProperties: false, properties }),
    ui,
    computed: Object.keys(computed).length ? computed : undefined,
  });
}

const asText = (v: unknown): Text | undefined => {
  if (typeof v === 'string') return v ? { 'zh-TW': v } : undefined;
  if (v && typeof v === 'object' && !Array.isArray(v)) return clean(v as Text);
  return undefined;
};
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** Which palette kind a schema property is (by the ui marker, else by its shape). */
export function detectKind(key: string, s: Json, ui: Json, computed: Record<string, string>): FieldKind {
  const marked = ui['ui:designer'];
  if (typeof marked === 'string' && (FIELD_KINDS as readonly string[]).includes(marked)) return marked as FieldKind;
  if (key in computed) return s.type === 'number' || s.type === 'integer' ? 'computed' : 'raw';
  const props = obj(s.properties);
  if (s.type === 'object' && 'name' in props && Object.keys(props).every((k) => ['name', 'tier', 'contact'].includes(k))) return 'customer';
  if (s.type === 'array') {
    const ip = obj(obj(s.items).properties);
    if (['sku', 'qty', 'price'].every((k) => k in ip)) return 'lineItems';
    return 'raw';
  }
  if (s.type === 'string' && Array.isArray(s.enum)) return 'select';
  if (s.type === 'string' && s.format === 'date') return 'date';
  if (s.type === 'string' && !s.format && ui['ui:widget'] === 'file') return 'attachment';
  if (s.type === 'string' && !s.format && !s.enum) return 'text';
  if ((s.type === 'number' || s.type === 'integer') && !s.readOnly) return s.multipleOf === 0.01 ? 'money' : 'number';
  return 'raw';
}

/** The model of a form definition document; fields in `ui:order` order (the rest after, in schema order). */
export function docToModel(doc: FormDoc, makeId: () => string = newFieldId): FormModel {
  const props = obj(doc.schema?.properties) as Record<string, Json>;
  const ui = obj(doc.ui);
  const computed = obj(doc.computed) as Record<string, string>;
  const required = new Set(Array.isArray(doc.schema?.required) ? (doc.schema.required as string[]) : []);
  const order = Array.isArray(ui['ui:order']) ? (ui['ui:order'] as string[]).filter((k) => k in props) : [];
  const keys = [...order, ...Object.keys(props).filter((k) => !order.includes(k))];
  const fields = keys.map((key): DesignerField => {
    const s = props[key];
    const u = obj(ui[key]);
    const kind = detectKind(key, s, u, computed);
    const base: DesignerField = { id: makeId(), key, kind, required: required.has(key) || undefined };
    if (kind === 'raw') return defined({ ...base, schema: s, ui: ui[key] === undefined ? undefined : u, expression: computed[key] });
    const title = asText(u['ui:title']) ?? asText(s.title);
    const f: DesignerField = defined({ ...base, title, description: asText(s.description), help: asText(u['ui:help']), schema: s, ui: ui[key] === undefined ? undefined : u });
    switch (kind) {
      case 'text':
        return defined({ ...f, minLength: num(s.minLength), maxLength: num(s.maxLength), pattern: str(s.pattern), multiline: u['ui:widget'] === 'textarea' || undefined });
      case 'number':
        return defined({ ...f, minimum: num(s.minimum), maximum: num(s.maximum), integer: s.type === 'integer' || undefined });
      case 'money':
        return defined({ ...f, minimum: num(s.minimum), maximum: num(s.maximum) });
      case 'select': {
        const names = Array.isArray(u['ui:enumNames']) ? (u['ui:enumNames'] as unknown[]) : [];
        return { ...f, options: (s.enum as unknown[]).map((v, i) => defined({ value: String(v), label: asText(names[i]) })) };
      }
      case 'lineItems':
        return defined({ ...f, minItems: num(s.minItems), maxItems: num(s.maxItems) });
      case 'computed':
        return defined({ ...f, required: undefined, expression: computed[key] });
      default:
        return f;
    }
  });
  return defined({ key: doc.key, name: asText(doc.name), description: asText(doc.description), fields });
}

/** Moves the item at `from` to `to` (like dnd-kit's arrayMove, without the dependency in pure code). */
export function move<T>(list: T[], from: number, to: number): T[] {
  const out = list.slice();
  const [it] = out.splice(from, 1);
  out.splice(to < 0 ? out.length + to + 1 : to, 0, it);
  return out;
}

/** Problems the designer can see before the server does: bad or duplicate keys, selects without options. */
export function localProblems(m: FormModel): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (id: string, code: string) => (out[id] ??= []).push(code);
  const seen = new Map<string, number>();
  for (const f of m.fields) seen.set(f.key, (seen.get(f.key) ?? 0) + 1);
  for (const f of m.fields) {
    if (!KEY_PATTERN.test(f.key)) add(f.id, 'keyPattern');
    if ((seen.get(f.key) ?? 0) > 1) add(f.id, 'keyDuplicate');
    if (f.kind === 'select' && !(f.options ?? []).length) add(f.id, 'noOptions');
    if (f.kind === 'select' && new Set((f.options ?? []).map((o) => o.value)).size !== (f.options ?? []).length) add(f.id, 'optionDuplicate');
    if (f.kind === 'computed' && !f.expression) add(f.id, 'noExpression');
  }
  return out;
}


/**
 * Which field a server error pointer is about: /schema/properties/<key>/…, /schema/required/<n>,
 * /ui/<key>/…, /computed/<key>. Returns the field's key, or undefined (an error about the whole form).
 */
export function pointerField(pointer: string, doc: FormDoc): string | undefined {
  const [a, b, c, d] = pointerParts(pointer);
  const props = doc.schema?.properties ?? {};
  if (a === 'schema' && b === 'properties' && c !== undefined && c in props) return c;
  if (a === 'schema' && b === 'required' && c !== undefined && /^\d+$/.test(c)) return doc.schema.required?.[Number(c)];
  if ((a === 'ui' || a === 'computed') && b !== undefined && b in props) return b;
  void d;
  return undefined;
}
