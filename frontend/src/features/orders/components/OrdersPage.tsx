import { useMemo } from 'react';
import { Button, Card, Empty, Flex, Input, Select, Table, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import type { ColumnsType } from 'antd/es/table';
import { useOrders } from '../api/listOrders';
import { useFlows } from '../../flows';
import { useDepartmentName } from '../../departments';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { ExportButton } from '../../intake';
import { StatusTag } from '../../../components/StatusTag';
import { useLang } from '../../../i18n/useLang';
import { formatDateTime, formatMoney } from '../../../lib/format';
import { ORDER_STATUSES, type Order } from '../../../lib/types';
import { useIsPhone } from '../../../lib/usePhone';
import { customerOf } from './PhoneOrderSummary';

const PAGE_SIZE = 20;

/** Orders: filter by status, search (q), more pages with the cursor. */
export function OrdersPage() {
  const { t } = useTranslation();
  const { lang, pick } = useLang();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const q = params.get('q') ?? '';
  const orders = useOrders({ status: status || undefined, q: q || undefined, limit: PAGE_SIZE });
  const flows = useFlows();
  const deptName = useDepartmentName();
  const phone = useIsPhone();

  const flowNames = useMemo(() => {
    const m = new Map<string, string>();
    for (const f of flows.data?.items ?? []) m.set(f.key, pick(f.name));
    return m;
  }, [flows.data, pick]);

  const setFilter = (key: 'status' | 'q', value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const rows = orders.data?.pages.flatMap((p) => p.items ?? []) ?? [];

  const columns: ColumnsType<Order> = [
    {
      title: t('orders.number'),
      key: 'number',
      render: (_, r) => (
        <Link to={`/orders/${r.id}`} data-testid={`order-open-${r.number}`}>
          {r.number}
        </Link>
      ),
    },
    { title: t('orders.flow'), key: 'flow', render: (_, r) => flowNames.get(r.flow) || r.flow },
    { title: t('orders.status'), key: 'status', render: (_, r) => <StatusTag status={r.status} /> },
    { title: t('orders.department'), key: 'department', render: (_, r) => deptName(r.department) },
    { title: t('orders.submitter'), dataIndex: 'submitter', key: 'submitter' },
    { title: t('orders.total'), key: 'total', align: 'right', render: (_, r) => formatMoney(r.total, lang) },
    { title: t('orders.createdAt'), key: 'created', render: (_, r) => formatDateTime(r.created_at) },
  ];

  return (
    <Card styles={phone ? { body: { padding: 12 } } : undefined}>
      <Flex justify="space-between" align="center" wrap gap={12} style={{ marginBottom: 16 }}>
        <Typography.Title level={phone ? 4 : 3} style={{ margin: 0 }} data-testid="page-title">
          {t('orders.title')}
        </Typography.Title>
        <Flex gap={8}>
        <ExportButton filters={{ status: status || undefined, q: q || undefined }} />
        <Link to="/orders/new">
          <Button type="primary" icon={<PlusOutlined />}>
            {t('nav.newOrder')}
          </Button>
        </Link>
        </Flex>
      </Flex>
      <Flex gap={12} wrap style={{ marginBottom: 16 }}>
        <Select
          style={{ width: phone ? '100%' : 180 }}
          value={status}
          onChange={(v) => setFilter('status', v)}
          aria-label={t('orders.statusFilter')}
          data-testid="orders-status-filter"
          options={[
            { value: '', label: t('orders.allStatuses') },
            ...ORDER_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) })),
          ]}
        />
        <Input.Search
          key={q}
          defaultValue={q}
          allowClear
          placeholder={t('orders.searchPlaceholder')}
          onSearch={(v) => setFilter('q', v.trim())}
          style={{ width: phone ? '100%' : 320 }}
          data-testid="orders-search"
        />
      </Flex>
      {orders.isError ? (
        <ErrorAlert error={orders.error} onRetry={() => void orders.refetch()} />
      ) : (
        <>
          {phone ? (
            // a phone: one card per order, the whole card opens it
            <Flex vertical gap={8} data-testid="order-cards">
              {orders.isPending ? <Card loading /> : null}
              {!orders.isPending && !rows.length ? <Empty description={t('orders.empty')} /> : null}
              {rows.map((r) => (
                <Link key={r.id} to={`/orders/${r.id}`} data-testid="order-row" data-order-number={r.number} style={{ color: 'inherit' }}>
                  <Card size="small" hoverable styles={{ body: { padding: 12 } }}>
                    <Flex justify="space-between" align="start" gap={8}>
                      <div style={{ minWidth: 0, flex: 1 }}>
                        <Typography.Text strong ellipsis style={{ display: 'block' }}>
                          {customerOf(r) || '—'}
                        </Typography.Text>
                        <Typography.Text type="secondary" data-testid={`order-open-${r.number}`}>
                          {r.number}
                        </Typography.Text>
                      </div>
                      <Typography.Text strong style={{ whiteSpace: 'nowrap' }}>
                        {formatMoney(r.total, lang)}
                      </Typography.Text>
                    </Flex>
                    <Flex justify="space-between" align="center" gap={8} style={{ marginTop: 6 }}>
                      <StatusTag status={r.status} />
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {formatDateTime(r.created_at)}
                      </Typography.Text>
                    </Flex>
                  </Card>
                </Link>
              ))}
            </Flex>
          ) : (
          <Table<Order>
            rowKey={(r) => String(r.id)}
            columns={columns}
            dataSource={rows}
            loading={orders.isPending}
            pagination={false}
            locale={{ emptyText: t('orders.empty') }}
            scroll={{ x: 'max-content' }}
            onRow={(r) => ({ 'data-testid': 'order-row', 'data-order-number': r.number }) as React.HTMLAttributes<HTMLElement>}
          />
          )}
          <Flex justify="center" align="center" gap={12} style={{ marginTop: 16 }}>
            {rows.length > 0 ? (
              <Typography.Text type="secondary">{t('orders.loadedCount', { count: rows.length })}</Typography.Text>
            ) : null}
            {orders.hasNextPage ? (
              <Button onClick={() => void orders.fetchNextPage()} loading={orders.isFetchingNextPage} data-testid="orders-load-more">
                {t('common.loadMore')}
              </Button>
            ) : rows.length > 0 ? (
              <Typography.Text type="secondary">{t('common.noMore')}</Typography.Text>
            ) : null}
          </Flex>
        </>
      )}
    </Card>
  );
}
