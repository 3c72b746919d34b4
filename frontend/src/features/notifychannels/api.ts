import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiFetch } from '../../lib/api';
import type { components } from '../../lib/api.gen';

// Wire types: generated from the OpenAPI document (lib/api.gen.ts).
type Schemas = components['schemas'];
export type NotifyChannel = Schemas['NotifyChannelView'];
export type NotifyChannelInput = Schemas['NotifyChannelInput'];
export type NotifyChannelList = Schemas['NotifyChannelList'];
export type NotifyKind = NotifyChannel['kinds'][number];
export type NotifyType = NotifyChannel['type'];

export const KINDS: NotifyKind[] = ['task', 'reminder', 'escalation', 'mention', 'digest'];
export const TYPES: NotifyType[] = ['email', 'slack', 'teams', 'line', 'wecom', 'dingtalk', 'webhook'];
/** The types that keep a secret (DingTalk's signing secret, LINE's access token); write-only. */
export const SECRET_TYPES: NotifyType[] = ['dingtalk', 'line'];

const key = ['notify-channels'] as const;

export function useNotifyChannels() {
  return useQuery({ queryKey: key, queryFn: () => api.get<NotifyChannelList>('/notify/channels') });
}

function useRefresh() {
  const qc = useQueryClient();
  return () => void qc.invalidateQueries({ queryKey: key });
}

/** Creates (no id) or changes a channel; an empty secret on a change keeps the stored one. */
export function useSaveNotifyChannel() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: ({ id, body }: { id?: number; body: NotifyChannelInput }) =>
      id
        ? apiFetch<NotifyChannel>(`/notify/channels/${id}`, { method: 'PUT', body })
        : apiFetch<NotifyChannel>('/notify/channels', { method: 'POST', body }),
    onSettled: refresh,
  });
}

export function useDeleteNotifyChannel() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: (id: number) => apiFetch<void>(`/notify/channels/${id}`, { method: 'DELETE' }),
    onSettled: refresh,
  });
}

/** My choice of kinds on a company channel (an empty list: none). */
export function useChooseKinds() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: ({ id, kinds }: { id: number; kinds: NotifyKind[] }) =>
      apiFetch<NotifyChannel>(`/notify/channels/${id}/kinds`, { method: 'PUT', body: { kinds } }),
    onSettled: refresh,
  });
}

/** The input that keeps a channel as it is but for `change` (its secret stays: never sent back). */
export function inputOf(c: NotifyChannel, change: Partial<NotifyChannelInput> = {}): NotifyChannelInput {
  return { type: c.type, name: c.name, address: c.address, to: c.to, kinds: c.kinds, enabled: c.enabled, ...change };
}
