import { useQuery } from '@tanstack/react-query';
import { api, isApiError } from '../../../lib/api';
import type { components } from '../../../lib/api.gen';

// Wire types: generated from the OpenAPI document (lib/api.gen.ts, `npm run gen:api`).
type Schemas = components['schemas'];
/** A backup recorded by `sluice backup` (BackupInfo). */
export type BackupInfo = Schemas['BackupInfo'];
/** GET /admin/status (SystemStatus). */
export type SystemStatus = Schemas['SystemStatus'];

export const STATUS_REFETCH_MS = 15_000;

export const adminStatusKeys = { status: ['admin', 'status'] as const };

export function useSystemStatus() {
  return useQuery({
    queryKey: adminStatusKeys.status,
    queryFn: () => api.get<SystemStatus>('/admin/status'),
    // a 403 will not go away by polling
    refetchInterval: (query) => (isApiError(query.state.error) && query.state.error.status === 403 ? false : STATUS_REFETCH_MS),
  });
}
