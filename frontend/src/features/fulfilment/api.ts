import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiFetch, randomUUID } from '../../lib/api';
import type { components } from '../../lib/api.gen';
import type { Order } from '../../lib/types';

// Wire types: generated from the OpenAPI document (lib/api.gen.ts, `npm run gen:api`).
type Schemas = components['schemas'];
export type LineView = Schemas['LineView'];
export type ShipmentLine = Schemas['ShipmentLine'];
export type Shipment = Schemas['ShipmentView'];
export type LinkedCase = Schemas['CaseView'];
/** The order as GET /orders/{id} shows it with shipping and links. */
export type FulfilmentOrder = Order;
export type Carrier = Schemas['Carrier'];
export type ShipmentRequest = Schemas['ShipmentRequest'];

export function useCarriers(enabled = true) {
  return useQuery({
    queryKey: ['carriers'],
    queryFn: () => api.get<{ items: Carrier[] }>('/carriers'),
    staleTime: 30 * 60_000,
    enabled,
  });
}

export function useRecordShipment(orderId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: ShipmentRequest) =>
      apiFetch<{ shipment: Shipment; complete: boolean; order: Order }>(`/orders/${encodeURIComponent(orderId)}/shipments`, {
        method: 'POST',
        body,
        headers: { 'Idempotency-Key': randomUUID() },
      }),
    onSuccess: (res) => {
      if (res?.order) qc.setQueryData(['orders', 'detail', orderId], res.order);
      void qc.invalidateQueries({ queryKey: ['orders'] });
      void qc.invalidateQueries({ queryKey: ['tasks'] });
    },
  });
}

export function useCreateCase() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { flow: string; data: Record<string, unknown>; parent: number }) =>
      apiFetch<Order>('/orders', { method: 'POST', body, headers: { 'Idempotency-Key': randomUUID() } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['orders'] }),
  });
}
