import { Empty, Skeleton, Timeline, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useOrderHistory } from '../api/getOrderHistory';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { formatDateTime } from '../../../lib/format';
import { useLang } from '../../../i18n/useLang';
import type { HistoryEntry } from '../../../lib/types';

const COLORS: Record<string, string> = {
  approve: 'green',
  completed: 'green',
  reject: 'red',
  exception: 'red',
  cancelled: 'gray',
  withdrawn: 'gray',
  comment: 'blue',
  submitted: 'blue',
  plugin: 'gray',
  node_entered: 'gray',
};

function detailText(detail: unknown): string {
  if (detail == null || detail === '') return '';
  if (typeof detail === 'string') return detail;
  try {
    return JSON.stringify(detail);
  } catch {
    return String(detail);
  }
}

/** The order's history, oldest first. `nodeName` turns a node id into its display name. */
export function HistoryTimeline({ orderId, nodeName }: { orderId: string; nodeName: (node: string) => string }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const history = useOrderHistory(orderId);

  if (history.isPending) return <Skeleton active />;
  if (history.isError) return <ErrorAlert error={history.error} onRetry={() => void history.refetch()} />;
  const items = [...(history.data.items ?? [])].sort((a, b) => a.seq - b.seq);
  if (!items.length) return <Empty description={t('detail.noHistory')} />;

  return (
    <Timeline
      data-testid="order-history"
      items={items.map((h: HistoryEntry) => {
        const detail = detailText(h.detail);
        return {
          key: h.seq,
          color: COLORS[h.action] ?? 'blue',
          content: (
            <div data-testid="history-item" data-action={h.action}>
              <Typography.Text strong>{t(`historyAction.${h.action}`, { defaultValue: h.action })}</Typography.Text>
              {h.node ? <Typography.Text> · {pick(h.node_name) || nodeName(h.node)}</Typography.Text> : null}
              <Typography.Text type="secondary">
                {' '}
                · {h.actor || t('detail.system')} · {formatDateTime(h.at)}
              </Typography.Text>
              {h.reason ? (
                <div data-testid="history-reason">
                  {t('common.labelled', { label: t('detail.reason'), value: t(`reasons.${h.reason}`, { defaultValue: h.reason }) })}
                </div>
              ) : null}
              {h.comment ? (
                <div data-testid="history-comment">{t('common.labelled', { label: t('detail.comment'), value: h.comment })}</div>
              ) : null}
              {detail ? (
                <Typography.Paragraph type="secondary" style={{ fontSize: 12, margin: 0 }} ellipsis={{ rows: 2, expandable: true }}>
                  {detail}
                </Typography.Paragraph>
              ) : null}
            </div>
          ),
        };
      })}
    />
  );
}
