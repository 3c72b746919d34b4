// Pure logic of the order form's line-item table: which arrays are tables, the rows'
// amounts and the live total, row edits, product fill-in and where Enter / Tab go next.
// The server computes the order's total on submit; these figures only follow the typing.
import type { JsonSchema } from '../../../lib/types';

export type Row = Record<string, unknown>;

const SCALARS = new Set(['string', 'number', 'integer', 'boolean']);

/** The columns of an array of flat objects (every property a scalar), in ui:order; null when it is no table. */
export function tableColumns(schema: JsonSchema | undefined, uiOrder?: unknown): string[] | null {
  const items = schema && (schema as { type?: unknown }).type === 'array' ? (schema as { items?: JsonSchema }).items : undefined;
  const props = items && (items as { type?: unknown }).type === 'object' ? (items as { properties?: Record<string, JsonSchema> }).properties : undefined;
  if (!props || !Object.keys(props).length) return null;
  for (const p of Object.values(props)) {
    if (!SCALARS.has(String((p as { type?: unknown }).type))) return null;
  }
  const keys = Object.keys(props);
  const order = Array.isArray(uiOrder) ? uiOrder.filter((k): k is string => typeof k === 'string' && keys.includes(k)) : [];
  return [...order, ...keys.filter((k) => !order.includes(k))];
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A row's amount (qty × price), undefined until both are numbers. */
export function lineAmount(row: Row | undefined, qty = 'qty', price = 'price'): number | undefined {
  const q = num(row?.[qty]);
  const p = num(row?.[price]);
  return q === undefined || p === undefined ? undefined : round2(q * p);
}

const round2 = (n: number) => Math.round(n * 100) / 100;

// sum(map(order.items, #.qty * #.price)): the computed-field shape a live total can follow
const SUM_OF_PRODUCTS = /^\s*sum\(\s*map\(\s*order\.([A-Za-z_][\w]*)\s*,\s*#\.([A-Za-z_]\w*)\s*\*\s*#\.([A-Za-z_]\w*)\s*\)\s*\)\s*$/;

export interface LiveTotal {
  field: string;
  array: string;
  qty: string;
  price: string;
}

/** The computed fields a live total can follow (sum of qty × price over an array); others wait for the server. */
export function liveTotals(computed: unknown): LiveTotal[] {
  if (!computed || typeof computed !== 'object' || Array.isArray(computed)) return [];
  const out: LiveTotal[] = [];
  for (const [field, expr] of Object.entries(computed as Record<string, unknown>)) {
    const m = typeof expr === 'string' ? SUM_OF_PRODUCTS.exec(expr) : null;
    if (m) out.push({ field, array: m[1], qty: m[2], price: m[3] });
  }
  return out;
}

/** The form data with each live total recomputed from its rows (rows without both numbers count 0). */
export function withLiveTotals(data: Row, totals: LiveTotal[]): Row {
  if (!totals.length) return data;
  let out = data;
  for (const tot of totals) {
    const rows = Array.isArray(data[tot.array]) ? (data[tot.array] as Row[]) : [];
    const sum = round2(rows.reduce((acc, r) => acc + (lineAmount(r, tot.qty, tot.price) ?? 0), 0));
    if (out[tot.field] !== sum) out = { ...out, [tot.field]: sum };
  }
  return out;
}

export const addRow = (rows: Row[]): Row[] => [...rows, {}];
export const removeRow = (rows: Row[], i: number): Row[] => rows.filter((_, j) => j !== i);
/** A copy of row i right below it. */
export const copyRow = (rows: Row[], i: number): Row[] => [...rows.slice(0, i + 1), { ...rows[i] }, ...rows.slice(i + 1)];
export const setCell = (rows: Row[], i: number, key: string, value: unknown): Row[] =>
  rows.map((r, j) => {
    if (j !== i) return r;
    const next = { ...r };
    if (value === undefined || value === null || value === '') delete next[key];
    else next[key] = value;
    return next;
  });

/** A catalogue product filled into a row: SKU, name and (list) price, where the row has those columns. */
export function applyProduct(rows: Row[], i: number, p: { sku: string; name: string; price: number }, columns: string[]): Row[] {
  return rows.map((r, j) => {
    if (j !== i) return r;
    const next: Row = { ...r, sku: p.sku };
    if (columns.includes('name')) next.name = p.name;
    if (columns.includes('price')) next.price = p.price;
    if (columns.includes('qty') && num(next.qty) === undefined) next.qty = 1;
    return next;
  });
}

/** Where Enter / Tab goes from cell (row, col): the next cell, or a new row after the last cell of the last row. */
export function nextCell(row: number, col: number, rows: number, cols: number, back = false): { row: number; col: number; add?: boolean } | null {
  if (back) {
    if (col > 0) return { row, col: col - 1 };
    return row > 0 ? { row: row - 1, col: cols - 1 } : null;
  }
  if (col < cols - 1) return { row, col: col + 1 };
  if (row < rows - 1) return { row: row + 1, col: 0 };
  return { row: rows, col: 0, add: true };
}
