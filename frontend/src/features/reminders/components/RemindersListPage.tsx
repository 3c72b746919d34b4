import { useTranslation } from 'react-i18next';
import { DefinitionsListPage } from '../../definitions';

/** Route /designer/reminders. */
export function RemindersListPage() {
  const { t } = useTranslation();
  return <DefinitionsListPage kind="reminders" base="/designer/reminders" title={t('reminderEditor.title')} />;
}
