import { useState } from 'react';
import { Alert, Button, Card, Col, Collapse, Descriptions, Empty, Flex, Result, Row, Skeleton, Space, Tag, Typography } from 'antd';
import { ArrowLeftOutlined, ReloadOutlined, TeamOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useOrder } from '../api/getOrder';
import { useOrderHistory } from '../api/getOrderHistory';
import { useFlows } from '../../flows';
import { useMe } from '../../auth';
import { usePermissions } from '../../auth';
import { useDepartmentName } from '../../departments';
import { OrderDataView } from './OrderDataView';
import { HistoryTimeline, TraceList } from './HistoryTimeline';
import { UrgeButton, WithdrawButton } from './SubmitterActions';
import { TaskActionPanel } from '../../tasks';
import { DocumentsCard, LinkedOrdersCard, OrderExceptionAlert, ShippingCard, useFulfilmentLive } from '../../fulfilment';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { StatusTag } from '../../../components/StatusTag';
import { useLang } from '../../../i18n/useLang';
import { isApiError, type TaskChangedReason } from '../../../lib/api';
import { formatDateTime, formatMoney } from '../../../lib/format';
import type { HistoryEntry, Task } from '../../../lib/types';
import { latestTrace, nodeNamesFrom, nodeProgress, returnTargets, type NodeProgress } from '../lib/history';
import { voteOf, type Vote } from '../lib/votes';
import { useIsPhone } from '../../../lib/usePhone';
import { PhoneOrderSummary } from './PhoneOrderSummary';

const CLOSED_TASK_STATUSES = new Set([
  'done', 'completed', 'approved', 'rejected', 'cancelled', 'canceled', 'skipped', 'closed', 'withdrawn', 'expired', 'cc',
]);

export function isOpenTask(task: Task): boolean {
  return task.can_act || !CLOSED_TASK_STATUSES.has(task.status);
}

const EMPTY_HISTORY: HistoryEntry[] = [];

/** "any one approver" / "2 of 3 needed" / "all 3" / "3 in turn", and how many tasks are open. */
function ProgressLine({ p }: { p: NodeProgress }) {
  const { t } = useTranslation();
  let need = '';
  if (p.mode === 'any') need = t('detail.needAny');
  else if (p.mode === 'all' && p.pool) need = t('detail.needAll', { count: p.pool });
  else if (p.mode === 'sequential' && p.pool) need = t('detail.needSequential', { count: p.pool });
  else if (p.need !== undefined && p.pool) need = t('detail.needOf', { need: p.need, pool: p.pool });
  return (
    <Space size={4} wrap data-testid="node-progress" data-node={p.node} data-mode={p.mode ?? ''} data-need={p.need ?? ''} data-pool={p.pool ?? ''}>
      {p.mode ? <Tag color="blue">{t(`taskMode.${p.mode}`, { defaultValue: p.mode })}</Tag> : null}
      {need ? <Typography.Text>{need}</Typography.Text> : null}
      <Typography.Text type="secondary">
        {t('detail.openCount', { count: p.open })}
        {p.waiting ? ` · ${t('detail.waitingCount', { count: p.waiting })}` : ''}
      </Typography.Text>
    </Space>
  );
}

/** Where a countersign, vote or sequence stands: the tally, who approved or rejected, who comes next. */
function VoteLine({ v }: { v: Vote }) {
  const { t } = useTranslation();
  const list = (users: readonly string[]) => users.join(t('common.listSeparator'));
  const lines: { key: string; text: string; type?: 'success' | 'danger' | 'secondary' }[] = [];
  if (v.approved_by.length) lines.push({ key: 'approved', text: t('detail.approvedBy', { users: list(v.approved_by) }), type: 'success' });
  if (v.rejected_by.length) lines.push({ key: 'rejected', text: t('detail.rejectedBy', { users: list(v.rejected_by) }), type: 'danger' });
  if (v.queue.length) lines.push({ key: 'next', text: t('detail.nextUp', { users: list(v.queue) }), type: 'secondary' });
  if (v.after?.length) lines.push({ key: 'after', text: t('detail.signersAfter', { users: list(v.after) }), type: 'secondary' });
  return (
    <Flex vertical gap={2} data-testid="node-vote" data-node={v.node} data-approvals={v.approvals} data-need={v.need} style={{ marginTop: 4 }}>
      <Space size={8} wrap>
        <Typography.Text>{t('detail.votesTally', { approvals: v.approvals, need: v.need })}</Typography.Text>
        {v.rejections ? <Typography.Text type="danger">{t('detail.votesRejections', { count: v.rejections })}</Typography.Text> : null}
      </Space>
      {lines.map((l) => (
        <Typography.Text key={l.key} type={l.type} data-testid={`node-vote-${l.key}`}>
          {l.text}
        </Typography.Text>
      ))}
    </Flex>
  );
}

