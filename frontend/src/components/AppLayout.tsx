import { useEffect, useState } from 'react';
import { Avatar, Badge, Button, Dropdown, Flex, Layout, Menu, Spin, Typography, theme } from 'antd';
import { ApartmentOutlined, BarChartOutlined, DashboardOutlined, FileAddOutlined, InboxOutlined, LogoutOutlined, ProfileOutlined, ProjectOutlined, UserOutlined } from '@ant-design/icons';
import { BellOutlined, FormOutlined, HistoryOutlined, TeamOutlined } from '@ant-design/icons';
import { DatabaseOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { LanguageSwitcher } from './LanguageSwitcher';
import { ErrorAlert } from './ErrorAlert';
import { saveMyLanguage, useMe } from '../features/auth';
import { usePermissions } from '../features/auth';
import { useLogout } from '../features/auth';
import { isApiError } from '../lib/api';
import { changeLanguage, hasStoredLanguage } from '../i18n';
import { matchLanguage } from '../i18n/languages';
import { LiveProvider } from '../lib/live/LiveProvider';
import { LiveBridge } from '../features/notifications';
import { NotificationBell } from '../features/notifications';
import { useNotifications } from '../features/notifications';
import { useIsPhone } from '../lib/usePhone';
import { PhoneNav, PHONE_NAV_HEIGHT } from './PhoneNav';
import { openedFromKey } from '../lib/openedFrom';
import { useTasks } from '../features/tasks';
import { opsMenuItems, opsMenuKey } from '../features/opsadmin';

const { Header, Sider, Content } = Layout;

function selectedMenuKey(pathname: string, state: unknown): string {
  // an order opened from the inbox belongs to the inbox (the desktop has no notifications entry)
  if (openedFromKey(pathname, state) === 'tasks') return 'tasks';
  const ops = opsMenuKey(pathname);
  if (ops) return ops;
  if (pathname.startsWith('/designer/forms')) return 'forms';
  if (pathname.startsWith('/designer/roles')) return 'roles';
  if (pathname.startsWith('/designer/reminders')) return 'reminders';
  if (pathname.startsWith('/designer/versions')) return 'versions';
  if (pathname.startsWith('/designer')) return 'designer';
  if (pathname.startsWith('/admin/status')) return 'adminStatus';
  if (pathname.startsWith('/admin/departments')) return 'departments';
  if (pathname.startsWith('/dashboards')) return 'dashboards';
  if (pathname.startsWith('/stock')) return 'stock';
  if (pathname.startsWith('/orders/new')) return 'new';
  if (pathname.startsWith('/boards')) return 'boards';
  if (pathname.startsWith('/orders')) return 'orders';
  return 'tasks';
}

/** My open tasks, as a count next to the menu entry (kept fresh by live events). */
function TasksCount() {
  const mine = useTasks('mine');
  // the first page (up to 200) is enough for the badge, which shows 99+ beyond 99
  const n = mine.data?.pages[0]?.items?.length ?? 0;
  return (
    <Badge
      count={n}
      size="small"
      offset={[6, -2]}
      style={{ boxShadow: 'none' }}
      data-testid="nav-tasks-count"
      data-count={mine.data ? n : ''}
    />
  );
}

/** The bottom navigation with my open tasks and unread notifications counted (both kept fresh by live events). */
function PhoneNavCounted() {
  const mine = useTasks('mine');
  const notes = useNotifications();
  return <PhoneNav tasks={mine.data?.pages[0]?.items?.length ?? 0} unread={notes.data?.unread ?? 0} />;
}

/** The signed-in shell: side menu (my tasks / orders / new order / boards), header with live status, notifications, language and user menu. */
export function AppLayout() {
  const { t } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  const me = useMe();
  const { can, canAny } = usePermissions();
  const logout = useLogout();
  const [collapsed, setCollapsed] = useState(false);
  const { token } = theme.useToken();
  const phone = useIsPhone();

  // the user's own language (else their account's locale) applies until they pick a language on this browser
  const userLocale = me.data?.user.language || me.data?.user.locale;
  useEffect(() => {
    const lang = matchLanguage(userLocale);
    if (lang && !hasStoredLanguage()) void changeLanguage(lang, false);
  }, [userLocale]);

  if (me.isPending) {
    return (
      <Flex align="center" justify="center" style={{ minHeight: '100vh' }}>
        <Spin size="large" />
      </Flex>
    );
  }
  if (me.isError && isApiError(me.error) && me.error.status === 401) {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  // a refetch that failed (a live reset refetches everything) keeps the shell and the page with what was typed
  // on it: only a first load that failed shows the error instead
  if (!me.data) {
    return (
      <Flex align="center" justify="center" style={{ minHeight: '100vh', padding: 24 }}>
        <ErrorAlert error={me.error} onRetry={() => void me.refetch()} />
      </Flex>
    );
  }

  const user = me.data.user;
  const doLogout = () => {
    logout.mutate(undefined, { onSettled: () => navigate('/login', { replace: true }) });
  };

  // One tree for both shells: only the parts around the page change with the width, so the page
  // (the Outlet) stays mounted — and keeps what was typed — when a window crosses the phone breakpoint.
  const sider = phone ? null : (
    <Sider collapsible collapsed={collapsed} onCollapse={setCollapsed} breakpoint="lg" width={208}>
      <Link to="/tasks" style={{ display: 'flex', alignItems: 'center', gap: 10, padding: '16px 20px', color: '#fff' }}>
        <img src="/favicon.svg" alt="" width={28} height={28} />
        {!collapsed && (
          <span>
            <Typography.Title level={4} style={{ color: '#fff', margin: 0, whiteSpace: 'nowrap', lineHeight: 1.2 }}>
              {t('app.name')}
            </Typography.Title>
            <Typography.Text style={{ color: 'rgba(255,255,255,0.65)', fontSize: 12, whiteSpace: 'nowrap' }}>
              {t('app.subtitle')}
            </Typography.Text>
          </span>
        )}
      </Link>
      <Menu
        theme="dark"
        mode="inline"
        selectedKeys={[selectedMenuKey(location.pathname, location.state)]}
        items={[
          {
            key: 'tasks',
            icon: <InboxOutlined />,
            label: (
              <Link to="/tasks" data-testid="nav-tasks">
                {t('nav.tasks')}
                <TasksCount />
              </Link>
            ),
          },
          // Only what the user may use (GET /me's permissions; the server checks each request).
          { key: 'orders', icon: <ProfileOutlined />, label: <Link to="/orders" data-testid="nav-orders">{t('nav.orders')}</Link> },
          ...(can('orders.create')
            ? [{ key: 'new', icon: <FileAddOutlined />, label: <Link to="/orders/new" data-testid="nav-new-order">{t('nav.newOrder')}</Link> }]
            : []),
          ...(canAny('orders.read', 'orders.read_all')
            ? [
                { key: 'boards', icon: <ProjectOutlined />, label: <Link to="/boards" data-testid="nav-boards">{t('nav.boards')}</Link> },
                { key: 'dashboards', icon: <BarChartOutlined />, label: <Link to="/dashboards" data-testid="nav-dashboards">{t('nav.dashboards')}</Link> },
              ]
            : []),
          ...(canAny('stock.manage', 'orders.read', 'orders.read_all')
            ? [{ key: 'stock', icon: <DatabaseOutlined />, label: <Link to="/stock" data-testid="nav-stock">{t('stock.nav')}</Link> }]
            : []),
          ...opsMenuItems(t, canAny),
          ...(can('definitions.manage')
            ? [
                { key: 'designer', icon: <ApartmentOutlined />, label: <Link to="/designer/flows" data-testid="nav-designer">{t('nav.designer')}</Link> },
                { key: 'forms', icon: <FormOutlined />, label: <Link to="/designer/forms" data-testid="nav-forms">{t('navDesigners.forms')}</Link> },
                { key: 'roles', icon: <TeamOutlined />, label: <Link to="/designer/roles" data-testid="nav-roles">{t('navDesigners.roles')}</Link> },
                { key: 'reminders', icon: <BellOutlined />, label: <Link to="/designer/reminders" data-testid="nav-reminders">{t('navDesigners.reminders')}</Link> },
                { key: 'versions', icon: <HistoryOutlined />, label: <Link to="/designer/versions" data-testid="nav-versions">{t('navDesigners.versions')}</Link> },
              ]
            : []),
          ...(can('users.manage')
            ? [{ key: 'departments', icon: <ApartmentOutlined />, label: <Link to="/admin/departments" data-testid="nav-departments">{t('nav.departments')}</Link> }]
            : []),
          ...(canAny('users.manage', 'audit.read')
            ? [
                {
                  key: 'adminStatus',
                  icon: <DashboardOutlined />,
                  label: <Link to="/admin/status" data-testid="nav-admin-status">{t('nav.adminStatus')}</Link>,
                },
              ]
            : []),
        ]}
      />
    </Sider>
  );
  // a reviewer's phone: a slim header, no side menu, the bottom navigation (inbox, orders, notifications, me)
  const bar = phone ? (
    <Flex align="center" justify="space-between" style={{ height: '100%' }}>
      <Link to="/tasks" style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
        <img src="/favicon.svg" alt="" width={24} height={24} />
        <Typography.Text strong style={{ fontSize: 16 }}>
          {t('app.name')}
        </Typography.Text>
      </Link>
      <Typography.Text type="secondary" ellipsis style={{ maxWidth: '55%' }} data-testid="user-menu" data-username={user.username}>
        {user.display_name || user.username}
      </Typography.Text>
    </Flex>
  ) : (
    <Flex align="center" justify="flex-end" gap={8} style={{ height: '100%' }}>
      <NotificationBell />
      <LanguageSwitcher onChange={(l) => void saveMyLanguage(l).catch(() => undefined)} />
      <Dropdown
        trigger={['click']}
        menu={{
          items: [
            {
              key: 'channels',
              icon: <BellOutlined />,
              label: <span data-testid="nav-notify-channels">{t('notifyChannels.title')}</span>,
              onClick: () => navigate('/me/channels'),
            },
            {
              key: 'logout',
              icon: <LogoutOutlined />,
              label: <span data-testid="logout">{t('header.logout')}</span>,
              onClick: doLogout,
            },
          ],
        }}
      >
        <Button type="text" data-testid="user-menu" data-username={user.username}>
          <Avatar size="small" icon={<UserOutlined />} style={{ marginInlineEnd: 6 }} />
          {user.display_name || user.username}
          {user.is_admin ? (
            <Typography.Text type="secondary" style={{ marginInlineStart: 6, fontSize: 12 }}>
              {t('header.admin')}
            </Typography.Text>
          ) : null}
        </Button>
      </Dropdown>
    </Flex>
  );
  return (
    <LiveProvider username={user.username}>
      <LiveBridge />
      <Layout style={{ minHeight: '100vh' }} data-testid={phone ? 'phone-shell' : undefined}>
        {sider}
        <Layout>
          <Header
            style={
              phone
                ? {
                    background: token.colorBgContainer,
                    paddingInline: 12,
                    height: 48,
                    lineHeight: '48px',
                    borderBottom: `1px solid ${token.colorBorderSecondary}`,
                    position: 'sticky',
                    top: 0,
                    zIndex: 10,
                  }
                : { background: token.colorBgContainer, paddingInline: 24, borderBottom: `1px solid ${token.colorBorderSecondary}` }
            }
          >
            {bar}
          </Header>
          <Content style={phone ? { padding: 8, paddingBottom: PHONE_NAV_HEIGHT + 16, minWidth: 0 } : { margin: 24 }}>
            <Outlet />
          </Content>
          {phone ? <PhoneNavCounted /> : null}
        </Layout>
      </Layout>
    </LiveProvider>
  );
}
