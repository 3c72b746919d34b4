import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiFetch } from '../../../lib/api';

export interface Product {
  sku: string;
  name: string;
  unit: string;
  price: number;
  low_stock: number;
  created_at: string;
}

export interface ProductInput {
  sku?: string;
  name?: string;
  unit?: string;
  price?: number;
  low_stock?: number;
}

export interface Warehouse {
  key: string;
  name: string;
  created_at: string;
}

export interface StockRow {
  sku: string;
  name: string;
  warehouse: string;
  on_hand: number;
  reserved: number;
  available: number;
  threshold: number;
  low: boolean;
  updated_at: string;
}

export interface StockMove {
  id: number;
  sku: string;
  warehouse: string;
  kind: 'reserve' | 'release' | 'ship' | 'return' | 'adjust';
  delta_on_hand: number;
  delta_reserved: number;
  order_id?: number;
  note: string;
  at: string;
}

export interface MovePage {
  items: StockMove[];
  next_cursor?: string;
}

export interface Adjustment {
  sku: string;
  warehouse: string;
  delta: number;
  reason: string;
}

export const stockKeys = {
  all: ['stock'] as const,
  products: () => [...stockKeys.all, 'products'] as const,
  warehouses: () => [...stockKeys.all, 'warehouses'] as const,
  levels: (f: { warehouse?: string; low?: boolean }) => [...stockKeys.all, 'levels', f] as const,
  moves: (sku: string, cursor?: string) => [...stockKeys.all, 'moves', sku, cursor ?? ''] as const,
};

export function useProducts() {
  return useQuery({ queryKey: stockKeys.products(), queryFn: () => api.get<Product[]>('/products') });
}

export function useWarehouses() {
  return useQuery({ queryKey: stockKeys.warehouses(), queryFn: () => api.get<Warehouse[]>('/warehouses') });
}

export function useStock(f: { warehouse?: string; low?: boolean }) {
  return useQuery({
    queryKey: stockKeys.levels(f),
    queryFn: () => api.get<StockRow[]>('/stock', { warehouse: f.warehouse || undefined, low: f.low ? 'true' : undefined }),
    placeholderData: (prev) => prev,
  });
}

export function useMoves(sku: string | undefined, cursor?: string) {
  return useQuery({
    queryKey: stockKeys.moves(sku ?? '', cursor),
    queryFn: () => api.get<MovePage>('/stock/moves', { sku, cursor, limit: 50 }),
    enabled: !!sku,
  });
}

export function useSaveProduct() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ sku, input, create }: { sku: string; input: ProductInput; create: boolean }) =>
      create ? api.post<Product>('/products', { ...input, sku }) : apiFetch<Product>(`/products/${encodeURIComponent(sku)}`, { method: 'PUT', body: input }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: stockKeys.all }),
  });
}

export function useAdjust() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: Adjustment) => api.post<{ stock: StockRow; move: StockMove }>('/stock/adjustments', a),
    onSuccess: () => void qc.invalidateQueries({ queryKey: stockKeys.all }),
  });
}
