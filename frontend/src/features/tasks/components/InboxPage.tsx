import { useState } from 'react';
import { Button, Card, Empty, Flex, Space, Table, Tabs, Tag, Typography } from 'antd';
import { CheckOutlined, ReloadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { ColumnsType } from 'antd/es/table';
import { useTasks } from '../api/listTasks';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { StatusTag } from '../../../components/StatusTag';
import { useLang } from '../../../i18n/useLang';
import { formatDateTime, formatMoney } from '../../../lib/format';
import type { TaskListItem, TaskScope } from '../../../lib/types';
import { useDepartmentName } from '../../departments';
import { BatchApproveModal } from './BatchApproveModal';
import { useLiveTopics } from '../../../lib/live/LiveProvider';
import { SlaTag, useNow } from '../../boards';
import { useIsPhone } from '../../../lib/usePhone';
import { openedFrom } from '../../../lib/openedFrom';

/** One task as a phone's card: the whole card is the touch target that opens the order. */
function TaskCard({ r, scope, now }: { r: TaskListItem; scope: TaskScope; now: number }) {
  const { t } = useTranslation();
  const { lang, pick } = useLang();
  return (
    <Link
      to={`/orders/${r.order.id}`}
      state={openedFrom('tasks')}
      data-testid="task-row"
      data-order-number={r.order.number}
      style={{ display: 'block', color: 'inherit' }}
    >
      <Card size="small" hoverable styles={{ body: { padding: 14, minHeight: 88 } }}>
        <Flex justify="space-between" align="start" gap={8}>
          <div style={{ minWidth: 0, flex: 1 }}>
            <Typography.Text strong ellipsis style={{ display: 'block', fontSize: 16 }} data-testid="task-customer">
              {r.order.customer || '—'}
            </Typography.Text>
            <Typography.Text type="secondary" data-testid={`task-open-${r.order.number}`}>
              {r.order.number}
            </Typography.Text>
          </div>
          <Typography.Text strong style={{ fontSize: 17, whiteSpace: 'nowrap' }} data-testid="task-total" data-value={r.order.total}>
            {formatMoney(r.order.total, lang)}
          </Typography.Text>
        </Flex>
        <Flex justify="space-between" align="center" gap={8} wrap style={{ marginTop: 8 }}>
          <Tag color="blue" style={{ marginInlineEnd: 0, maxWidth: '100%', overflow: 'hidden', textOverflow: 'ellipsis' }}>
            {pick(r.node_name) || r.node || pick(r.order.flow_name) || r.order.flow}
          </Tag>
          {scope === 'mine' ? (
            r.due ? (
              <span data-testid="task-due" data-due={r.due}>
                <SlaTag due={r.due} now={now} />
              </span>
            ) : (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('tasks.noDue')}
              </Typography.Text>
            )
          ) : (
            <StatusTag status={scope === 'initiated' ? r.order.status : r.status} />
          )}
        </Flex>
      </Card>
    </Link>
  );
}

const SCOPES: TaskScope[] = ['mine', 'cc', 'done', 'initiated'];

