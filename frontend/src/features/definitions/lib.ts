import type { FieldError } from '../../lib/api';

/** The segments of a JSON pointer (~1 and ~0 decoded). */
export function pointerParts(pointer: string): string[] {
  const p = pointer.startsWith('#') ? pointer.slice(1) : pointer;
  if (p === '' || p === '/') return [];
  return p
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Groups server errors by the form field name `toName` gives their pointer (undefined: not a field). */
export function errorsByName(errors: FieldError[], toName: (parts: string[]) => (string | number)[] | undefined) {
  const out = new Map<string, { name: (string | number)[]; errors: string[] }>();
  for (const e of errors) {
    const name = toName(pointerParts(e.pointer));
    if (!name) continue;
    const k = JSON.stringify(name);
    if (!out.has(k)) out.set(k, { name, errors: [] });
    out.get(k)!.errors.push(e.message);
  }
  return [...out.values()];
}
