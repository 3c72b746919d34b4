import { useState } from 'react';
import { Button, Empty, Skeleton, Timeline, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useOrderHistory } from '../api/getOrderHistory';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { formatDateTime } from '../../../lib/format';
import { useLang } from '../../../i18n/useLang';
import type { HistoryEntry } from '../../../lib/types';

const COLORS: Record<string, string> = {
  approve: 'green',
  order_completed: 'green',
  order_approved: 'green',
  reject: 'red',
  order_rejected: 'red',
  exception: 'red',
  comment: 'blue',
  submitted: 'blue',
};

/** The trace texts of an entry (detail.trace = [{node, text}]), which say why the engine did what it did. */
function traceTexts(detail: HistoryEntry['detail']): string[] {
  const trace = detail && Array.isArray(detail.trace) ? detail.trace : [];
  return trace
    .map((t: unknown) => (t && typeof t === 'object' && 'text' in t ? String((t as { text: unknown }).text ?? '') : ''))
    .filter(Boolean);
}

function HistoryItemView({ entry: h, nodeName }: { entry: HistoryEntry; nodeName: (node: string) => string }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const [open, setOpen] = useState(false);

  let label = t(`historyAction.${h.action}`, { defaultValue: '' });
  if (!label && h.action.startsWith('order_')) {
    const status = h.action.slice('order_'.length);
    label = t('historyAction.orderStatus', { status: t(`status.${status}`, { defaultValue: status }) });
  }
  const actor = !h.actor || h.actor === 'system' ? t('detail.system') : h.actor;
  const traces = traceTexts(h.detail);
  // the trace is shown above; offer the raw detail only when it holds more
  const hasDetail = !!h.detail && Object.keys(h.detail).some((k) => k !== 'trace');

  return (
    <div data-testid="history-item" data-action={h.action}>
      <Typography.Text strong>{label || h.action}</Typography.Text>
      {h.node ? <Typography.Text> · {pick(h.node_name) || nodeName(h.node)}</Typography.Text> : null}
      <Typography.Text type="secondary">
        {' '}
        · {actor} · {formatDateTime(h.at)}
      </Typography.Text>
      {h.reason ? (
        <div data-testid="history-reason">
          {t('common.labelled', { label: t('detail.reason'), value: t(`reasons.${h.reason}`, { defaultValue: h.reason }) })}
        </div>
      ) : null}
      {h.comment ? <div data-testid="history-comment">{t('common.labelled', { label: t('detail.comment'), value: h.comment })}</div> : null}
      {traces.map((text, i) => (
        <div key={i}>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {text}
          </Typography.Text>
        </div>
      ))}
      {hasDetail ? (
        <div>
          <Button type="link" size="small" style={{ padding: 0, height: 'auto', fontSize: 12 }} onClick={() => setOpen((o) => !o)}>
            {open ? t('detail.hideDetail') : t('detail.showDetail')}
          </Button>
          {open ? (
            <pre style={{ fontSize: 12, margin: '4px 0 0', whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
              {JSON.stringify(h.detail, null, 2)}
            </pre>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

/** The order's history, oldest first. `nodeName` turns a node id into its display name. */
export function HistoryTimeline({ orderId, nodeName }: { orderId: string; nodeName: (node: string) => string }) {
  const { t } = useTranslation();
  const history = useOrderHistory(orderId);

  if (history.isPending) return <Skeleton active />;
  if (history.isError) return <ErrorAlert error={history.error} onRetry={() => void history.refetch()} />;
  const items = [...(history.data.items ?? [])].sort((a, b) => a.seq - b.seq);
  if (!items.length) return <Empty description={t('detail.noHistory')} />;

  return (
    <Timeline
      data-testid="order-history"
      items={items.map((h) => ({
        key: h.seq,
        color: COLORS[h.action] ?? (h.actor && h.actor !== 'system' ? 'blue' : 'gray'),
        content: <HistoryItemView entry={h} nodeName={nodeName} />,
      }))}
    />
  );
}
