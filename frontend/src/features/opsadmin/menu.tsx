import type { TFunction } from 'i18next';
import { Link } from 'react-router';
import { AlertOutlined, ApiOutlined, ContactsOutlined, ImportOutlined, MailOutlined } from '@ant-design/icons';

/** The menu key of an operations page (null: not one). */
export function opsMenuKey(pathname: string): string | null {
  if (pathname.startsWith('/exceptions')) return 'exceptions';
  if (pathname.startsWith('/imports')) return 'imports';
  if (pathname.startsWith('/customers')) return 'customers';
  if (pathname.startsWith('/admin/channels')) return 'channels';
  if (pathname.startsWith('/admin/outbox')) return 'outbox';
  return null;
}

/**
 * Operations entries: the exception inbox, imports and customers for department members (the server scopes
 * what each sees and may change), shop channels and the outbox for administrators.
 */
export function opsMenuItems(t: TFunction, { isAdmin, hasMemberships }: { isAdmin: boolean; hasMemberships: boolean }) {
  const member = isAdmin || hasMemberships;
  return [
    ...(member
      ? [
          { key: 'exceptions', icon: <AlertOutlined />, label: <Link to="/exceptions" data-testid="nav-exceptions">{t('ops.nav.exceptions')}</Link> },
          { key: 'imports', icon: <ImportOutlined />, label: <Link to="/imports" data-testid="nav-imports">{t('ops.nav.imports')}</Link> },
          { key: 'customers', icon: <ContactsOutlined />, label: <Link to="/customers" data-testid="nav-customers">{t('ops.nav.customers')}</Link> },
        ]
      : []),
    ...(isAdmin
      ? [
          { key: 'channels', icon: <ApiOutlined />, label: <Link to="/admin/channels" data-testid="nav-channels">{t('ops.nav.channels')}</Link> },
          { key: 'outbox', icon: <MailOutlined />, label: <Link to="/admin/outbox" data-testid="nav-outbox">{t('ops.nav.outbox')}</Link> },
        ]
      : []),
  ];
}
