import { useQuery } from '@tanstack/react-query';
import { api, isApiError } from '../../../lib/api';

/** A backup recorded by `sluice backup` (BackupInfo). */
export interface BackupInfo {
  path: string;
  bytes: number;
  at: string;
  schema_version: number;
  audit_seq: number;
  orders: number;
}

/** GET /admin/status (SystemStatus). */
export interface SystemStatus {
  build: { version: string; revision?: string; modified?: boolean; go_version: string };
  started_at: string;
  uptime_seconds: number;
  database: {
    dialect: 'sqlite' | 'postgres';
    url: string;
    schema_version: number;
    latest_schema_version: number;
    audit_seq: number;
    event_seq: number;
  };
  orders: Record<string, number>;
  tasks: { open: number; oldest_age_seconds: number };
  counts: Record<string, number>;
  last_backup: BackupInfo | null;
}

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
