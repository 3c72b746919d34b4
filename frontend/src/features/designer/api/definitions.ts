import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiFetch } from '../../../lib/api';
import type { DefView } from '../../definitions';
import type { FlowDoc } from '../lib/document';
import type { SimOrder, SimulateResponse } from '../lib/simulate';

// the definition answer, as every editor reads it; here a flow document by default
export type DefinitionView<T = FlowDoc> = DefView<T>;

export const definitionKeys = {
  all: ['definitions'] as const,
  list: (kind: string) => ['definitions', kind, 'list'] as const,
  one: (kind: string, key: string) => ['definitions', kind, 'one', key] as const,
};

const path = (kind: string, key?: string) => `/definitions/${kind}${key ? `/${encodeURIComponent(key)}` : ''}`;

export function useDefinitions(kind: 'flows' | 'forms') {
  return useQuery({
    queryKey: definitionKeys.list(kind),
    queryFn: () => api.get<{ items: DefinitionView[] }>(path(kind)),
  });
}

export function useDefinition(kind: 'flows', key: string | undefined) {
  return useQuery({
    queryKey: definitionKeys.one(kind, key ?? ''),
    queryFn: () => api.get<DefinitionView>(path(kind, key)),
    enabled: !!key,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
}

export function useSaveFlowDraft() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (doc: FlowDoc) => apiFetch<DefinitionView>(path('flows', doc.key), { method: 'PUT', body: doc }),
    onSuccess: (view) => {
      qc.setQueryData(definitionKeys.one('flows', view.key), view);
      void qc.invalidateQueries({ queryKey: definitionKeys.list('flows') });
    },
  });
}

export function usePublishFlow() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => api.post<{ kind: string; key: string; version: number }>(`${path('flows', key)}/publish`),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: definitionKeys.list('flows') });
      void qc.invalidateQueries({ queryKey: ['flows'] });
      void qc.invalidateQueries({ queryKey: definitionKeys.one('flows', r.key) });
    },
  });
}

/** Retires a flow (no new orders; orders in it go on) or restores it. */
export function useRetireFlow() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ key, retire }: { key: string; retire: boolean }) =>
      api.post<DefinitionView>(`${path('flows', key)}/${retire ? 'retire' : 'restore'}`),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: definitionKeys.list('flows') });
      void qc.invalidateQueries({ queryKey: ['flows'] });
      void qc.invalidateQueries({ queryKey: definitionKeys.one('flows', r.key) });
    },
  });
}

export function useSimulateFlow() {
  return useMutation({
    mutationFn: ({ key, orders }: { key: string; orders: SimOrder[] }) =>
      api.post<SimulateResponse>(`/flows/${encodeURIComponent(key)}/simulate`, { version: 'draft', orders }),
  });
}
