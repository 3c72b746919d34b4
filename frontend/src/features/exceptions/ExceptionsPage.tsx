import { useMemo, useState } from 'react';
import { Button, Card, Flex, Select, Table, Tag, Typography } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import type { ColumnsType } from 'antd/es/table';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { useMe } from '../auth';
import { usePermissions } from '../auth';
import { useFlows } from '../flows';
import { useDepartments, useDepartmentName } from '../departments';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useLang } from '../../i18n/useLang';
import { useLiveTopics } from '../../lib/live/LiveProvider';
import { formatDateTime } from '../../lib/format';
import { EXCEPTION_REASONS, useExceptions, type OrderException } from './api';
import { reasonColor } from './lib';
import { DeadlineCountdown } from './DeadlineCountdown';
import { ResolveDrawer } from './ResolveDrawer';

/**
 * Watches the topics whose events announce exceptions the user may see: their departments (and admin).
 * The shell's live bridge refetches the list on those events and when a topic becomes live.
 */
export function useExceptionLive() {
  const me = useMe();
  const { can } = usePermissions();
  const topics = (me.data?.memberships ?? []).map((m) => `department:${m.department}`);
  if (can('users.manage')) topics.push('admin'); // the admin topic is for user managers
  useLiveTopics(topics);
}

/** The exception inbox: open (or resolved) exceptions by reason, department and flow; a drawer resolves one. */
export function ExceptionsPage() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const [params, setParams] = useSearchParams();
  const { can } = usePermissions();
  const flows = useFlows();
  const departments = useDepartments();
  const deptName = useDepartmentName();
  const filters = {
    status: params.get('status') ?? 'open',
    reason: params.get('reason') ?? '',
    department: params.get('department') ?? '',
    flow: params.get('flow') ?? '',
  };
  const list = useExceptions(filters);
  const [selected, setSelected] = useState<OrderException | null>(null);
  useExceptionLive();

  const setFilter = (key: keyof typeof filters | 'open', value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const flowNames = useMemo(() => new Map((flows.data?.items ?? []).map((f) => [f.key, pick(f.name)])), [flows.data, pick]);
  const rows = list.data?.items ?? [];
  // keep the drawer on the fresh copy of the exception after a live refresh
  // ?open=<exception id> (the order page's link) opens that exception's drawer
  const openId = Number(params.get('open') ?? 0);
  const linked = !selected && openId ? rows.find((r) => r.id === openId) : undefined;
  const shown = selected ?? linked ?? null;
  const current = shown ? (rows.find((r) => r.id === shown.id) ?? shown) : null;
  const close = () => {
    setSelected(null);
    if (openId) setFilter('open', undefined);
  };

  const columns: ColumnsType<OrderException> = [
    {
      title: t('ops.exceptions.order'),
      key: 'order',
      render: (_, r) => (
        <Link to={`/orders/${r.order_id}`} data-testid="exception-order-link">
          {r.order_number ?? r.order_id}
        </Link>
      ),
    },
    {
      title: t('ops.exceptions.reason'),
      key: 'reason',
      render: (_, r) => (
        <Tag color={reasonColor(r.reason)} data-testid="exception-reason" data-reason={r.reason}>
          {t(`ops.reason.${r.reason}`, { defaultValue: r.reason })}
        </Tag>
      ),
    },
    {
      title: t('ops.exceptions.message'),
      key: 'message',
      render: (_, r) => (
        <Typography.Text ellipsis={{ tooltip: r.message }} style={{ maxWidth: 320 }}>
          {r.message}
        </Typography.Text>
      ),
    },
    { title: t('ops.exceptions.node'), key: 'node', render: (_, r) => pick(r.node_name) || r.node },
    { title: t('orders.flow'), key: 'flow', render: (_, r) => (r.flow ? flowNames.get(r.flow) || r.flow : '—') },
    { title: t('orders.department'), key: 'department', render: (_, r) => deptName(r.department) },
    { title: t('ops.exceptions.owners'), key: 'owners', render: (_, r) => r.owner || r.owners.join(t('common.listSeparator')) || '—' },
    {
      title: t('ops.exceptions.deadline'),
      key: 'deadline',
      render: (_, r) => (r.status === 'open' ? <DeadlineCountdown deadline={r.deadline} overdue={r.overdue} /> : formatDateTime(r.resolved_at)),
    },
    {
      title: '',
      key: 'act',
      render: (_, r) => (
        <Button size="small" type={r.can_resolve && r.status === 'open' ? 'primary' : 'default'} onClick={() => setSelected(r)} data-testid="exception-resolve">
          {r.can_resolve && r.status === 'open' ? t('ops.exceptions.resolve') : t('common.open')}
        </Button>
      ),
    },
  ];

  return (
    <Card>
      <Flex justify="space-between" align="center" wrap gap={12} style={{ marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">
          {t('ops.exceptions.title')}
        </Typography.Title>
        <Button icon={<ReloadOutlined />} onClick={() => void list.refetch()} loading={list.isFetching}>
          {t('common.refresh')}
        </Button>
      </Flex>
      <Flex gap={12} wrap style={{ marginBottom: 16 }}>
        <Select
          style={{ width: 140 }}
          value={filters.status}
          onChange={(v) => setFilter('status', v)}
          data-testid="exceptions-status-filter"
          options={[
            { value: 'open', label: t('ops.exceptions.statusOpen') },
            { value: 'resolved', label: t('ops.exceptions.statusResolved') },
          ]}
        />
        <Select
          style={{ width: 160 }}
          allowClear
          placeholder={t('ops.exceptions.allReasons')}
          value={filters.reason || undefined}
          onChange={(v) => setFilter('reason', v)}
          data-testid="exceptions-reason-filter"
          options={EXCEPTION_REASONS.map((r) => ({ value: r, label: t(`ops.reason.${r}`) }))}
        />
        <Select
          style={{ width: 180 }}
          allowClear
          placeholder={t('ops.exceptions.allDepartments')}
          value={filters.department || undefined}
          onChange={(v) => setFilter('department', v)}
          options={(departments.data?.items ?? []).map((d) => ({ value: d.key, label: pick(d.name) || d.key }))}
        />
        <Select
          style={{ width: 200 }}
          allowClear
          placeholder={t('ops.exceptions.allFlows')}
          value={filters.flow || undefined}
          onChange={(v) => setFilter('flow', v)}
          options={(flows.data?.items ?? []).map((f) => ({ value: f.key, label: pick(f.name) || f.key }))}
        />
      </Flex>
      {list.isError ? (
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <Table<OrderException>
          rowKey="id"
          columns={columns}
          dataSource={rows}
          loading={list.isPending}
          pagination={false}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: t('ops.exceptions.empty') }}
          onRow={(r) =>
            ({ 'data-testid': 'exception-row', 'data-order-number': r.order_number ?? '', 'data-status': r.status }) as React.HTMLAttributes<HTMLElement>
          }
        />
      )}
      {current ? <ResolveDrawer exception={current} open onClose={close} canListUsers={can('users.manage')} /> : null}
    </Card>
  );
}
