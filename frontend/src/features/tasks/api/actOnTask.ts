import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { TaskActionRequest, TaskActionResponse } from '../../../lib/types';
import { orderKeys } from '../../orders';
import { taskKeys } from './keys';

export function actOnTask(taskId: string | number, body: TaskActionRequest): Promise<TaskActionResponse> {
  return api.post<TaskActionResponse>(`/tasks/${encodeURIComponent(String(taskId))}/actions`, body);
}

export function useActOnTask(orderId: string) {
  const qc = useQueryClient();
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: orderKeys.detail(orderId) });
    void qc.invalidateQueries({ queryKey: orderKeys.history(orderId) });
    void qc.invalidateQueries({ queryKey: orderKeys.lists() });
    void qc.invalidateQueries({ queryKey: taskKeys.all });
  };
  return useMutation({
    mutationFn: ({ taskId, body }: { taskId: string | number; body: TaskActionRequest }) => actOnTask(taskId, body),
    onSuccess: (res) => {
      if (res?.order) qc.setQueryData(orderKeys.detail(orderId), res.order);
      refresh();
    },
    // 409 (someone acted first) and 403 leave the page stale: reload it
    onError: refresh,
  });
}
