/** Logic of the exception inbox, kept free of React so it is unit-tested. */

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The top-level fields of `edited` that differ from `original` (a field removed in the edit is sent as
 * null). Retry sends only these as `data`, so an unchanged order is retried as it is.
 */
export function changedFields(original: Record<string, unknown>, edited: Record<string, unknown>, skip: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ignore = new Set(skip);
  for (const [k, v] of Object.entries(edited)) {
    if (ignore.has(k)) continue;
    if (!same(original[k], v)) out[k] = v === undefined ? null : v;
  }
  for (const k of Object.keys(original)) {
    if (ignore.has(k) || k in edited) continue;
    out[k] = null;
  }
  return out;
}

/** Time left until `deadline` (negative when overdue), split for display. */
export function countdown(deadline: string | undefined, now: number = Date.now()): { overdue: boolean; ms: number; text: string } | null {
  if (!deadline) return null;
  const at = Date.parse(deadline);
  if (Number.isNaN(at)) return null;
  const ms = at - now;
  const abs = Math.abs(ms);
  const d = Math.floor(abs / 86_400_000);
  const h = Math.floor((abs % 86_400_000) / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const text = d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m`;
  return { overdue: ms < 0, ms, text };
}

/** Antd tag colour per exception reason. */
export function reasonColor(reason: string): string {
  switch (reason) {
    case 'stock':
      return 'orange';
    case 'credit':
      return 'volcano';
    case 'data':
    case 'price':
      return 'gold';
    case 'address':
    case 'customer':
      return 'purple';
    case 'no_approver':
      return 'geekblue';
    default:
      return 'red';
  }
}

/** Where a problem's field errors go: `/data/...` pointers to the form, `/note` and `/user` to those inputs, the rest to the top. */
export function splitResolveErrors(errors: { pointer: string; message: string }[]) {
  const data: { pointer: string; message: string }[] = [];
  const fields: Record<string, string> = {};
  const other: string[] = [];
  for (const e of errors) {
    const p = e.pointer.startsWith('#') ? e.pointer.slice(1) : e.pointer;
    if (p === '/data' || p.startsWith('/data/')) data.push(e);
    else if (p === '/note' || p === '/user' || p === '/action') fields[p.slice(1)] = e.message;
    else other.push(e.message);
  }
  return { data, fields, other };
}
