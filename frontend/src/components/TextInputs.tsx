import { Input, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, type Language } from '../i18n/languages';

/** A definition text in each UI language (any may be missing). */
export type Text = Partial<Record<Language, string>>;

/** One input per UI language for a definition text; empty texts become undefined. */
export function TextInputs({ value, onChange, testid }: { value?: Text; onChange: (v: Text | undefined) => void; testid?: string }) {
  const { t } = useTranslation();
  const set = (lang: string, s: string) => {
    const next: Record<string, string> = { ...(value ?? {}) };
    if (s) next[lang] = s;
    else delete next[lang];
    onChange(Object.keys(next).length ? (next as Text) : undefined);
  };
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size={4}>
      {LANGUAGES.map((lang) => (
        <Input
          key={lang}
          size="small"
          prefix={<span style={{ display: "inline-block", width: 44, color: "#8c8c8c" }}>{t(`designer.lang.${lang}`)}</span>}
          value={(value as Record<string, string> | undefined)?.[lang] ?? ''}
          onChange={(e) => set(lang, e.target.value)}
          data-testid={testid ? `${testid}-${lang}` : undefined}
        />
      ))}
    </Space>
  );
}
