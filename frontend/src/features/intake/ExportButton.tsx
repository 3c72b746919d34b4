import { Button } from 'antd';
import { FileExcelOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../i18n/useLang';
import { buildUrl, type Query } from '../../lib/api';

/** The export URL: the list's filters and the UI language. */
export function exportUrl(filters: Query, lang: string): string {
  return buildUrl('/orders/export.xlsx', { ...filters, lang });
}

/** Downloads the orders the list shows (same filters) as an Excel workbook. */
export function ExportButton({ filters }: { filters: Query }) {
  const { t } = useTranslation();
  const { lang } = useLang();
  return (
    <a href={exportUrl(filters, lang)} download data-testid="orders-export">
      <Button icon={<FileExcelOutlined />}>{t('ops.imports.export')}</Button>
    </a>
  );
}
