// Definitions of any kind (forms, roles, reminders, flows): list, one (or one published version),
// save draft, publish. The form, role and reminder editors and the version history use these.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiFetch, isApiError } from '../../../lib/api';
import type { LocalizedText } from '../../../i18n/pickText';

export type Kind = 'forms' | 'flows' | 'roles' | 'reminders';

export interface DefView<T = Record<string, unknown>> {
  kind: string;
  key: string;
  version: number;
  status: 'published' | 'draft';
  name?: LocalizedText;
  body?: T;
  draft?: T;
  versions?: number[];
  /** a flow that takes no new orders (retired by an admin) */
  retired?: boolean;
}

// the same query keys as the flow designer's, so saving here refreshes its lists too
export const defKeys = {
  list: (kind: Kind) => ['definitions', kind, 'list'] as const,
  one: (kind: Kind, key: string) => ['definitions', kind, 'one', key] as const,
  version: (kind: Kind, key: string, version: number) => ['definitions', kind, 'version', key, version] as const,
};

const path = (kind: Kind, key?: string) => `/definitions/${kind}${key ? `/${encodeURIComponent(key)}` : ''}`;

export function useDefList(kind: Kind) {
  return useQuery({ queryKey: defKeys.list(kind), queryFn: () => api.get<{ items: DefView[] }>(path(kind)) });
}

export function useDef<T = Record<string, unknown>>(kind: Kind, key: string | undefined) {
  return useQuery({
    queryKey: defKeys.one(kind, key ?? ''),
    queryFn: () => api.get<DefView<T>>(path(kind, key)),
    enabled: !!key,
    refetchOnWindowFocus: false,
    retry: (n, e) => n < 2 && !(e && typeof e === 'object' && 'status' in e && (e as { status: number }).status === 404),
  });
}

/** One published version (published versions never change: cached for good). */
export function useDefVersion<T = Record<string, unknown>>(kind: Kind, key: string, version: number | undefined) {
  return useQuery({
    queryKey: defKeys.version(kind, key, version ?? 0),
    queryFn: () => api.get<DefView<T>>(path(kind, key), { version }),
    enabled: !!key && !!version,
    staleTime: Infinity,
  });
}

export function useSaveDraft<T extends { key: string }>(kind: Kind) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (doc: T) => apiFetch<DefView<T>>(path(kind, doc.key), { method: 'PUT', body: doc }),
    onSuccess: (view) => {
      qc.setQueryData(defKeys.one(kind, view.key), view);
      void qc.invalidateQueries({ queryKey: defKeys.list(kind) });
    },
  });
}

export function usePublish(kind: Kind) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => api.post<{ kind: string; key: string; version: number }>(`${path(kind, key)}/publish`),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: defKeys.list(kind) });
      void qc.invalidateQueries({ queryKey: defKeys.one(kind, r.key) });
      if (kind === 'forms' || kind === 'flows') void qc.invalidateQueries({ queryKey: ['flows'] });
    },
  });
}

/**
 * What an editor opens on, from a definition's query: `loading` only on the first load — a query
 * without data (a 404: the definition does not exist yet) is pending again in react-query on every
 * refetch, and unmounting the editor then would drop its edits; `failed` an error other than 404
 * while there is nothing to show; else `view`, the definition (undefined: none yet).
 */
export function opening<V>(q: { isPending: boolean; isFetched: boolean; isError: boolean; error: unknown; data: V | undefined }): {
  loading: boolean;
  failed?: unknown;
  view?: V;
} {
  if (q.isPending && !q.isFetched) return { loading: true };
  if (!q.data && q.isError && !(isApiError(q.error) && q.error.status === 404)) return { loading: false, failed: q.error };
  return { loading: false, view: q.data };
}
