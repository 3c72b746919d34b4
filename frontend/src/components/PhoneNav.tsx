import type { ReactNode } from 'react';
import { Badge, theme } from 'antd';
import { BellOutlined, InboxOutlined, ProfileOutlined, UserOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { openedFromKey } from '../lib/openedFrom';

/** The bottom navigation's height; the page keeps this much room (plus the safe area) below its content. */
export const PHONE_NAV_HEIGHT = 60;

interface Item {
  key: string;
  to: string;
  icon: ReactNode;
  label: string;
  count?: number;
}

function activeKey(pathname: string, state: unknown): string {
  const from = openedFromKey(pathname, state);
  if (from) return from;
  if (pathname.startsWith('/notifications')) return 'notifications';
  if (pathname.startsWith('/me')) return 'me';
  if (pathname.startsWith('/orders')) return 'orders';
  return 'tasks';
}

/** A phone's bottom navigation: inbox, orders, notifications, me — four big targets in reach of a thumb. */
export function PhoneNav({ tasks, unread }: { tasks: number; unread: number }) {
  const { t } = useTranslation();
  const { pathname, state } = useLocation();
  const { token } = theme.useToken();
  const active = activeKey(pathname, state);
  const items: Item[] = [
    { key: 'tasks', to: '/tasks', icon: <InboxOutlined />, label: t('phone.nav.tasks'), count: tasks },
    { key: 'orders', to: '/orders', icon: <ProfileOutlined />, label: t('phone.nav.orders') },
    { key: 'notifications', to: '/notifications', icon: <BellOutlined />, label: t('phone.nav.notifications'), count: unread },
    { key: 'me', to: '/me', icon: <UserOutlined />, label: t('phone.nav.me') },
  ];
  return (
    <nav
      data-testid="phone-nav"
      aria-label={t('phone.nav.label')}
      style={{
        position: 'fixed',
        insetInline: 0,
        bottom: 0,
        zIndex: 100,
        display: 'flex',
        height: `calc(${PHONE_NAV_HEIGHT}px + env(safe-area-inset-bottom))`,
        paddingBottom: 'env(safe-area-inset-bottom)',
        background: token.colorBgContainer,
        borderTop: `1px solid ${token.colorBorderSecondary}`,
      }}
    >
      {items.map((it) => {
        const on = it.key === active;
        return (
          <Link
            key={it.key}
            to={it.to}
            data-testid={`phone-nav-${it.key}`}
            aria-current={on ? 'page' : undefined}
            style={{
              flex: 1,
              display: 'flex',
              flexDirection: 'column',
              alignItems: 'center',
              justifyContent: 'center',
              gap: 2,
              minWidth: 0,
              color: on ? token.colorPrimary : token.colorTextSecondary,
              fontSize: 12,
            }}
          >
            <Badge count={it.count} size="small" offset={[6, 0]}>
              <span style={{ fontSize: 22, color: on ? token.colorPrimary : token.colorTextSecondary }}>{it.icon}</span>
            </Badge>
            <span style={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', maxWidth: '100%' }}>{it.label}</span>
          </Link>
        );
      })}
    </nav>
  );
}
