import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { Order, Page } from '../../../lib/types';
import { orderKeys } from './keys';

export interface OrderFilters {
  status?: string;
  q?: string;
  limit?: number;
}

export function listOrders(filters: OrderFilters, cursor?: string): Promise<Page<Order>> {
  return api.get<Page<Order>>('/orders', { status: filters.status, q: filters.q, limit: filters.limit, cursor });
}

/** Orders, a page at a time (cursor pagination: next_cursor is empty at the end). */
export function useOrders(filters: OrderFilters) {
  return useInfiniteQuery({
    queryKey: orderKeys.list({ status: filters.status, q: filters.q, limit: filters.limit }),
    queryFn: ({ pageParam }) => listOrders(filters, pageParam || undefined),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor || undefined,
  });
}
