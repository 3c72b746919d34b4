import { pointerParts, type FieldError } from '../../lib/api';


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

/** Puts the server's errors on the form's fields, and takes earlier ones off fields they no longer apply to. */
export function applyServerErrors(
  form: { setFields: (fields: never) => void },
  errors: FieldError[],
  toName: (parts: string[]) => (string | number)[] | undefined,
  previous: { current: string[] },
) {
  const now = errorsByName(errors, toName);
  const keys = new Set(now.map((f) => JSON.stringify(f.name)));
  const cleared = previous.current.filter((k) => !keys.has(k)).map((k) => ({ name: JSON.parse(k) as (string | number)[], errors: [] as string[] }));
  form.setFields([...cleared, ...now] as never);
  previous.current = [...keys];
}
