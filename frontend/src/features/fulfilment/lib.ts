import type { LineView, ShipmentLine } from './api';
import type { Task } from '../../lib/types';

export type LineErrors = Record<number, string>;

/**
 * Checks the quantities typed for a shipment: whole numbers, 0 ≤ qty ≤ remaining, at least one line.
 * Returns per-line error codes (i18n keys under ops.ship.err) and `empty` when nothing ships.
 */
export function validateShipment(lines: LineView[], qty: (number | null | undefined)[]): { lines: LineErrors; empty: boolean } {
  const errors: LineErrors = {};
  let total = 0;
  lines.forEach((l, i) => {
    const q = qty[i];
    if (q === null || q === undefined) return;
    if (!Number.isInteger(q) || q < 0) errors[i] = 'whole';
    else if (q > l.remaining) errors[i] = 'tooMany';
    else total += q;
  });
  return { lines: errors, empty: total === 0 };
}

/** The request lines: every line with a positive quantity. */
export function shipmentLines(lines: LineView[], qty: (number | null | undefined)[]): ShipmentLine[] {
  return lines.flatMap((l, i) => {
    const q = qty[i];
    return q && q > 0 ? [{ sku: l.sku, qty: q }] : [];
  });
}

/** Maps 422 pointers `/lines/<i>/qty` (indexes into the sent lines) back onto the order's line indexes. */
export function serverLineErrors(
  errors: { pointer: string; message: string }[],
  sent: ShipmentLine[],
  lines: LineView[],
): { lines: Record<number, string>; fields: Record<string, string>; other: string[] } {
  const out: Record<number, string> = {};
  const fields: Record<string, string> = {};
  const other: string[] = [];
  for (const e of errors) {
    const m = /^#?\/lines\/(\d+)(?:\/(qty|sku))?$/.exec(e.pointer);
    if (m) {
      const s = sent[Number(m[1])];
      const idx = s ? lines.findIndex((l) => l.sku === s.sku) : -1;
      if (idx >= 0) out[idx] = e.message;
      else other.push(e.message);
      continue;
    }
    const f = /^#?\/(carrier|tracking|warehouse)$/.exec(e.pointer);
    if (f) fields[f[1]] = e.message;
    else other.push(e.message);
  }
  return { lines: out, fields, other };
}

/**
 * The open shipping task the user may act on: an actionable open task at a current node that is a
 * shipping step (the API does not flag it, so: the node's id or English name says "ship").
 */
export function shippingTask(tasks: Task[] | undefined, currentNodes: string[] | undefined, shipped: boolean): Task | undefined {
  const current = new Set(currentNodes ?? []);
  return (tasks ?? []).find((t) => {
    if (!t.can_act || t.status !== 'open' || !current.has(t.node)) return false;
    const en = typeof t.node_name === 'object' && t.node_name ? String((t.node_name as Record<string, string>).en ?? '') : '';
    return /ship/i.test(t.node) || /ship/i.test(en) || shipped;
  });
}

/** Fills a carrier's URL template with a tracking number. */
export function trackingLink(template: string, tracking: string): string {
  return template.replace('{tracking}', encodeURIComponent(tracking));
}
