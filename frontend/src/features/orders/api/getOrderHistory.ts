import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { HistoryEntry, Page } from '../../../lib/types';

/** A page of the timeline with the display names of the users it names. */
export type HistoryPage = Page<HistoryEntry> & { people?: Record<string, string> };
import { orderKeys } from './keys';

export function getOrderHistory(id: string): Promise<HistoryPage> {
  return api.get<HistoryPage>(`/orders/${encodeURIComponent(id)}/history`);
}

export function useOrderHistory(id: string | undefined) {
  return useQuery({
    queryKey: orderKeys.history(id ?? ''),
    queryFn: () => getOrderHistory(id!),
    enabled: !!id,
    staleTime: 0,
  });
}
