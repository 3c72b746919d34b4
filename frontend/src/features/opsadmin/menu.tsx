import type { ReactNode } from 'react';
import type { TFunction } from 'i18next';
import { Link } from 'react-router';
import { AlertOutlined, ApiOutlined, ContactsOutlined, ImportOutlined, MailOutlined } from '@ant-design/icons';
import type { Permission } from '../auth';

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
 * Operations entries, each for whoever may use it: the exception inbox (anyone who submits, reads or resolves
 * orders: the server scopes what each sees), imports (submitters), customers (who submits or reads orders, or
 * manages customers), shop channels and the outbox (user managers).
 */
export function opsMenuItems(t: TFunction, canAny: (...ps: Permission[]) => boolean) {
  const entry = (key: string, icon: ReactNode, to: string, label: string) => ({
    key,
    icon,
    label: (
      <Link to={to} data-testid={`nav-${key}`}>
        {t(label)}
      </Link>
    ),
  });
  return [
    ...(canAny('orders.create', 'orders.read', 'orders.read_all', 'exceptions.resolve')
      ? [entry('exceptions', <AlertOutlined />, '/exceptions', 'ops.nav.exceptions')]
      : []),
    ...(canAny('orders.create') ? [entry('imports', <ImportOutlined />, '/imports', 'ops.nav.imports')] : []),
    ...(canAny('customers.manage', 'orders.create', 'orders.read', 'orders.read_all')
      ? [entry('customers', <ContactsOutlined />, '/customers', 'ops.nav.customers')]
      : []),
    ...(canAny('users.manage')
      ? [entry('channels', <ApiOutlined />, '/admin/channels', 'ops.nav.channels'), entry('outbox', <MailOutlined />, '/admin/outbox', 'ops.nav.outbox')]
      : []),
  ];
}
