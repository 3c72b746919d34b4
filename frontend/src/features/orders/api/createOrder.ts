import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, randomUUID } from '../../../lib/api';
import type { Order } from '../../../lib/types';
import { orderKeys } from './keys';
import { taskKeys } from '../../tasks';

export interface CreateOrderRequest {
  flow: string;
  data: Record<string, unknown>;
}

export function createOrder(body: CreateOrderRequest, idempotencyKey: string = randomUUID()): Promise<Order> {
  return api.post<Order>('/orders', body, { headers: { 'Idempotency-Key': idempotencyKey } });
}

export function useCreateOrder() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateOrderRequest) => createOrder(body),
    onSuccess: (order) => {
      qc.setQueryData(orderKeys.detail(String(order.id)), order);
      void qc.invalidateQueries({ queryKey: orderKeys.lists() });
      void qc.invalidateQueries({ queryKey: taskKeys.all });
    },
  });
}
