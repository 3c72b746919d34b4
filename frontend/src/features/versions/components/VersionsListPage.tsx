import { Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { DefinitionsListPage } from '../../definitions';

/** Route /designer/versions — the flows, each with its version history and the migration wizard. */
export function VersionsListPage() {
  const { t } = useTranslation();
  return (
    <DefinitionsListPage
      kind="flows"
      base="/designer/versions"
      title={t('flowVersions.title')}
      extra={(r) => (
        <Space>
          <Link to={`/designer/versions/${encodeURIComponent(r.key)}`} data-testid={`versions-open-${r.key}`}>
            {t('flowVersions.history')}
          </Link>
          {(r.versions?.length ?? 0) > 1 && (
            <Link to={`/designer/versions/${encodeURIComponent(r.key)}/migrate`} data-testid={`versions-migrate-${r.key}`}>
              {t('flowMigration.open')}
            </Link>
          )}
        </Space>
      )}
    />
  );
}
