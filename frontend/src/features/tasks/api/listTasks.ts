import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { Page, TaskListItem, TaskScope } from '../../../lib/types';
import { taskKeys } from './keys';
import { usePollUnlessLive } from '../../../lib/live/LiveProvider';

export function listTasks(scope: TaskScope): Promise<Page<TaskListItem>> {
  return api.get<Page<TaskListItem>>('/tasks', { scope });
}

export function useTasks(scope: TaskScope) {
  // the own user topic's task events keep "mine" fresh while the socket is open
  const poll = usePollUnlessLive(30_000);
  return useQuery({
    queryKey: taskKeys.list(scope),
    queryFn: () => listTasks(scope),
    staleTime: 0,
    refetchInterval: scope === 'mine' ? poll : false,
  });
}
