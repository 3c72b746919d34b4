import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { FlowStats } from '../lib/types';

export interface StatsQuery {
  flow: string;
  department?: string;
  from?: string;
  to?: string;
}

export const statsKeys = {
  all: ['stats'] as const,
  one: (q: StatsQuery) => ['stats', q.flow, q.department ?? '', q.from ?? '', q.to ?? ''] as const,
};

export function useFlowStats(q: StatsQuery) {
  return useQuery({
    queryKey: statsKeys.one(q),
    queryFn: ({ signal }) =>
      api.get<FlowStats>(`/flows/${encodeURIComponent(q.flow)}/stats`, { department: q.department, from: q.from, to: q.to }, { signal }),
    enabled: !!q.flow,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
}
