import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { components } from '../../../lib/api.gen';
import { orderKeys } from '../../orders';
import { taskKeys } from '../../tasks';

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
    // the decision moved the order: the inbox (its count in the navigation) and the order's pages refresh
    onSuccess: (res) => {
      void qc.invalidateQueries({ queryKey: taskKeys.all });
      void qc.invalidateQueries({ queryKey: orderKeys.lists() });
      void qc.invalidateQueries({ queryKey: orderKeys.detail(String(res.order.id)) });
      void qc.invalidateQueries({ queryKey: orderKeys.history(String(res.order.id)) });
    },
  });
}
