import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { FlowSummary, Page } from '../../../lib/types';
import { flowKeys } from './keys';

export function listFlows(): Promise<Page<FlowSummary>> {
  return api.get<Page<FlowSummary>>('/flows');
}

/** Published flows. */
export function useFlows() {
  return useQuery({ queryKey: flowKeys.list(), queryFn: listFlows, staleTime: 5 * 60_000 });
}
