import { DEFAULT_LANGUAGE } from './languages';

/** A text from a definition (flow, node, form): either plain or one value per language. */
export type LocalizedText = string | Partial<Record<string, string>> | null | undefined;

/**
 * Returns the text for `lang`, falling back to zh-TW, then en, then the first non-empty value.
 * Plain strings are returned as they are; anything else yields ''.
 */
export function pickText(text: LocalizedText, lang: string): string {
  if (text == null) return '';
  if (typeof text === 'string') return text;
  if (typeof text !== 'object') return String(text);
  for (const key of [lang, DEFAULT_LANGUAGE, 'en']) {
    const v = text[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  for (const v of Object.values(text)) {
    if (typeof v === 'string' && v !== '') return v;
  }
  return '';
}

/** True when the value looks like a localized text object ({"zh-TW": …, "en": …}). */
export function isLocalizedObject(value: unknown): value is Record<string, string> {
  if (value == null || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length > 0 &&
    entries.every(([k, v]) => typeof v === 'string' && /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(k))
  );
}
