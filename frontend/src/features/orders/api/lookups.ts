import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { Schemas } from '../../../lib/types';

export type CatalogueProduct = Schemas['ProductView'];
export type CustomerRecord = Schemas['CustomerView'];

/** Products whose SKU or name contains q (the catalogue, GET /products?q=); off while q is null. */
export function useProductSearch(q: string | null) {
  return useQuery({
    queryKey: ['orders', 'lookup', 'products', q],
    queryFn: () => api.get<CatalogueProduct[]>('/products', { q: q || undefined }),
    enabled: q !== null,
    staleTime: 60_000,
    placeholderData: keepPreviousData,
  });
}

/** Customers whose code or name contains q (GET /customers?q=), the first 20; off while q is null. */
export function useCustomerSearch(q: string | null) {
  return useQuery({
    queryKey: ['orders', 'lookup', 'customers', q],
    queryFn: () => api.get<{ items: CustomerRecord[] }>('/customers', { q: q || undefined, limit: 20 }),
    enabled: q !== null,
    staleTime: 60_000,
    placeholderData: keepPreviousData,
  });
}
