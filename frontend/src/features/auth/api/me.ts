import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { Me } from '../../../lib/types';
import { authKeys } from './keys';

export function fetchMe(): Promise<Me> {
  return api.get<Me>('/me', undefined, { skipAuthRedirect: true });
}

/** The signed-in user; errors with status 401 when there is no session. */
export function useMe() {
  return useQuery({ queryKey: authKeys.me, queryFn: fetchMe, staleTime: 60_000, retry: false });
}

/** Saves the user's own language on the server, so its messages (problems, notifications) follow it on every browser. */
export function saveMyLanguage(language: string): Promise<unknown> {
  return api.patch('/me', { language });
}
