import type { FormDef, UiSchema } from '../../../lib/types';

/**
 * The order form cut down to the top-level fields a reviewer may edit: the same definitions ($defs …),
 * only those properties, required and ui entries. Computed fields stay out (the server recomputes them).
 */
export function subsetForm(form: FormDef, names: string[]): FormDef {
  const schema = form.schema as Record<string, unknown>;
  const props = (schema.properties ?? {}) as Record<string, unknown>;
  const keep = names.filter((n) => n in props);
  const required = Array.isArray(schema.required) ? (schema.required as string[]).filter((r) => keep.includes(r)) : undefined;
  const ui: UiSchema = {};
  for (const [k, v] of Object.entries(form.ui ?? {})) {
    if (k === 'ui:order' && Array.isArray(v)) ui[k] = v.filter((x) => keep.includes(x) || x === '*');
    else if (k.startsWith('ui:') || keep.includes(k)) ui[k] = v;
  }
  const out: Record<string, unknown> = { ...schema, properties: Object.fromEntries(keep.map((k) => [k, props[k]])) };
  if (required) out.required = required;
  else delete out.required;
  // rules over other fields (dependentRequired, if/then …) do not apply to a part of the form
  for (const k of ['dependentRequired', 'dependentSchemas', 'if', 'then', 'else', 'allOf', 'anyOf', 'oneOf']) delete out[k];
  return { ...form, schema: out, ui, computed: undefined };
}

/** The edited fields whose values differ from the order's (by JSON), or undefined when none did. */
export function changedFields(
  original: Record<string, unknown>,
  edited: Record<string, unknown> | undefined,
  names: string[],
): Record<string, unknown> | undefined {
  if (!edited) return undefined;
  const out: Record<string, unknown> = {};
  for (const n of names) {
    if (!(n in edited)) continue;
    if (JSON.stringify(edited[n] ?? null) !== JSON.stringify(original[n] ?? null)) out[n] = edited[n];
  }
  return Object.keys(out).length ? out : undefined;
}
