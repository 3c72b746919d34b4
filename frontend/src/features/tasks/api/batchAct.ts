import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { BatchRequest, BatchResponse } from '../../../lib/types';
import { orderKeys } from '../../orders';
import { taskKeys } from './keys';

/** POST /tasks/batch: one action on many tasks, each checked on its own; the answer has one item per task. */
export function batchAct(body: BatchRequest): Promise<BatchResponse> {
  return api.post<BatchResponse>('/tasks/batch', body);
}

export function useBatchAct() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: batchAct,
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: taskKeys.all });
      void qc.invalidateQueries({ queryKey: orderKeys.all });
    },
  });
}
