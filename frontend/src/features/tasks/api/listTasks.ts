import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { Page, TaskListItem, TaskScope } from '../../../lib/types';
import { taskKeys } from './keys';

export function listTasks(scope: TaskScope): Promise<Page<TaskListItem>> {
  return api.get<Page<TaskListItem>>('/tasks', { scope });
}

export function useTasks(scope: TaskScope) {
  return useQuery({
    queryKey: taskKeys.list(scope),
    queryFn: () => listTasks(scope),
    staleTime: 0,
    refetchInterval: scope === 'mine' ? 30_000 : false,
  });
}