function TaskTable({ scope }: { scope: TaskScope }) {
  const { t } = useTranslation();
  const { lang, pick } = useLang();
  const navigate = useNavigate();
  const tasks = useTasks(scope);
  const deptName = useDepartmentName();
  const now = useNow(scope === 'mine' ? 1000 : 60_000);
  const [selected, setSelected] = useState<React.Key[]>([]);
  const [batchOpen, setBatchOpen] = useState(false);
  const phone = useIsPhone();
  const batchable = scope === 'mine' && !phone;
  const rowKey = (r: TaskListItem) => `${r.id}-${r.order.id}-${r.node}`;
  const items = tasks.data?.pages.flatMap((p) => p.items) ?? [];
  const selectedTasks = items.filter((r) => selected.includes(rowKey(r)));
  // a task another assignee decides, or an order that moves on, leaves the list without a reload
  useLiveTopics(items.map((r) => `order:${r.order.id}`));

  const columns: ColumnsType<TaskListItem> = [
    {
      title: t('tasks.orderNumber'),
      key: 'number',
      render: (_, r) => (
        <Link to={`/orders/${r.order.id}`} state={openedFrom('tasks')} data-testid={`task-open-${r.order.number}`}>
          {r.order.number}
        </Link>
      ),
    },
    {
      title: t('tasks.customer'),
      key: 'customer',
      render: (_, r) => <span data-testid="task-customer">{r.order.customer || '—'}</span>,
    },
    {
      title: t('tasks.total'),
      key: 'total',
      align: 'right',
      render: (_, r) => <span data-testid="task-total" data-value={r.order.total}>{formatMoney(r.order.total, lang)}</span>,
    },
    { title: t('tasks.flow'), key: 'flow', render: (_, r) => pick(r.order.flow_name) || r.order.flow },
    { title: t('tasks.node'), key: 'node', render: (_, r) => pick(r.node_name) || r.node || '—' },
    {
      title: t('tasks.due'),
      key: 'due',
      render: (_, r) =>
        r.due ? (
          <span data-testid="task-due" data-due={r.due}>
            <SlaTag due={r.due} now={now} />
          </span>
        ) : (
          <Typography.Text type="secondary" data-testid="task-due" data-due="">
            {t('tasks.noDue')}
          </Typography.Text>
        ),
    },
    {
      title: t('tasks.taskStatus'),
      key: 'status',
      render: (_, r) => (
        <>
          <StatusTag status={r.status} />
          {r.decision ? (
            <Tag color={r.decision === 'reject' ? 'red' : r.decision === 'approve' ? 'green' : 'default'}>
              {t(`action.${r.decision}`, { defaultValue: r.decision })}
            </Tag>
          ) : null}
        </>
      ),
    },
    { title: t('tasks.orderStatus'), key: 'orderStatus', render: (_, r) => <StatusTag status={r.order.status} /> },
    { title: t('tasks.submitter'), key: 'submitter', render: (_, r) => r.order.submitter },
    { title: t('tasks.department'), key: 'department', render: (_, r) => deptName(r.order.department) },
    { title: t('tasks.createdAt'), key: 'created', render: (_, r) => formatDateTime(r.created_at) },
  ];

  // `initiated` lines carry the order's status in place of a task's
  // the time left matters only while a task is open
  const shown = columns.filter((c) => !(scope === 'initiated' && c.key === 'status') && !(scope !== 'mine' && c.key === 'due'));
  const emptyText = scope === 'cc' ? t('tasks.emptyCc') : t('tasks.empty');

  if (tasks.isError) return <ErrorAlert error={tasks.error} onRetry={() => void tasks.refetch()} />;

  if (phone) {
    // a phone: cards, one tap opens the order (no swipes, no table to scroll sideways)
    return (
      <Flex vertical gap={8} data-testid="task-cards">
        {tasks.isPending ? <Card loading /> : null}
        {!tasks.isPending && !items.length ? <Empty description={emptyText} /> : null}
        {items.map((r) => (
          <TaskCard key={rowKey(r)} r={r} scope={scope} now={now} />
        ))}
        {tasks.hasNextPage ? (
          <Button size="large" block onClick={() => void tasks.fetchNextPage()} loading={tasks.isFetchingNextPage} data-testid="tasks-load-more">
            {t('common.loadMore')}
          </Button>
        ) : null}
      </Flex>
    );
  }

  return (
    <>
      <Flex justify={batchable ? 'space-between' : 'flex-end'} align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        {batchable ? (
          <Space wrap>
            <Button
              type="primary"
              icon={<CheckOutlined />}
              disabled={!selectedTasks.length}
              onClick={() => setBatchOpen(true)}
              data-testid="tasks-batch-approve"
            >
              {t('tasks.batchApprove')}
            </Button>
            {selectedTasks.length ? (
              <Typography.Text type="secondary" data-testid="tasks-selected-count">
                {t('tasks.selectedCount', { count: selectedTasks.length })}
              </Typography.Text>
            ) : null}
          </Space>
        ) : null}
        <Button icon={<ReloadOutlined />} onClick={() => void tasks.refetch()} loading={tasks.isFetching} data-testid="tasks-refresh">
          {t('common.refresh')}
        </Button>
      </Flex>
      {batchable ? (
        <BatchApproveModal
          open={batchOpen}
          tasks={selectedTasks}
          onClose={(done) => {
            setBatchOpen(false);
            if (done) setSelected([]);
          }}
        />
      ) : null}
      <Table<TaskListItem>
        // `initiated` lines all have task id 0: key by order too
        rowKey={rowKey}
        columns={shown}
        dataSource={items}
        loading={tasks.isPending}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText }}
        rowSelection={
          batchable
            ? {
                selectedRowKeys: selected,
                onChange: (keys) => setSelected(keys),
                getCheckboxProps: (r) => ({ 'data-testid': `task-select-${r.order.number}` }) as never,
              }
            : undefined
        }
        onRow={(r) => ({
          'data-testid': 'task-row',
          'data-order-number': r.order.number,
          style: { cursor: 'pointer' },
          onClick: (e) => {
            // links and the selection box do their own thing
            if ((e.target as HTMLElement).closest('a, .ant-table-selection-column, .ant-checkbox-wrapper')) return;
            navigate(`/orders/${r.order.id}`, { state: openedFrom('tasks') });
          },
        }) as React.HTMLAttributes<HTMLElement>}
        scroll={{ x: 'max-content' }}
      />
      {tasks.hasNextPage ? (
        <Flex justify="center" style={{ marginTop: 16 }}>
          <Button onClick={() => void tasks.fetchNextPage()} loading={tasks.isFetchingNextPage} data-testid="tasks-load-more">
            {t('common.loadMore')}
          </Button>
        </Flex>
      ) : null}
    </>
  );
}

/** My tasks: what waits for me, what I did, what I started. */
export function InboxPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const scope = (SCOPES as string[]).includes(params.get('scope') ?? '') ? (params.get('scope') as TaskScope) : 'mine';
  const labels: Record<TaskScope, string> = {
    mine: t('tasks.tabMine'),
    cc: t('tasks.tabCc'),
    done: t('tasks.tabDone'),
    initiated: t('tasks.tabInitiated'),
  };

  const phone = useIsPhone();
  return (
    <Card styles={phone ? { body: { padding: 12 } } : undefined}>
      <Typography.Title level={phone ? 4 : 3} style={{ marginTop: 0 }} data-testid="page-title">
        {t('tasks.title')}
      </Typography.Title>
      <Tabs
        activeKey={scope}
        onChange={(k) => setParams(k === 'mine' ? {} : { scope: k }, { replace: true })}
        destroyOnHidden
        items={SCOPES.map((s) => ({
          key: s,
          label: <span data-testid={`inbox-tab-${s}`}>{labels[s]}</span>,
          children: <TaskTable scope={s} />,
        }))}
      />
    </Card>
  );
}
