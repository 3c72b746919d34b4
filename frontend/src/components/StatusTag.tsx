import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';

const COLORS: Record<string, string> = {
  in_review: 'processing',
  approved: 'success',
  completed: 'success',
  rejected: 'error',
  exception: 'error',
  withdrawn: 'default',
  cancelled: 'default',
  open: 'processing',
  pending: 'warning',
  done: 'success',
  skipped: 'default',
  waiting: 'warning',
  cc: 'cyan',
  returned: 'orange',
};

/** An order or task status as a coloured tag; data-status carries the raw value for tests. */
export function StatusTag({ status, testId }: { status: string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Tag color={COLORS[status] ?? 'default'} data-testid={testId} data-status={status}>
      {t(`status.${status}`, { defaultValue: status })}
    </Tag>
  );
}
