import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiFetch, type Query } from '../../lib/api';
import type { LocalizedText } from '../../i18n/pickText';
import type { Order, Page } from '../../lib/types';

export type ExceptionReason = 'stock' | 'credit' | 'data' | 'price' | 'address' | 'customer' | 'no_approver' | 'error';
export const EXCEPTION_REASONS: ExceptionReason[] = ['stock', 'credit', 'data', 'price', 'address', 'customer', 'no_approver', 'error'];

export interface OrderException {
  id: number;
  order_id: number;
  order_number?: string;
  flow?: string;
  node: string;
  node_name?: LocalizedText;
  reason: ExceptionReason | string;
  message: string;
  detail?: Record<string, unknown>;
  department: string;
  owner?: string;
  owner_role?: string;
  owners: string[];
  deadline?: string;
  overdue: boolean;
  status: 'open' | 'resolved';
  resolution?: 'retry' | 'override' | 'cancel';
  resolved_by?: string;
  resolved_at?: string;
  note?: string;
  can_resolve: boolean;
  created_at: string;
}

export type ResolveAction = 'retry' | 'override' | 'cancel';

export interface ResolveRequest {
  action: ResolveAction;
  note?: string;
  data?: Record<string, unknown>;
  user?: string;
}

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
