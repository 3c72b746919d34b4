import { useState } from 'react';
import { Button, Empty, Skeleton, Space, Timeline, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useOrderHistory } from '../api/getOrderHistory';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { formatDateTime } from '../../../lib/format';
import { useLang } from '../../../i18n/useLang';
import type { HistoryEntry } from '../../../lib/types';
import { entrySummary, traceOf, type TraceLine } from '../lib/history';

const COLORS: Record<string, string> = {
  approve: 'green',
  auto_approved: 'green',
  order_completed: 'green',
  order_approved: 'green',
  reject: 'red',
  order_rejected: 'red',
  exception: 'red',
  return: 'orange',
  withdraw: 'gray',
  order_withdrawn: 'gray',
  urge: 'orange',
  comment: 'blue',
  submitted: 'blue',
  transfer: 'purple',
  delegate: 'purple',
  add_signer: 'purple',
};

/** The rule trace: one line per decision the engine made, with the node it concerns. */
export function TraceList({ trace, nodeName }: { trace: TraceLine[]; nodeName: (node: string) => string }) {
  const { t } = useTranslation();
  return (
    <ol style={{ margin: '4px 0 0', paddingInlineStart: 20 }} data-testid="trace">
      {trace.map((line, i) => (
        <li key={i} data-testid="trace-line" data-node={line.node}>
          <Typography.Text style={{ fontSize: 12 }}>
            {line.node ? t('common.labelled', { label: nodeName(line.node), value: line.text }) : line.text}
          </Typography.Text>
        </li>
      ))}
    </ol>
  );
}

/** The timeline's words for an action (`order_<status>` reads as "Order <status>"). */
export function useHistoryLabel() {
  const { t } = useTranslation();
  return (action: string) => {
    // dotted codes (`shipping.completed`) are nested keys; a code with no words of its own never shows raw
    const words = (key: string) => {
      const w = t(`historyAction.${key}`, { defaultValue: '' });
      return typeof w === 'string' ? w : '';
    };
    // a dotted code whose first part is a word of its own (`exception.overdue`) has its key with _
    let label = words(action) || words(action.replaceAll('.', '_'));
    if (!label && action.startsWith('order_')) {
      const status = action.slice('order_'.length);
      label = t('historyAction.orderStatus', { status: t(`status.${status}`, { defaultValue: t('status.other') }) });
    }
    return label || t('historyAction.other');
  };
}

function HistoryItemView({
  entry: h,
  all,
  nodeName,
  person,
}: {
  entry: HistoryEntry;
  all: HistoryEntry[];
  nodeName: (node: string) => string;
  person: (username: string) => string;
}) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const label = useHistoryLabel();
  const [showTrace, setShowTrace] = useState(false);
  const [showDetail, setShowDetail] = useState(false);

  const actor = !h.actor || h.actor === 'system' ? t('detail.system') : person(h.actor);
  const trace = traceOf(h);
  const summary = entrySummary(h, all);
  // the summary and trace say what matters; offer the raw detail for the rest
  const hasDetail = !!h.detail && Object.keys(h.detail).some((k) => !['trace', 'comment', 'reason'].includes(k));

  return (
    <div data-testid="history-item" data-action={h.action} data-node={h.node ?? ''}>
      <Typography.Text strong data-testid="history-label">
        {label(h.action)}
      </Typography.Text>
      {h.node ? <Typography.Text> · {pick(h.node_name) || nodeName(h.node)}</Typography.Text> : null}
      <Typography.Text type="secondary">
        {' '}
        · {actor} · {formatDateTime(h.at)}
      </Typography.Text>
      {summary ? (
        <div data-testid="history-summary">
          {t(summary.key, {
            node: summary.node ? nodeName(summary.node) : '',
            users: (summary.users ?? []).map(person).join(t('common.listSeparator')),
            reason: summary.reason ?? '',
          })}
        </div>
      ) : null}
      {h.reason ? (
        <div data-testid="history-reason">
          {t('common.labelled', { label: t('detail.reason'), value: t(`reasons.${h.reason}`, { defaultValue: h.reason }) })}
        </div>
      ) : null}
      {h.comment ? <div data-testid="history-comment">{t('common.labelled', { label: t('detail.comment'), value: h.comment })}</div> : null}
      <div>
        <Space size={12}>
          {trace.length ? (
            <Button
              type="link"
              size="small"
              style={{ padding: 0, height: 'auto', fontSize: 12 }}
              onClick={() => setShowTrace((o) => !o)}
              data-testid="history-trace-toggle"
              aria-expanded={showTrace}
            >
              {showTrace ? t('detail.hideTrace') : t('detail.showTrace', { count: trace.length })}
            </Button>
          ) : null}
          {hasDetail ? (
            <Button type="link" size="small" style={{ padding: 0, height: 'auto', fontSize: 12 }} onClick={() => setShowDetail((o) => !o)}>
              {showDetail ? t('detail.hideDetail') : t('detail.showDetail')}
            </Button>
          ) : null}
        </Space>
      </div>
      {showTrace ? <TraceList trace={trace} nodeName={nodeName} /> : null}
      {showDetail ? (
        <pre style={{ fontSize: 12, margin: '4px 0 0', whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
          {JSON.stringify(h.detail, null, 2)}
        </pre>
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
  const people = history.data.people ?? {};
  const person = (u: string) => people[u] || u;
  if (!items.length) return <Empty description={t('detail.noHistory')} />;

  return (
    <Timeline
      data-testid="order-history"
      items={items.map((h) => ({
        key: h.seq,
        color: COLORS[h.action] ?? (h.actor && h.actor !== 'system' ? 'blue' : 'gray'),
        content: <HistoryItemView entry={h} all={items} nodeName={nodeName} person={person} />,
      }))}
    />
  );
}
