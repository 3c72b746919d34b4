import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import zhTW from './locales/zh-TW';
import zhCN from './locales/zh-CN';
import en from './locales/en';
import { DEFAULT_LANGUAGE, STORAGE_KEY, detectLanguage, matchLanguage, type Language } from './languages';

export const resources = {
  'zh-TW': { translation: zhTW },
  'zh-CN': { translation: zhCN },
  en: { translation: en },
} as const;

function readStored(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function initialLanguage(): Language {
  const nav = typeof navigator !== 'undefined' ? navigator : undefined;
  const langs = nav?.languages?.length ? nav.languages : nav?.language ? [nav.language] : [];
  return detectLanguage(readStored(), langs);
}

/** True when the user has chosen a language on this browser (so a server-side preference must not override it). */
export function hasStoredLanguage(): boolean {
  return matchLanguage(readStored()) !== undefined;
}

/** Switches the UI language and remembers the choice in localStorage. */
export async function changeLanguage(lang: Language, remember = true): Promise<void> {
  if (remember) {
    try {
      window.localStorage.setItem(STORAGE_KEY, lang);
    } catch {
      // storage may be unavailable (private mode); the switch still applies to this page
    }
  }
  document.documentElement.lang = lang;
  await i18n.changeLanguage(lang);
}

const lng = initialLanguage();
void i18n.use(initReactI18next).init({
  resources,
  lng,
  fallbackLng: [DEFAULT_LANGUAGE, 'en'],
  supportedLngs: ['zh-TW', 'zh-CN', 'en'],
  load: 'currentOnly',
  interpolation: { escapeValue: false },
  returnNull: false,
});
if (typeof document !== 'undefined') document.documentElement.lang = lng;

export default i18n;
