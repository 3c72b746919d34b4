import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormInstance } from 'antd';
import { api, apiFetch, isApiError, type FieldError, type Query } from '../../lib/api';
import type { components } from '../../lib/api.gen';
import type { Page } from '../../lib/types';

// Wire types: generated from the OpenAPI document (lib/api.gen.ts, `npm run gen:api`).
type Schemas = components['schemas'];
export type Customer = Schemas['CustomerView'];
export type CustomerInput = Schemas['CustomerInput'];
export type Channel = Schemas['ChannelView'];
export type ChannelInput = Schemas['ChannelInput'];
export type OutboxMessage = Schemas['OutboxMessageView'];

export const opsKeys = {
  customers: (f: Query) => ['customers', f] as const,
  channels: ['channels'] as const,
  outbox: (status: string) => ['outbox', status] as const,
};

export function useCustomers(f: Query) {
  return useQuery({
    queryKey: opsKeys.customers(f),
    queryFn: () => api.get<Page<Customer>>('/customers', { limit: 200, ...f }),
    placeholderData: keepPreviousData,
  });
}

export function useSaveCustomer() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ code, body }: { code?: string; body: CustomerInput }) =>
      code
        ? apiFetch<Customer>(`/customers/${encodeURIComponent(code)}`, { method: 'PUT', body })
        : apiFetch<Customer>('/customers', { method: 'POST', body }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['customers'] }),
  });
}

export function useChannels() {
  return useQuery({ queryKey: opsKeys.channels, queryFn: () => api.get<{ items: Channel[] }>('/channels') });
}

export function useSaveChannel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ key, body }: { key?: string; body: ChannelInput }) =>
      key
        ? apiFetch<Channel>(`/channels/${encodeURIComponent(key)}`, { method: 'PUT', body })
        : apiFetch<Channel>('/channels', { method: 'POST', body }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: opsKeys.channels }),
  });
}

export function useOutbox(status: string) {
  return useQuery({
    queryKey: opsKeys.outbox(status),
    queryFn: () => api.get<Page<OutboxMessage>>('/admin/outbox', { status: status || undefined, limit: 100 }),
    placeholderData: keepPreviousData,
  });
}

export function useRetryOutbox() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.post<OutboxMessage>(`/admin/outbox/${id}/retry`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['outbox'] }),
  });
}

/** Turns problem pointers (/name, /mapping/fields/x) into antd form field errors (first segment). */
export function fieldErrorsToForm(errors: FieldError[], known: string[]): { fields: { name: string; errors: string[] }[]; rest: FieldError[] } {
  const by = new Map<string, string[]>();
  const rest: FieldError[] = [];
  for (const e of errors) {
    const first = (e.pointer.startsWith('#') ? e.pointer.slice(1) : e.pointer).split('/')[1] ?? '';
    if (known.includes(first)) by.set(first, [...(by.get(first) ?? []), e.message]);
    else rest.push(e);
  }
  return { fields: [...by].map(([name, errs]) => ({ name, errors: errs })), rest };
}

/** The onError of a form's save: the errors of known fields go on those fields; anything else (or an error naming no field) goes to `setRest`, shown above the form. */
export function saveErrors(form: FormInstance, known: string[], setRest: (e: unknown) => void) {
  return (e: unknown) => {
    if (!isApiError(e)) return setRest(e);
    const { fields, rest } = fieldErrorsToForm(e.fieldErrors, known);
    form.setFields(fields as never);
    if (rest.length || !fields.length) setRest(e);
  };
}
