import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { UserListItem } from '../../../lib/types';

export const userKeys = {
  all: ['users'] as const,
  list: () => [...userKeys.all, 'list'] as const,
};

/** GET /users: every user (admins only; others get 403). */
export function listUsers(): Promise<{ items: UserListItem[] }> {
  return api.get<{ items: UserListItem[] }>('/users');
}

export function useUsers(enabled: boolean) {
  return useQuery({ queryKey: userKeys.list(), queryFn: listUsers, enabled, staleTime: 5 * 60_000, retry: false });
}
