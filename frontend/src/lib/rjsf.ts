import { customizeValidator, type Localizer } from '@rjsf/validator-ajv8';
import Ajv2020 from 'ajv/dist/2020';
import localizeEn from 'ajv-i18n/localize/en';
import localizeZhTW from 'ajv-i18n/localize/zh-TW';
import localizeZh from 'ajv-i18n/localize/zh';
import i18n from 'i18next';
import { TranslatableString, englishStringTranslator } from '@rjsf/utils';
import type { TFunction } from 'i18next';
import { isLocalizedObject, pickText } from '../i18n/pickText';
import type { JsonSchema, UiSchema } from './types';

const AJV_LOCALIZERS: Record<string, Localizer> = {
  'zh-TW': localizeZhTW as Localizer,
  'zh-CN': localizeZh as Localizer,
  en: localizeEn as Localizer,
};

/** Validation messages in the current UI language. */
export const localizeErrors: Localizer = (errors) => (AJV_LOCALIZERS[i18n.language] ?? localizeZhTW)(errors as never);

/** rjsf validator for JSON Schema draft 2020-12 (the dialect of Sluice form schemas), messages localized. */
export const validator = customizeValidator({ AjvClass: Ajv2020 }, localizeErrors);

// Keys whose values may be localized objects in Sluice definitions; they are replaced by the current-language text.
const SCHEMA_TEXT_KEYS = new Set(['title', 'description']);
const UI_TEXT_KEYS = new Set(['ui:title', 'ui:description', 'ui:help', 'ui:placeholder', 'title', 'description', 'help', 'placeholder']);

/** Replaces localized text objects in a JSON Schema (title, description) by the text for `lang`. */
export function localizeSchema<T>(schema: T, lang: string): T {
  return walk(schema, lang, SCHEMA_TEXT_KEYS) as T;
}

/** Same for an rjsf ui schema (ui:title, ui:help, ui:placeholder, ui:enumNames entries …). */
export function localizeUiSchema<T>(ui: T, lang: string): T {
  return walk(ui, lang, UI_TEXT_KEYS) as T;
}

function walk(node: unknown, lang: string, textKeys: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => (isLocalizedObject(n) ? pickText(n, lang) : walk(n, lang, textKeys)));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (textKeys.has(k) && isLocalizedObject(v)) out[k] = pickText(v, lang);
    else if (k === 'ui:enumNames' && Array.isArray(v)) out[k] = v.map((n) => (isLocalizedObject(n) ? pickText(n, lang) : n));
    else out[k] = walk(v, lang, textKeys);
  }
  return out;
}

/** Names of the server-computed top-level fields: `computed` is a list of names or an object name → expression. */
export function computedFields(computed: string[] | Record<string, unknown> | null | undefined): string[] {
  if (!computed) return [];
  if (Array.isArray(computed)) return computed.filter((c): c is string => typeof c === 'string');
  if (typeof computed === 'object') return Object.keys(computed);
  return [];
}

/** Marks the server-computed top-level fields read-only in the ui schema. */
export function withComputedReadonly(ui: UiSchema | undefined, computed: string[] | undefined): UiSchema {
  const out: UiSchema = { ...(ui ?? {}) };
  for (const field of computed ?? []) {
    const prev = (out[field] as Record<string, unknown> | undefined) ?? {};
    out[field] = { ...prev, 'ui:readonly': true };
  }
  return out;
}

/** Removes server-computed top-level fields from data before it is sent. */
export function omitComputed(data: Record<string, unknown>, computed: string[] | undefined): Record<string, unknown> {
  if (!computed?.length) return data;
  const out = { ...data };
  for (const f of computed) delete out[f];
  return out;
}

/** Builds rjsf's translateString from i18next: the `rjsf.<EnumName>` keys, English otherwise. */
export function makeTranslateString(t: TFunction) {
  const names = new Map<string, string>(
    Object.entries(TranslatableString).map(([name, english]) => [english as string, name]),
  );
  return (str: TranslatableString, params?: string[]): string => {
    const name = names.get(str);
    const key = `rjsf.${name}`;
    if (name && t(key, { defaultValue: '' })) {
      let out = t(key);
      (params ?? []).forEach((p, i) => {
        out = out.replace(`%${i + 1}`, p);
      });
      return out;
    }
    return englishStringTranslator(str, params);
  };
}

export type { JsonSchema };
