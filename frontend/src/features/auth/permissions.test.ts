import { describe, expect, it } from 'vitest';
import type { TFunction } from 'i18next';
import zhTW from '../../i18n/locales/zh-TW';
import zhCN from '../../i18n/locales/zh-CN';
import en from '../../i18n/locales/en';
import { opsMenuItems } from '../opsadmin';
import { PERMISSIONS, permissionLabelKey, type Permission } from './permissions';
import roleSchema from '../../../../schemas/role.schema.json';

describe('permissions', () => {
  it('are the ones the role schema lets a role grant', () => {
    expect([...PERMISSIONS]).toEqual(roleSchema.properties.permissions.items.enum);
  });

  it.each([
    ['zh-TW', zhTW],
    ['zh-CN', zhCN],
    ['en', en],
  ])('each has a description in %s', (_, messages) => {
    for (const p of PERMISSIONS) {
      const [, group, perm, key] = permissionLabelKey(p).match(/^(\w+)\.(\w+)\.(\w+)$/) ?? [];
      const text = (messages as unknown as Record<string, Record<string, Record<string, string>>>)[group]?.[perm]?.[key];
      expect(text, `${p} in ${_}`).toBeTruthy();
    }
  });
});

describe('operations menu', () => {
  const t = ((k: string) => k) as unknown as TFunction;
  const keysFor = (held: Permission[]) => opsMenuItems(t, (...ps) => ps.some((p) => held.includes(p))).map((i) => i.key);

  it.each<[string, Permission[], string[]]>([
    ['nothing held', [], []],
    ['a clerk', ['orders.create', 'orders.read', 'exceptions.resolve'], ['exceptions', 'imports', 'customers']],
    ['the warehouse', ['orders.read', 'orders.read_all', 'exceptions.resolve', 'stock.manage'], ['exceptions', 'customers']],
    ['an admin', [...PERMISSIONS], ['exceptions', 'imports', 'customers', 'channels', 'outbox']],
  ])('shows %s what they may use', (_, held, want) => {
    expect(keysFor(held)).toEqual(want);
  });
});
