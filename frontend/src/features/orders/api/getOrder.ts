import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { Order } from '../../../lib/types';
import { orderKeys } from './keys';

export function getOrder(id: string): Promise<Order> {
  return api.get<Order>(`/orders/${encodeURIComponent(id)}`);
}

export function useOrder(id: string | undefined) {
  return useQuery({
    queryKey: orderKeys.detail(id ?? ''),
    queryFn: () => getOrder(id!),
    enabled: !!id,
    staleTime: 0,
    // automatic steps (inventory check, confirm, print …) move the order on by themselves
    refetchInterval: (q) => (q.state.data?.status === 'in_review' ? 15_000 : false),
  });
}