/** One order: summary, data (read-only form), open tasks with actions, history. */
export function OrderDetailPage() {
  const { t } = useTranslation();
  const { lang, pick } = useLang();
  const { id = '' } = useParams();
  const order = useOrder(id);
  const history = useOrderHistory(id);
  const flows = useFlows();
  const me = useMe();
  const { can } = usePermissions();
  const deptName = useDepartmentName();
  useFulfilmentLive(id);
  const phone = useIsPhone();
  // tasks that changed under the reviewer (a 409 on an action): said here, since their panels go with the reload
  const [changed, setChanged] = useState<{ key: number; node: string; detail?: string; reason?: TaskChangedReason }[]>([]);

  if (order.isPending) {
    return (
      <Card>
        <Skeleton active />
      </Card>
    );
  }
  const o = order.data;
  // a refetch that failed keeps the order shown (react-query keeps its data): only a first load that failed
  // replaces the page — replacing it on every failed refetch threw away what was typed on it
  if (!o) {
    if (isApiError(order.error) && order.error.status === 404) {
      return (
        <Result
          status="404"
          title="404"
          subTitle={order.error.problem.detail || t('error.notFound')}
          extra={<Link to="/orders"><Button>{t('common.back')}</Button></Link>}
        />
      );
    }
    return <ErrorAlert error={order.error} onRetry={() => void order.refetch()} />;
  }

  const username = me.data?.user?.username;
  const isSubmitter = !!username && username === o.submitter;
  const items = history.data?.items ?? EMPTY_HISTORY;
  const tasks = (o.tasks ?? []).filter((tk) => tk.kind !== 'cc');
  const openTasks = tasks.filter(isOpenTask);
  const actionable = openTasks.filter((tk) => tk.can_act && tk.status === 'open');
  const names = nodeNamesFrom(items, tasks);
  const nodeName = (node: string) => pick(names.get(node)) || node;
  const flow = flows.data?.items?.find((f) => f.key === o.flow);
  // my tasks that wait for an added signer or a delegate
  const myWaiting = openTasks.filter((tk) => tk.status === 'waiting' && !!username && tk.assignees.includes(username));
  const waitingFor = (tk: Task) =>
    openTasks
      .filter((x) => x.node === tk.node && x.id !== tk.id && (x.kind === 'delegate' || x.kind === 'before') && x.status === 'open')
      .flatMap((x) => x.assignees);
  // the nodes under way: the order's current nodes, then any other node with an open task
  const nodes = [...(o.current_nodes ?? [])];
  for (const tk of openTasks) if (!nodes.includes(tk.node)) nodes.push(tk.node);
  const why = latestTrace(items);
  const isInReview = o.status === 'in_review' || o.status === 'exception';

  const openTasksCard = (
    <Card title={t('detail.openTasks')}>
      {nodes.length ? (
        <Flex vertical gap={12}>
          {nodes.map((node) => {
            const here = openTasks.filter((tk) => tk.node === node);
            const vote = voteOf(o, node);
            return (
              <div key={node} data-testid="open-node" data-node={node}>
                <Typography.Text strong>{nodeName(node)}</Typography.Text>
                <div>
                  <ProgressLine p={nodeProgress(items, tasks, node)} />
                </div>
                {vote && vote.mode !== 'any' ? <VoteLine v={vote} /> : null}
                {here.length ? (
                  <Flex vertical data-testid="open-tasks" style={{ marginTop: 4 }}>
                    {here.map((tk) => (
                      <Flex
                        key={String(tk.id)}
                        justify="space-between"
                        align="start"
                        gap={8}
                        data-testid="open-task"
                        data-node={tk.node}
                        data-status={tk.status}
                        data-kind={tk.kind ?? 'review'}
                        style={{ padding: '8px 0', borderTop: '1px solid #f0f0f0' }}
                      >
                        <div style={{ minWidth: 0 }}>
                          <Space wrap size={4}>
                            <StatusTag status={tk.status} />
                            {tk.kind && tk.kind !== 'review' ? (
                              <Tag color="purple">{t(`taskKind.${tk.kind}`, { defaultValue: tk.kind })}</Tag>
                            ) : null}
                          </Space>
                          <Typography.Paragraph type="secondary" style={{ margin: '4px 0 0' }}>
                            <TeamOutlined />{' '}
                            {t('common.labelled', {
                              label: t('detail.assignees'),
                              value: tk.assignees?.length ? tk.assignees.join(t('common.listSeparator')) : t('common.none'),
                            })}
                          </Typography.Paragraph>
                          {tk.status === 'waiting' ? (
                            <Typography.Paragraph type="warning" style={{ margin: 0 }}>
                              {waitingFor(tk).length
                                ? t('waiting.waitsFor', { users: waitingFor(tk).join(t('common.listSeparator')) })
                                : t('waiting.waitsForUnknown')}
                            </Typography.Paragraph>
                          ) : null}
                          {tk.comment ? (
                            <Typography.Paragraph style={{ margin: 0 }} data-testid="open-task-comment">
                              {t('common.labelled', { label: t('detail.taskComment'), value: tk.comment })}
                            </Typography.Paragraph>
                          ) : null}
                        </div>
                        {isSubmitter && isInReview ? <UrgeButton task={tk} orderId={id} /> : null}
                      </Flex>
                    ))}
                  </Flex>
                ) : null}
              </div>
            );
          })}
        </Flex>
      ) : (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('detail.noOpenTasks')} />
      )}
      {why ? (
        <Collapse
          size="small"
          ghost
          style={{ marginTop: 8 }}
          data-testid="why-here"
          items={[
            {
              key: 'why',
              label: <span data-testid="why-here-toggle">{t('detail.whyHere')}</span>,
              children: <TraceList trace={why.trace} nodeName={nodeName} />,
            },
          ]}
        />
      ) : null}
    </Card>
  );
  const decision = (
    <>
      {changed.map((c) => (
        <Alert
          key={c.key}
          type="warning"
          showIcon
          closable={{ onClose: () => setChanged((cs) => cs.filter((x) => x.key !== c.key)) }}
          data-testid="task-changed"
          data-reason={c.reason}
          title={t(c.reason ? `action.taskChangedAt.${c.reason}` : 'action.conflictAt', { node: nodeName(c.node) })}
          description={c.detail ? <Typography.Text type="secondary">{c.detail}</Typography.Text> : undefined}
        />
      ))}
      <OrderExceptionAlert order={o} />
      {myWaiting.map((tk) => {
        const users = waitingFor(tk);
        return (
          <Alert
            key={`waiting-${tk.id}`}
            type="info"
            showIcon
            data-testid="task-waiting"
            data-task-id={String(tk.id)}
            title={t('action.panelTitle', { node: nodeName(tk.node) })}
            description={
              users.length
                ? t('waiting.yourTaskWaits', { users: users.join(t('common.listSeparator')) })
                : t('waiting.yourTaskWaitsUnknown')
            }
          />
        );
      })}
      {actionable.map((tk) => (
        <TaskActionPanel
          key={`${tk.id}-${tk.version ?? ''}`}
          task={tk}
          orderId={id}
          username={username}
          canListUsers={can('users.manage')}
          order={o}
          onConflict={(detail, reason) =>
            setChanged((cs) => [...cs.filter((c) => c.node !== tk.node), { key: Date.now(), node: tk.node, detail, reason }])
          }
          returnTargets={history.isSuccess ? returnTargets(items, tk.node).map((n) => ({ node: n, name: nodeName(n) })) : undefined}
        />
      ))}
    </>
  );

  const gap = phone ? 8 : 16;
  // a phone: the decision above the fold (amount, customer, the node, what to check, the action), the order's data,
  // tasks and history folded below it, then the cards (where the desktop has them too, see below)
  const details = phone ? (
    <Collapse
      data-testid="order-details"
      items={[
        {
          key: 'data',
          label: <span data-testid="order-details-data">{t('detail.data')}</span>,
          children: <OrderDataView order={o} />,
        },
        { key: 'tasks', label: t('detail.openTasks'), children: openTasksCard },
        {
          key: 'more',
          label: t('phone.order.more'),
          children: (
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('orders.flow')}>{(flow && pick(flow.name)) || o.flow}</Descriptions.Item>
              <Descriptions.Item label={t('orders.department')}>{deptName(o.department)}</Descriptions.Item>
              <Descriptions.Item label={t('orders.submitter')}>{o.submitter}</Descriptions.Item>
              <Descriptions.Item label={t('orders.createdAt')}>{formatDateTime(o.created_at)}</Descriptions.Item>
            </Descriptions>
          ),
        },
        { key: 'history', label: t('detail.history'), children: <HistoryTimeline orderId={id} nodeName={nodeName} /> },
      ]}
    />
  ) : (
    <Card title={t('detail.data')}>
      <OrderDataView order={o} />
    </Card>
  );

  const header = (
    <Card>
      <Flex justify="space-between" align="center" wrap gap={12}>
        <Space size="middle" wrap>
          <Link to="/orders">
            <Button type="text" icon={<ArrowLeftOutlined />} aria-label={t('common.back')} />
          </Link>
          <Typography.Title level={3} style={{ margin: 0 }} data-testid="order-number">
            {o.number}
          </Typography.Title>
          <StatusTag status={o.status} testId="order-status" />
        </Space>
        <Button icon={<ReloadOutlined />} onClick={() => void order.refetch()} loading={order.isFetching} data-testid="order-refresh">
          {t('common.refresh')}
        </Button>
      </Flex>
      <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} style={{ marginTop: 16 }}>
        <Descriptions.Item label={t('orders.flow')}>
          {(flow && pick(flow.name)) || o.flow}
          <Typography.Text type="secondary" style={{ marginInlineStart: 6 }}>
            {t('newOrder.version', { version: o.version })}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('orders.department')}>{deptName(o.department)}</Descriptions.Item>
        <Descriptions.Item label={t('orders.submitter')}>{o.submitter}</Descriptions.Item>
        <Descriptions.Item label={t('orders.total')}>
          <span data-testid="order-total" data-value={o.total ?? ''}>
            {formatMoney(o.total, lang)}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('orders.createdAt')}>{formatDateTime(o.created_at)}</Descriptions.Item>
        <Descriptions.Item label={t('orders.updatedAt')}>{formatDateTime(o.updated_at)}</Descriptions.Item>
        {o.current_nodes?.length ? (
          <Descriptions.Item label={t('orders.currentNodes')}>
            <span data-testid="order-current-nodes" data-nodes={o.current_nodes.join(',')}>
              {o.current_nodes.map((n) => (
                <Tag key={n}>{nodeName(n)}</Tag>
              ))}
            </span>
          </Descriptions.Item>
        ) : null}
      </Descriptions>
      {isSubmitter ? <WithdrawButton order={o} orderId={id} /> : null}
    </Card>
  );

  // One tree for both widths, as the shell has: the decision, the shipping card and the side cards keep their
  // place when the window crosses the phone width (a rotated tablet, a resized window, a full-page screenshot
  // shrinking it for a moment), so what was typed in them stays. Only the read-only parts change.
  return (
    <Flex vertical gap={gap} data-testid={phone ? 'order-phone' : undefined}>
      {order.isError ? <ErrorAlert error={order.error} onRetry={() => void order.refetch()} /> : null}
      {phone ? <PhoneOrderSummary order={o} nodeName={nodeName} /> : header}
      {phone && isSubmitter ? <WithdrawButton order={o} orderId={id} /> : null}
      <Row gutter={phone ? [0, gap] : [16, 16]}>
        <Col xs={24} xl={15}>
          <Flex vertical gap={gap}>
            {decision}
            {details}
            <ShippingCard order={o} />
          </Flex>
        </Col>
        <Col xs={24} xl={9}>
          <Flex vertical gap={gap}>
            {phone ? null : openTasksCard}
            <LinkedOrdersCard order={o} />
            <DocumentsCard order={o} />
            {phone ? null : (
              <Card title={t('detail.history')}>
                <HistoryTimeline orderId={id} nodeName={nodeName} />
              </Card>
            )}
          </Flex>
        </Col>
      </Row>
    </Flex>
  );
}
