import { useState } from 'react';
import { App, Button, Card, Flex, Segmented, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatDateTime } from '../../lib/format';
import { useOutbox, useRetryOutbox, type OutboxMessage } from './api';

const STATUS_COLOR: Record<string, string> = { pending: 'processing', sent: 'success', dead: 'error' };

/** The customer-confirmation outbox: pending, sent and dead messages; a dead one can be put back. */
export function OutboxPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [status, setStatus] = useState<string>('dead');
  const list = useOutbox(status);
  const retry = useRetryOutbox();
  return (
    <Card>
      <Flex justify="space-between" align="center" wrap gap={12} style={{ marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">
          {t('ops.outbox.title')}
        </Typography.Title>
        <Segmented
          value={status}
          onChange={(v) => setStatus(String(v))}
          options={['dead', 'pending', 'sent', ''].map((s) => ({ value: s, label: t(`ops.outbox.status.${s || 'all'}`) }))}
        />
      </Flex>
      {retry.error ? <ErrorAlert error={retry.error} style={{ marginBottom: 12 }} /> : null}
      {list.isError ? (
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <Table<OutboxMessage>
          rowKey="id"
          size="small"
          loading={list.isPending}
          dataSource={list.data?.items ?? []}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          scroll={{ x: 'max-content' }}
          expandable={{ expandedRowRender: (m) => <pre style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{m.body}</pre> }}
          columns={[
            { title: '#', dataIndex: 'id', key: 'id' },
            { title: t('orders.status'), key: 'status', render: (_, m) => <Tag color={STATUS_COLOR[m.status]}>{t(`ops.outbox.status.${m.status}`)}</Tag> },
            { title: t('ops.outbox.channel'), dataIndex: 'channel', key: 'channel' },
            { title: t('ops.outbox.recipient'), dataIndex: 'recipient', key: 'recipient', ellipsis: true },
            { title: t('ops.outbox.subject'), dataIndex: 'subject', key: 'subject', ellipsis: true },
            { title: t('ops.outbox.order'), key: 'order', render: (_, m) => (m.order_id ? <Link to={`/orders/${m.order_id}`}>#{m.order_id}</Link> : '—') },
            { title: t('ops.outbox.attempts'), key: 'attempts', render: (_, m) => `${m.attempts} / ${m.max_attempts}` },
            { title: t('ops.outbox.lastError'), dataIndex: 'last_error', key: 'err', render: (v: string) => (v ? <Typography.Text type="danger">{v}</Typography.Text> : '—') },
            { title: t('ops.outbox.nextAt'), key: 'next', render: (_, m) => (m.status === 'sent' ? formatDateTime(m.sent_at) : formatDateTime(m.next_at)) },
            {
              title: '',
              key: 'retry',
              render: (_, m) =>
                m.status === 'dead' ? (
                  <Button
                    size="small"
                    loading={retry.isPending && retry.variables === m.id}
                    onClick={() => retry.mutate(m.id, { onSuccess: () => void message.success(t('ops.outbox.retried', { id: m.id })) })}
                  >
                    {t('ops.outbox.retry')}
                  </Button>
                ) : null,
            },
          ]}
        />
      )}
    </Card>
  );
}
