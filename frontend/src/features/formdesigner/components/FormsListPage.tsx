import { useTranslation } from 'react-i18next';
import { DefinitionsListPage } from '../../definitions';

/** Route /designer/forms — the form definitions and "new form". */
export function FormsListPage() {
  const { t } = useTranslation();
  return <DefinitionsListPage kind="forms" base="/designer/forms" title={t('formDesigner.listTitle')} />;
}
