import { lazy, Suspense, useEffect, useMemo, type ReactNode } from 'react';
import { App as AntdApp, ConfigProvider, Skeleton } from 'antd';
import zhTW from 'antd/locale/zh_TW';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-tw';
import 'dayjs/locale/zh-cn';
import 'dayjs/locale/en';
import { QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { AppLayout } from './components/AppLayout';
import { NotFound } from './components/NotFound';
import { MePage } from './components/MePage';
import { ReauthPrompt } from './features/auth/components/ReauthPrompt';
import { LoginPage } from './features/auth/components/LoginPage';
import { InboxPage } from './features/tasks/components/InboxPage';
import { OrdersPage } from './features/orders/components/OrdersPage';
import { createQueryClient } from './lib/queryClient';
import { onUnauthorized } from './lib/api';
import { useLang } from './i18n/useLang';
import type { Language } from './i18n/languages';

// the order pages carry rjsf and ajv: load them when first needed
const NewOrderPage = lazy(() => import('./features/orders/components/NewOrderPage').then((m) => ({ default: m.NewOrderPage })));
const OrderDetailPage = lazy(() =>
  import('./features/orders/components/OrderDetailPage').then((m) => ({ default: m.OrderDetailPage })),
);
const FlowsListPage = lazy(() => import('./features/designer/components/FlowsListPage').then((m) => ({ default: m.FlowsListPage })));
const DesignerPage = lazy(() => import('./features/designer/components/DesignerPage').then((m) => ({ default: m.DesignerPage })));
const DepartmentsPage = lazy(() => import('./features/departments/components/DepartmentsPage').then((m) => ({ default: m.DepartmentsPage })));
const SystemStatusPage = lazy(() =>
  import('./features/admin/components/SystemStatusPage').then((m) => ({ default: m.SystemStatusPage })),
);
const DashboardPage = lazy(() => import('./features/dashboards/components/DashboardPage').then((m) => ({ default: m.DashboardPage })));
const BoardPage = lazy(() => import('./features/boards/components/BoardPage').then((m) => ({ default: m.BoardPage })));
// admins' designers: forms, roles, reminders, flow versions and migrations
const FormsListPage = lazy(() => import('./features/formdesigner/components/FormsListPage').then((m) => ({ default: m.FormsListPage })));
const FormDesignerPage = lazy(() => import('./features/formdesigner/components/FormDesignerPage').then((m) => ({ default: m.FormDesignerPage })));
const RolesListPage = lazy(() => import('./features/roles/components/RolesListPage').then((m) => ({ default: m.RolesListPage })));
const RoleEditorPage = lazy(() => import('./features/roles/components/RoleEditorPage').then((m) => ({ default: m.RoleEditorPage })));
const RemindersListPage = lazy(() => import('./features/reminders/components/RemindersListPage').then((m) => ({ default: m.RemindersListPage })));
const ReminderEditorPage = lazy(() => import('./features/reminders/components/ReminderEditorPage').then((m) => ({ default: m.ReminderEditorPage })));
const VersionsListPage = lazy(() => import('./features/versions/components/VersionsListPage').then((m) => ({ default: m.VersionsListPage })));
const VersionHistoryPage = lazy(() => import('./features/versions/components/VersionHistoryPage').then((m) => ({ default: m.VersionHistoryPage })));
const MigrationWizardPage = lazy(() => import('./features/versions/components/MigrationWizardPage').then((m) => ({ default: m.MigrationWizardPage })));
const StockPage = lazy(() => import('./features/stock/components/StockPage').then((m) => ({ default: m.StockPage })));
// operations: exception inbox, imports, customers, shop channels, outbox
const ExceptionsPage = lazy(() => import('./features/exceptions/ExceptionsPage').then((m) => ({ default: m.ExceptionsPage })));
const ImportsPage = lazy(() => import('./features/intake/ImportsPage').then((m) => ({ default: m.ImportsPage })));
const CustomersPage = lazy(() => import('./features/opsadmin/CustomersPage').then((m) => ({ default: m.CustomersPage })));
const ChannelsPage = lazy(() => import('./features/opsadmin/ChannelsPage').then((m) => ({ default: m.ChannelsPage })));
const OutboxPage = lazy(() => import('./features/opsadmin/OutboxPage').then((m) => ({ default: m.OutboxPage })));
// the landing page of a message's approve/reject link
const ActLinkPage = lazy(() => import('./features/actlink/components/ActLinkPage').then((m) => ({ default: m.ActLinkPage })));
// the phone's bottom navigation: notifications and "me"; where my notifications go
const NotificationsPage = lazy(() =>
  import('./features/notifications/components/NotificationsPage').then((m) => ({ default: m.NotificationsPage })),
);
const NotifyChannelsPage = lazy(() =>
  import('./features/notifychannels/NotifyChannelsPage').then((m) => ({ default: m.NotifyChannelsPage })),
);
const page = (node: ReactNode) => <Suspense fallback={<Skeleton active />}>{node}</Suspense>;

const ANTD_LOCALES = { 'zh-TW': zhTW, 'zh-CN': zhCN, en: enUS } as const;
const DAYJS_LOCALES: Record<Language, string> = { 'zh-TW': 'zh-tw', 'zh-CN': 'zh-cn', en: 'en' };

export const queryClient = createQueryClient();

export const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  {
    path: '/',
    element: <AppLayout />,
    children: [
      { index: true, element: <Navigate to="/tasks" replace /> },
      { path: 'tasks', element: <InboxPage /> },
      { path: 'orders', element: <OrdersPage /> },
      { path: 'orders/new', element: page(<NewOrderPage />) },
      { path: 'orders/:id', element: page(<OrderDetailPage />) },
      { path: 'boards', element: page(<BoardPage />) },
      { path: 'boards/:department', element: page(<BoardPage />) },
      { path: 'designer/flows', element: page(<FlowsListPage />) },
      { path: 'designer/flows/:key', element: page(<DesignerPage />) },
      { path: 'designer/forms', element: page(<FormsListPage />) },
      { path: 'designer/forms/:key', element: page(<FormDesignerPage />) },
      { path: 'designer/roles', element: page(<RolesListPage />) },
      { path: 'designer/roles/:key', element: page(<RoleEditorPage />) },
      { path: 'designer/reminders', element: page(<RemindersListPage />) },
      { path: 'designer/reminders/:key', element: page(<ReminderEditorPage />) },
      { path: 'designer/versions', element: page(<VersionsListPage />) },
      { path: 'designer/versions/:key', element: page(<VersionHistoryPage />) },
      { path: 'designer/versions/:key/migrate', element: page(<MigrationWizardPage />) },
      { path: 'admin/status', element: page(<SystemStatusPage />) },
      { path: 'admin/departments', element: page(<DepartmentsPage />) },
      { path: 'dashboards', element: page(<DashboardPage />) },
      { path: 'stock', element: page(<StockPage />) },
      { path: 'exceptions', element: page(<ExceptionsPage />) },
      { path: 'imports', element: page(<ImportsPage />) },
      { path: 'customers', element: page(<CustomersPage />) },
      { path: 'admin/channels', element: page(<ChannelsPage />) },
      { path: 'admin/outbox', element: page(<OutboxPage />) },
      { path: 'act/:token', element: page(<ActLinkPage />) },
      { path: 'notifications', element: page(<NotificationsPage />) },
      { path: 'me', element: <MePage /> },
      { path: 'me/channels', element: page(<NotifyChannelsPage />) },
      { path: '*', element: <NotFound /> },
    ],
  },
]);

export function App() {
  const { lang } = useLang();
  const locale = ANTD_LOCALES[lang];
  useMemo(() => dayjs.locale(DAYJS_LOCALES[lang]), [lang]);

  // 401 from any API call: forget the cached data and go to the login page
  useEffect(
    () =>
      onUnauthorized(() => {
        const { pathname, search } = window.location;
        if (pathname === '/login') return;
        queryClient.removeQueries();
        void router.navigate(`/login?next=${encodeURIComponent(pathname + search)}`, { replace: true });
      }),
    [],
  );

  return (
    <ConfigProvider locale={locale} button={{ autoInsertSpace: false }} theme={{ token: { colorPrimary: '#1677ff', borderRadius: 6 } }}>
      <AntdApp>
        <QueryClientProvider client={queryClient}>
          <RouterProvider router={router} />
          <ReauthPrompt />
        </QueryClientProvider>
      </AntdApp>
    </ConfigProvider>
  );
}
