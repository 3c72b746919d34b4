import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiFetch, randomUUID } from '../../lib/api';
import type { LocalizedText } from '../../i18n/pickText';
import type { Order, Task } from '../../lib/types';

export interface LineView {
  sku: string;
  name?: string;
  ordered: number;
  shipped: number;
  remaining: number;
}

export interface ShipmentLine {
  sku: string;
  qty: number;
}

export interface Shipment {
  id: number;
  number: string;
  carrier: string;
  carrier_name?: LocalizedText;
  tracking: string;
  tracking_url: string;
  warehouse: string;
  lines: ShipmentLine[];
  shipped_by: string;
  created_at: string;
}

export interface LinkedCase {
  id: number;
  number: string;
  flow: string;
  status: string;
  source: string;
  node?: string;
  created_at: string;
}

/** The order as GET /orders/{id} shows it with shipping and links. */
export type FulfilmentOrder = Order & {
  lines?: LineView[];
  shipments?: Shipment[];
  children?: LinkedCase[];
  parent?: number;
  source?: string;
  tasks?: Task[];
};

export interface Carrier {
  key: string;
  name: LocalizedText;
  tracking_url: string;
}

export interface ShipmentRequest {
  carrier: string;
  tracking: string;
  warehouse?: string;
  lines: ShipmentLine[];
}

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
