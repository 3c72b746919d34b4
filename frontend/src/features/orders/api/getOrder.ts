import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { Order } from '../../../lib/types';
import { orderKeys } from './keys';
import { useLiveTopic, usePollUnlessLive } from '../../../lib/live/LiveProvider';

export function getOrder(id: string): Promise<Order> {
  return api.get<Order>(`/orders/${encodeURIComponent(id)}`);
}

/**
 * One order, kept fresh: it watches order:<id> while used (its order.updated, comments and reminders
 * refresh it as they happen) and polls only while the live socket is not open.
 */
export function useOrder(id: string | undefined) {
  useLiveTopic(id ? `order:${id}` : null);
  const poll = usePollUnlessLive(15_000);
  return useQuery({
    queryKey: orderKeys.detail(id ?? ''),
    queryFn: () => getOrder(id!),
    enabled: !!id,
    staleTime: 0,
    // automatic steps (inventory check, confirm, print …) move the order on by themselves
    refetchInterval: (q) => (q.state.data?.status === 'in_review' ? poll : false),
  });
}
