import { Button, Dropdown } from 'antd';
import { GlobalOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { changeLanguage } from '../i18n';
import { LANGUAGES, LANGUAGE_NAMES, type Language } from '../i18n/languages';
import { useLang } from '../i18n/useLang';

/** onChange hears the user's pick (the signed-in layout saves it on the server). */
export function LanguageSwitcher({ onChange }: { onChange?: (lang: Language) => void } = {}) {
  const { t } = useTranslation();
  const { lang } = useLang();
  return (
    <Dropdown
      trigger={['click']}
      menu={{
        selectable: true,
        selectedKeys: [lang],
        items: LANGUAGES.map((l) => ({
          key: l,
          label: <span data-testid={`lang-option-${l}`}>{LANGUAGE_NAMES[l]}</span>,
        })),
        onClick: ({ key }) => {
          void changeLanguage(key as Language);
          onChange?.(key as Language);
        },
      }}
    >
      <Button type="text" icon={<GlobalOutlined />} aria-label={t('header.language')} data-testid="lang-switcher">
        {LANGUAGE_NAMES[lang]}
      </Button>
    </Dropdown>
  );
}
