import { useMemo } from 'react';
import { useDef } from '../../definitions';
import { useLang } from '../../../i18n/useLang';
import type { Text } from '../lib/document';

/** A field of a flow's form as the pickers offer it: its dotted path, label and JSON type. */
export interface FormField {
  path: string;
  label: string;
  type?: string;
  format?: string;
  /** The allowed values, when the field has a list of them. */
  options?: unknown[];
}

interface PropSchema {
  type?: string | string[];
  title?: string | Text;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, PropSchema>;
}

/** The form's fields (one level into objects: customer.tier), read from the server; empty until loaded. */
export function useFormFields(formKey: string | undefined): FormField[] {
  const { pick } = useLang();
  const form = useDef<{ schema?: { properties?: Record<string, PropSchema> } }>('forms', formKey || undefined);
  const schema = (form.data?.body ?? form.data?.draft)?.schema;
  return useMemo(() => {
    const out: FormField[] = [];
    const title = (s: PropSchema, k: string) => (typeof s.title === 'string' ? s.title : s.title ? pick(s.title) : '') || k;
    const walk = (props: Record<string, PropSchema> | undefined, prefix: string, label: string, depth: number) => {
      for (const [k, s] of Object.entries(props ?? {})) {
        const type = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
        const path = prefix ? `${prefix}.${k}` : k;
        const name = label ? `${label} · ${title(s, k)}` : title(s, k);
        out.push({ path, label: name, type, format: s.format, options: s.enum });
        if (type === 'object' && depth < 1) walk(s.properties, path, name, depth + 1);
      }
    };
    walk(schema?.properties, '', '', 0);
    return out;
  }, [schema, pick]);
}
