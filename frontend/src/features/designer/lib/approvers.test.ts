import { describe, expect, it } from 'vitest';
import { approverPairs } from './approvers';
import type { UserListItem } from '../../../lib/types';

const user = (username: string, memberships: { role: string; department: string }[], disabled?: boolean) =>
  ({ id: 1, username, display_name: username, is_admin: false, locale: 'zh-TW', language: '', memberships, ...(disabled ? { disabled } : {}) }) as UserListItem;

describe('approverPairs', () => {
  it('lists each role in each department someone active holds it, with the people', () => {
    const pairs = approverPairs([
      user('finance', [{ role: 'finance', department: 'finance' }]),
      user('finance2', [{ role: 'finance', department: 'finance' }]),
      user('manager', [{ role: 'sales_manager', department: 'sales' }, { role: 'finance', department: 'sales' }]),
      user('gone', [{ role: 'warehouse', department: 'warehouse' }], true),
      user('nobody', []),
    ]);
    expect(pairs).toEqual([
      { role: 'finance', department: 'finance', people: ['finance', 'finance2'] },
      { role: 'finance', department: 'sales', people: ['manager'] },
      { role: 'sales_manager', department: 'sales', people: ['manager'] },
    ]);
    expect(approverPairs(undefined)).toEqual([]);
  });
});
