// The roles as people hold them: each role in each department where someone active holds it,
// for picking a review's approvers (role and department) in one go.
import type { UserListItem } from '../../../lib/types';

export interface ApproverPair {
  role: string;
  department: string;
  /** The active people who hold the role there. */
  people: string[];
}

export const pairValue = (role: string, department: string) => `${role}@${department}`;

/** Every (role, department) someone active holds, with who holds it, by role then department. */
export function approverPairs(users: UserListItem[] | undefined): ApproverPair[] {
  const byKey = new Map<string, ApproverPair>();
  for (const u of users ?? []) {
    if (u.disabled) continue;
    for (const m of u.memberships ?? []) {
      const k = pairValue(m.role, m.department);
      const p = byKey.get(k) ?? { role: m.role, department: m.department, people: [] };
      if (!p.people.includes(u.username)) p.people.push(u.username);
      byKey.set(k, p);
    }
  }
  return [...byKey.values()].sort((a, b) => a.role.localeCompare(b.role) || a.department.localeCompare(b.department));
}
