import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { FlowForm } from '../../../lib/types';
import { flowKeys } from './keys';

/**
 * The form of a flow. Without `version` the published one; with it, the form of that flow version
 * (used to show an existing order with the form it was submitted with).
 */
export function getFlowForm(key: string, version?: number): Promise<FlowForm> {
  return api.get<FlowForm>(`/flows/${encodeURIComponent(key)}/form`, version ? { version } : undefined);
}

export function useFlowForm(key: string | undefined, version?: number) {
  return useQuery({
    queryKey: flowKeys.form(key ?? '', version),
    queryFn: () => getFlowForm(key!, version),
    enabled: !!key,
    staleTime: 5 * 60_000,
  });
}
