import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { Page, TaskListItem, TaskScope } from '../../../lib/types';
import { taskKeys } from './keys';
import { usePollUnlessLive } from '../../../lib/live/LiveProvider';

/** Tasks per page (the server's largest page). */
export const TASK_PAGE_SIZE = 200;

/** `mine` comes sorted by the time left before each task's SLA (the server's sort=due), the rest by task. */
export function listTasks(scope: TaskScope, cursor?: string): Promise<Page<TaskListItem>> {
  return api.get<Page<TaskListItem>>('/tasks', { scope, limit: TASK_PAGE_SIZE, cursor, sort: scope === 'mine' ? 'due' : undefined });
}

/** An inbox, a page at a time (cursor pagination: next_cursor is absent at the end). */
export function useTasks(scope: TaskScope) {
  // the own user topic's task events keep "mine" fresh while the socket is open
  const poll = usePollUnlessLive(30_000);
  return useInfiniteQuery({
    queryKey: taskKeys.list(scope),
    queryFn: ({ pageParam }) => listTasks(scope, pageParam || undefined),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor || undefined,
    staleTime: 0,
    refetchInterval: scope === 'mine' ? poll : false,
  });
}
