import type { TaskScope } from '../../../lib/types';

export const taskKeys = {
  all: ['tasks'] as const,
  list: (scope: TaskScope) => [...taskKeys.all, 'list', scope] as const,
};
