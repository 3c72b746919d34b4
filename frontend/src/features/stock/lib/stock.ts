import type { FieldError } from '../../../lib/api';

/** Live event types that change what the stock page shows. */
export function isStockEvent(type: string): boolean {
  return type.startsWith('stock.') || type === 'order.shipped';
}

/** The antd form fields the server's pointers name (/delta → delta); errors for other pointers go to `rest`. */
export function fieldErrors<F extends string>(
  errors: FieldError[],
  fields: readonly F[],
): { fields: { name: F; errors: string[] }[]; rest: string[] } {
  const by = new Map<F, string[]>();
  const rest: string[] = [];
  for (const e of errors) {
    const name = e.pointer.replace(/^#?\//, '').split('/')[0] as F;
    if (fields.includes(name)) by.set(name, [...(by.get(name) ?? []), e.message]);
    else rest.push(e.message);
  }
  return { fields: [...by].map(([name, errs]) => ({ name, errors: errs })), rest };
}

/** A signed quantity for the ledger (+5, −3, 0). */
export function signed(n: number): string {
  if (n > 0) return `+${n}`;
  if (n < 0) return `−${-n}`;
  return '0';
}

/** What an adjustment leaves on hand, and whether the server would refuse it (below reserved or zero). */
export function preview(onHand: number, reserved: number, delta: number): { onHand: number; refused: boolean } {
  const after = onHand + delta;
  return { onHand: after, refused: after < reserved || after < 0 };
}
