import { useState } from 'react';
import { Alert, App, Button, Flex, Popconfirm, Typography } from 'antd';
import { BellOutlined, RollbackOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useActOnTask } from '../../tasks';
import { isApiError } from '../../../lib/api';
import { formatWait } from '../../../lib/format';
import type { Order, Task } from '../../../lib/types';

const WITHDRAWABLE = new Set(['in_review', 'exception']);

/** The task a submitter's order-level action goes through: any open or waiting one. */
export function submitterTask(order: Order): Task | undefined {
  return (order.tasks ?? []).find((t) => t.kind !== 'cc' && (t.status === 'open' || t.status === 'waiting'));
}

/** Withdraw (the submitter): a 409 when a reviewer already acted, with the server's words. */
export function WithdrawButton({ order, orderId }: { order: Order; orderId: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const act = useActOnTask(orderId);
  const task = submitterTask(order);
  if (!task || !WITHDRAWABLE.has(String(order.status))) return null;

  const withdraw = () =>
    act.mutate(
      { taskId: task.id, body: { action: 'withdraw' } },
      { onSuccess: () => message.success(t('submitter.withdrawn')) },
    );

  const err = act.error;
  return (
    <Flex vertical gap={8} style={{ marginTop: 12 }}>
      <div>
        <Popconfirm
          title={t('submitter.withdrawConfirm')}
          okText={t('submitter.withdrawOk')}
          cancelText={t('common.cancel')}
          okButtonProps={{ danger: true, ...({ 'data-testid': 'order-withdraw-confirm' } as object) }}
          onConfirm={withdraw}
        >
          <Button danger icon={<RollbackOutlined />} loading={act.isPending} data-testid="order-withdraw">
            {t('submitter.withdraw')}
          </Button>
        </Popconfirm>
      </div>
      {err ? (
        <Alert
          type={isApiError(err) && err.status === 409 ? 'warning' : 'error'}
          showIcon
          closable={{ onClose: () => act.reset() }}
          title={t('submitter.withdrawRefused')}
          description={<span data-testid="withdraw-error-detail">{isApiError(err) ? err.detail || err.message : String((err as Error).message ?? err)}</span>}
          data-testid="withdraw-error"
          data-status={isApiError(err) ? err.status : ''}
        />
      ) : null}
    </Flex>
  );
}

/** Urge one task's assignees (the submitter); a 429 says when to try again. */
export function UrgeButton({ task, orderId }: { task: Task; orderId: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const act = useActOnTask(orderId);
  const [wait, setWait] = useState<string | undefined>();

  const urge = () => {
    setWait(undefined);
    act.mutate(
      { taskId: task.id, body: { action: 'urge' } },
      {
        onSuccess: () => message.success(t('submitter.urged', { users: task.assignees.join(t('common.listSeparator')) })),
        onError: (e) => {
          if (isApiError(e) && e.status === 429) {
            const text = e.retryAfter !== undefined ? t('submitter.urgeTooSoon', { wait: formatWait(e.retryAfter, t) }) : t('submitter.urgeTooSoonNoWait');
            setWait(text);
            message.warning(text);
          } else {
            message.error(isApiError(e) ? e.detail || e.message : t('common.unknownError'));
          }
        },
      },
    );
  };

  return (
    <Flex vertical align="end" gap={2}>
      <Button size="small" icon={<BellOutlined />} onClick={urge} loading={act.isPending} data-testid="task-urge" data-task-id={String(task.id)}>
        {t('submitter.urge')}
      </Button>
      {wait ? (
        <Typography.Text type="warning" style={{ fontSize: 12 }} data-testid="urge-wait">
          {wait}
        </Typography.Text>
      ) : null}
    </Flex>
  );
}
