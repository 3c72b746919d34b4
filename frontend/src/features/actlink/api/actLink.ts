import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { components } from '../../../lib/api.gen';

export type ActionLinkView = components['schemas']['ActionLinkView'];
export type LinkDecision = components['schemas']['LinkDecision'];
export type LinkDecisionResult = components['schemas']['ActionResult'];

export const actLinkKeys = {
  all: ['act-link'] as const,
  one: (token: string) => [...actLinkKeys.all, token] as const,
};

/** What a message's link decides, checked as its use will be (GET /act/{token}). */
export function useActLink(token: string) {
  return useQuery({
    queryKey: actLinkKeys.one(token),
    queryFn: () => api.get<ActionLinkView>(`/act/${encodeURIComponent(token)}`),
    retry: false,
  });
}

/** Takes the link's decision with the session (POST /act/{token}); the link works once. */
export function useDecideByLink(token: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: LinkDecision) => api.post<LinkDecisionResult>(`/act/${encodeURIComponent(token)}`, body),
    onSettled: () => qc.removeQueries({ queryKey: actLinkKeys.one(token) }),
  });
}
