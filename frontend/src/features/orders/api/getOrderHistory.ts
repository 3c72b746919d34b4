import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { HistoryEntry, Page } from '../../../lib/types';
import { orderKeys } from './keys';

export function getOrderHistory(id: string): Promise<Page<HistoryEntry>> {
  return api.get<Page<HistoryEntry>>(`/orders/${encodeURIComponent(id)}/history`);
}

export function useOrderHistory(id: string | undefined) {
  return useQuery({
    queryKey: orderKeys.history(id ?? ''),
    queryFn: () => getOrderHistory(id!),
    enabled: !!id,
    staleTime: 0,
  });
}
