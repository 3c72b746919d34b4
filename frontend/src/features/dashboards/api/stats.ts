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

/** The query of a flow's figures (shared by the page and the busiest-flow count, so each is fetched once). */
export function flowStatsQuery(q: StatsQuery) {
  return {
    queryKey: statsKeys.one(q),
    queryFn: ({ signal }: { signal: AbortSignal }) =>
      api.get<FlowStats>(`/flows/${encodeURIComponent(q.flow)}/stats`, { department: q.department, from: q.from, to: q.to }, { signal }),
    staleTime: 30_000,
  };
}

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
