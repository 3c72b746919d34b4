import { Button, Card, Col, Descriptions, Empty, Flex, List, Result, Row, Skeleton, Space, Tag, Typography } from 'antd';
import { ArrowLeftOutlined, ReloadOutlined, TeamOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useOrder } from '../api/getOrder';
import { useFlows } from '../../flows/api/listFlows';
import { useDepartmentName } from '../../departments/api/listDepartments';
import { OrderDataView } from './OrderDataView';
import { HistoryTimeline } from './HistoryTimeline';
import { TaskActionPanel } from '../../tasks/components/TaskActionPanel';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { StatusTag } from '../../../components/StatusTag';
import { useLang } from '../../../i18n/useLang';
import { isApiError } from '../../../lib/api';
import { formatDateTime, formatMoney } from '../../../lib/format';
import type { Task } from '../../../lib/types';

const CLOSED_TASK_STATUSES = new Set([
  'done', 'completed', 'approved', 'rejected', 'cancelled', 'canceled', 'skipped', 'closed', 'withdrawn', 'expired',
]);

export function isOpenTask(task: Task): boolean {
  return task.can_act || !CLOSED_TASK_STATUSES.has(task.status);
}

/** One order: summary, data (read-only form), open tasks with actions, history. */
export function OrderDetailPage() {
  const { t } = useTranslation();
  const { lang, pick } = useLang();
  const { id = '' } = useParams();
  const order = useOrder(id);
  const flows = useFlows();
  const deptName = useDepartmentName();

  if (order.isPending) {
    return (
      <Card>
        <Skeleton active />
      </Card>
    );
  }
  if (order.isError) {
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

  const o = order.data;
  const tasks = o.tasks ?? [];
  const openTasks = tasks.filter(isOpenTask);
  const actionable = openTasks.filter((tk) => tk.can_act);
  const nodeNames = new Map<string, string>();
  for (const tk of tasks) nodeNames.set(tk.node, pick(tk.node_name) || tk.node);
  const nodeName = (node: string) => nodeNames.get(node) ?? node;
  const flow = flows.data?.items?.find((f) => f.key === o.flow);

  return (
    <Flex vertical gap={16}>
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
              {o.current_nodes.map((n) => (
                <Tag key={n}>{nodeName(n)}</Tag>
              ))}
            </Descriptions.Item>
          ) : null}
        </Descriptions>
      </Card>

      <Row gutter={[16, 16]}>
        <Col xs={24} xl={15}>
          <Flex vertical gap={16}>
            {actionable.map((tk) => (
              <TaskActionPanel key={`${tk.id}-${tk.version ?? ''}`} task={tk} orderId={id} />
            ))}
            <Card title={t('detail.data')}>
              <OrderDataView order={o} />
            </Card>
          </Flex>
        </Col>
        <Col xs={24} xl={9}>
          <Flex vertical gap={16}>
            <Card title={t('detail.openTasks')}>
              {openTasks.length ? (
                <List
                  data-testid="open-tasks"
                  dataSource={openTasks}
                  renderItem={(tk) => (
                    <List.Item data-testid="open-task" data-node={tk.node} key={String(tk.id)}>
                      <List.Item.Meta
                        title={
                          <Space wrap>
                            <span>{pick(tk.node_name) || tk.node}</span>
                            <StatusTag status={tk.status} />
                            {tk.mode ? <Tag>{t(`taskMode.${tk.mode}`, { defaultValue: tk.mode })}</Tag> : null}
                          </Space>
                        }
                        description={
                          <span>
                            <TeamOutlined />{' '}
                            {t('common.labelled', {
                              label: t('detail.assignees'),
                              value: tk.assignees?.length ? tk.assignees.join(t('common.listSeparator')) : t('common.none'),
                            })}
                          </span>
                        }
                      />
                    </List.Item>
                  )}
                />
              ) : (
                <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('detail.noOpenTasks')} />
              )}
            </Card>
            <Card title={t('detail.history')}>
              <HistoryTimeline orderId={id} nodeName={nodeName} />
            </Card>
          </Flex>
        </Col>
      </Row>
    </Flex>
  );
}
