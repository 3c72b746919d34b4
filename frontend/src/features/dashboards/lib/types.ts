// GET /api/v1/flows/{key}/stats (backend/service/stats.go). Durations are seconds.
import type { LocalizedText } from '../../../i18n/pickText';

export interface Timing {
  count: number;
  p50: number;
  p90: number;
  avg: number;
}

export interface FlowStats {
  flow: string;
  version: number;
  departments: string[];
  from?: string;
  to?: string;
  at: string;
  orders: number;
  graph: {
    nodes: { id: string; type: string; name?: LocalizedText; plugin?: string }[];
    edges: { from: string; to: string; outcome?: string; default?: boolean; label?: LocalizedText }[];
  };
  throughput: { date: string; submitted: number; ended: Record<string, number> }[];
  cycle_time: (Timing & { node: string })[];
  approver_latency: (Timing & { user: string })[];
  rework: { histogram: { returns: number; orders: number }[]; by_node: { node: string; count: number }[]; total: number };
  sla: { node: string; tasks: number; breached: number; open_breached: number; escalated: number }[];
  rejection_reasons: { key: string; count: number }[];
  bottlenecks: { node: string; waiting: number; orders: number; mean_age: number; max_age: number }[];
}
