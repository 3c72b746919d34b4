import { useEffect, useState } from 'react';
import { Input, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { loadSimplified, toSimplified } from '../i18n/simplified';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from '../i18n/languages';

/** A definition text in each UI language (any may be missing). */
export type Text = Partial<Record<Language, string>>;

/** A stored text as per-language values: a plain string (what older definitions hold) is the zh-TW text. */
export function asTexts(value: Text | string | null | undefined): Text {
  if (typeof value === 'string') return value ? { [DEFAULT_LANGUAGE]: value } : {};
  return value ?? {};
}

/**
 * One input per UI language for a definition text (the shared editor of names, titles, checklist items …);
 * a plain string is edited as the zh-TW text, and empty texts become undefined. The zh-CN text follows
 * the zh-TW one (converted to Simplified) until the admin writes it otherwise.
 */
export function TextInputs({ value, onChange, onBlur, testid }: { value?: Text | string; onChange: (v: Text | undefined) => void; onBlur?: () => void; testid?: string }) {
  const { t } = useTranslation();
  const texts = asTexts(value);
  const [, setLoaded] = useState(false);
  useEffect(() => {
    loadSimplified().then(
      () => setLoaded(true),
      () => undefined, // without the converter the zh-CN text is typed
    );
  }, []);
  const set = (lang: string, s: string) => {
    const next: Record<string, string> = { ...texts };
    if (s) next[lang] = s;
    else delete next[lang];
    // the zh-CN text follows the zh-TW one, converted, until it is written otherwise
    if (lang === 'zh-TW') {
      const cn = texts['zh-CN'];
      // only Chinese is converted: a latin zh-TW text is no zh-CN one
      const conv = /\p{Script=Han}/u.test(s) || !s ? toSimplified(s) : undefined;
      if (conv !== undefined && (!cn || cn === toSimplified(texts['zh-TW'] ?? ''))) {
        if (conv) next['zh-CN'] = conv;
        else delete next['zh-CN'];
      }
    }
    onChange(Object.keys(next).length ? (next as Text) : undefined);
  };
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size={4}>
      {LANGUAGES.map((lang) => (
        <Input
          key={lang}
          size="small"
          prefix={<span style={{ display: 'inline-block', width: 44, color: '#8c8c8c' }}>{t(`designer.lang.${lang}`)}</span>}
          value={texts[lang] ?? ''}
          onChange={(e) => set(lang, e.target.value)}
          onBlur={onBlur}
          data-testid={testid ? `${testid}-${lang}` : undefined}
        />
      ))}
    </Space>
  );
}
