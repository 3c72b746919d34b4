import { Button, Card, Flex, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useMarkRead, useNotifications } from '../api/notifications';
import { NotificationList } from './NotificationList';
import { ErrorAlert } from '../../../components/ErrorAlert';
import type { NotificationItem } from '../../../lib/types';
import { openedFrom } from '../../../lib/openedFrom';

/** The notifications as a page (the phone's bottom navigation opens it; the desktop has the bell's drawer). */
export function NotificationsPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const list = useNotifications();
  const markRead = useMarkRead();
  const unread = list.data?.unread ?? 0;
  const open = (n: NotificationItem) => {
    if (!n.read_at) markRead.mutate({ ids: [n.id] });
    if (n.order_id) void navigate(`/orders/${n.order_id}`, { state: openedFrom('notifications') });
  };
  return (
    <Card loading={list.isPending}>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        <Typography.Title level={4} style={{ margin: 0 }} data-testid="page-title">
          {t('notifications.title')}
        </Typography.Title>
        <Button disabled={!unread} loading={markRead.isPending} onClick={() => markRead.mutate({ all: true })} data-testid="notifications-read-all">
          {t('notifications.markAllRead')}
        </Button>
      </Flex>
      {list.isError ? <ErrorAlert error={list.error} onRetry={() => void list.refetch()} /> : <NotificationList items={list.data?.items ?? []} onOpen={open} />}
    </Card>
  );
}
