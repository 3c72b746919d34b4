import { useState } from 'react';
import { Badge, Button, Drawer, Tooltip } from 'antd';
import { BellOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useMarkRead, useNotifications } from '../api/notifications';
import { NotificationList } from './NotificationList';
import { useLiveStatus } from '../../../lib/live/LiveProvider';
import type { NotificationItem } from '../../../lib/types';

function browserPermission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** The header's bell: unread count, and a drawer of the newest notifications that marks them read. */
export function NotificationBell() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const list = useNotifications();
  const markRead = useMarkRead();
  const live = useLiveStatus();
  const [open, setOpen] = useState(false);
  const [permission, setPermission] = useState(browserPermission);
  const unread = list.data?.unread ?? 0;
  const items = list.data?.items ?? [];

  const openItem = (n: NotificationItem) => {
    if (!n.read_at) markRead.mutate({ ids: [n.id] });
    if (n.order_id) {
      setOpen(false);
      void navigate(`/orders/${n.order_id}`);
    }
  };

  return (
    <>
      <Tooltip title={t(`live.status.${live}`)}>
        <span
          data-testid="live-status"
          data-status={live}
          style={{
            display: 'inline-block',
            width: 8,
            height: 8,
            borderRadius: 4,
            background: live === 'open' ? '#52c41a' : live === 'ended' ? '#ff4d4f' : '#faad14',
          }}
        />
      </Tooltip>
      <Badge count={unread} size="small" offset={[-4, 4]} data-testid="notifications-badge" data-unread={unread}>
        <Button
          type="text"
          icon={<BellOutlined />}
          aria-label={t('notifications.title')}
          onClick={() => setOpen(true)}
          data-testid="notifications-bell"
          data-unread={unread}
        />
      </Badge>
      <Drawer
        open={open}
        onClose={() => setOpen(false)}
        title={t('notifications.title')}
        size={400}
        data-testid="notifications-drawer"
        extra={
          <Button size="small" disabled={!unread} loading={markRead.isPending} onClick={() => markRead.mutate({ all: true })} data-testid="notifications-read-all">
            {t('notifications.markAllRead')}
          </Button>
        }
      >
        {permission === 'default' ? (
          <Button
            block
            style={{ marginBottom: 12 }}
            onClick={() => void Notification.requestPermission().then(setPermission)}
            data-testid="notifications-permission"
          >
            {t('notifications.enableBrowser')}
          </Button>
        ) : null}
        <NotificationList items={items} onOpen={openItem} />
      </Drawer>
    </>
  );
}
