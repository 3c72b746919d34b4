import { useTranslation } from 'react-i18next';
import { pickText, type LocalizedText } from './pickText';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from './languages';

/** The current UI language and a picker for definition texts in it. */
export function useLang() {
  const { i18n } = useTranslation();
  const lang = (LANGUAGES as readonly string[]).includes(i18n.language) ? (i18n.language as Language) : DEFAULT_LANGUAGE;
  return { lang, pick: (text: LocalizedText) => pickText(text, lang) };
}
