import type { ReactNode } from 'react';
import { Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { useMe } from './api/me';

/** What a role may grant (the role schema's list; permissions.test.ts keeps them equal). */
export const PERMISSIONS = [
  'orders.create',
  'orders.read',
  'orders.read_all',
  'definitions.manage',
  'users.manage',
  'audit.read',
  'exceptions.resolve',
  'customers.manage',
  'stock.manage',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/**
 * The permissions that belong to no department (definitions.CompanyWide on the server): only a role with
 * scope global grants them, and the server refuses a department role that lists one.
 */
export const COMPANY_WIDE: readonly Permission[] = ['definitions.manage', 'users.manage', 'audit.read'];

/** The i18n key of a permission's description. */
export const permissionLabelKey = (p: Permission) => `roleEditor.perm.${p.replace('.', '_')}`;

/**
 * The signed-in user's permissions (held company-wide or in one of their departments, from GET /me). For
 * what to show; the server checks every request.
 */
export function usePermissions() {
  const me = useMe();
  const held = new Set(me.data?.permissions ?? []);
  const can = (p: Permission) => held.has(p);
  return { loaded: !!me.data, can, canAny: (...ps: Permission[]) => ps.some(can) };
}

/** A page's 403 when the user lacks permission; null while /me loads or when they hold it. */
export function useForbidden(permission: Permission): ReactNode {
  const { t } = useTranslation();
  const { loaded, can } = usePermissions();
  if (!loaded || can(permission)) return null;
  return (
    <Result
      status="403"
      title={t('auth.forbidden')}
      subTitle={t('auth.needsPermission', { permission, label: t(permissionLabelKey(permission)) })}
      data-testid="forbidden"
    />
  );
}
