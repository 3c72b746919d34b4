import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiFetch } from '../../../lib/api';
import type { components } from '../../../lib/api.gen';

// Wire types: generated from the OpenAPI document (lib/api.gen.ts, `npm run gen:api`).
type Schemas = components['schemas'];
export type Product = Schemas['ProductView'];
export type ProductInput = Schemas['ProductInput'];
export type Warehouse = Schemas['WarehouseView'];
export type StockRow = Schemas['StockView'];
export type StockMove = Schemas['MoveView'];
export type MovePage = Schemas['MovePage'];
export type Adjustment = Schemas['AdjustmentRequest'];

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
