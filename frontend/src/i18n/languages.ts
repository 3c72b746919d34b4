export const LANGUAGES = ['zh-TW', 'zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'zh-TW';
export const STORAGE_KEY = 'sluice.lang';

/** Names shown in the language switcher; each in its own language, so they are not translated. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  'zh-TW': '繁體中文',
  'zh-CN': '简体中文',
  en: 'English',
};

/**
 * Maps one BCP 47 tag to a supported language, or undefined when none fits.
 * Traditional Chinese (zh-TW, zh-HK, zh-MO, zh-Hant*) → zh-TW; simplified (zh-CN, zh-SG, zh-Hans*) → zh-CN;
 * a bare "zh" → zh-TW (the platform's default); en-* → en.
 */
export function matchLanguage(tag: string | null | undefined): Language | undefined {
  if (!tag) return undefined;
  const t = tag.trim().replace(/_/g, '-').toLowerCase();
  if (!t) return undefined;
  if (t === 'zh-tw' || t === 'zh-hk' || t === 'zh-mo' || t.startsWith('zh-hant')) return 'zh-TW';
  if (t === 'zh-cn' || t === 'zh-sg' || t.startsWith('zh-hans')) return 'zh-CN';
  if (t === 'zh' || t.startsWith('zh-')) return 'zh-TW';
  if (t === 'en' || t.startsWith('en-')) return 'en';
  return undefined;
}

/** Picks the UI language: a stored choice first, then the browser's languages in order, then zh-TW. */
export function detectLanguage(
  stored: string | null | undefined,
  browserLanguages: readonly string[] | undefined,
): Language {
  const fromStore = matchLanguage(stored);
  if (fromStore) return fromStore;
  for (const tag of browserLanguages ?? []) {
    const lang = matchLanguage(tag);
    if (lang) return lang;
  }
  return DEFAULT_LANGUAGE;
}
