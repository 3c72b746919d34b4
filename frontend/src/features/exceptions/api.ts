import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiFetch, type Query } from '../../lib/api';
import type { components } from '../../lib/api.gen';
import type { Order, Page } from '../../lib/types';

export type ExceptionReason = 'stock' | 'credit' | 'data' | 'price' | 'address' | 'customer' | 'no_approver' | 'error';
export const EXCEPTION_REASONS: ExceptionReason[] = ['stock', 'credit', 'data', 'price', 'address', 'customer', 'no_approver', 'error'];

// Wire types: generated from the OpenAPI document (lib/api.gen.ts, `npm run gen:api`).
type Schemas = components['schemas'];
export type OrderException = Schemas['ExceptionView'];
export type ResolveRequest = Schemas['ResolveRequest'];
export type ResolveAction = ResolveRequest['action'];

export const exceptionKeys = {
  all: ['exceptions'] as const,
  list: (f: Query) => [...exceptionKeys.all, 'list', f] as const,
  detail: (id: number | string) => [...exceptionKeys.all, 'detail', String(id)] as const,
};

export function useExceptions(filters: Query) {
  return useQuery({
    queryKey: exceptionKeys.list(filters),
    queryFn: () => api.get<Page<OrderException>>('/exceptions', { limit: 100, ...filters }),
    placeholderData: keepPreviousData,
  });
}

export function useResolveException(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: ResolveRequest) =>
      apiFetch<{ exception: OrderException; order: Order }>(`/exceptions/${id}/resolve`, { method: 'POST', body }),
    onSuccess: (res) => {
      void qc.invalidateQueries({ queryKey: exceptionKeys.all });
      void qc.invalidateQueries({ queryKey: ['orders'] });
      void qc.invalidateQueries({ queryKey: ['tasks'] });
      if (res?.order) qc.setQueryData(['orders', 'detail', String(res.order.id)], res.order);
    },
  });
}
