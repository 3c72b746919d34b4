import { useTranslation } from 'react-i18next';
import { DefinitionsListPage } from '../../definitions';

/** Route /designer/roles. */
export function RolesListPage() {
  const { t } = useTranslation();
  return <DefinitionsListPage kind="roles" base="/designer/roles" title={t('roleEditor.title')} />;
}
