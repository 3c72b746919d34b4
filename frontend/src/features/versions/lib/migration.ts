// Moving orders in flight between published versions of a flow (POST /flows/{key}/migrations/preview|apply).
import type { FlowDoc } from '../../designer';

export interface MigrationRequest {
  from: number;
  to: number;
  /** old review node id → new review node id */
  map: Record<string, string>;
  orders?: number[];
}

export interface MigrationItem {
  order: number;
  number: string;
  at: string[] | null;
  to?: string[];
  problem?: string;
  moved: boolean;
}

/** Each review node of `from` mapped to the review node of `to` with the same id (empty when there is none). */
export function defaultNodeMap(from: FlowDoc, to: FlowDoc): Record<string, string> {
  const targets = new Set(to.nodes.filter((n) => n.type === 'review').map((n) => n.id));
  return Object.fromEntries(from.nodes.filter((n) => n.type === 'review').map((n) => [n.id, targets.has(n.id) ? n.id : '']));
}

/** A previewed order can move when the server found no problem and a place for it. */
export const movable = (i: MigrationItem) => !i.problem && (i.to?.length ?? 0) > 0;
