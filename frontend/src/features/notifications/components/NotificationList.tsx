import { Badge, Empty, Flex, List, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { notificationText } from '../lib/text';
import { formatDateTime } from '../../../lib/format';
import type { NotificationItem } from '../../../lib/types';

const TYPE_COLORS: Record<string, string> = { mention: 'blue', reminder: 'gold', escalation: 'red' };

/** The newest notifications, unread ones marked; a click opens one (the bell's drawer and the phone's page). */
export function NotificationList({ items, onOpen }: { items: NotificationItem[]; onOpen: (n: NotificationItem) => void }) {
  const { t } = useTranslation();
  if (!items.length) return <Empty description={t('notifications.empty')} />;
  return (
    <List
      dataSource={items}
      renderItem={(n) => {
        const { title, body } = notificationText(t, n);
        return (
          <List.Item
            key={n.id}
            data-testid="notification-item"
            data-id={n.id}
            data-read={n.read_at ? 'true' : 'false'}
            style={{ cursor: 'pointer', background: n.read_at ? undefined : '#f0f7ff', paddingInline: 8 }}
            onClick={() => onOpen(n)}
          >
            <Flex vertical gap={2} style={{ width: '100%', minWidth: 0 }}>
              <Space size={6} wrap>
                {!n.read_at ? <Badge status="processing" /> : null}
                <Tag color={TYPE_COLORS[n.type]}>{t(`notifications.type.${n.type}`, { defaultValue: n.type })}</Tag>
                <Typography.Text strong>{title}</Typography.Text>
              </Space>
              <Typography.Text style={{ overflowWrap: 'anywhere' }}>{body}</Typography.Text>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {formatDateTime(n.created_at)}
              </Typography.Text>
            </Flex>
          </List.Item>
        );
      }}
    />
  );
}
