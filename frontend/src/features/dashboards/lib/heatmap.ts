// Colours the flow graph by what waits at each node: a sequential scale from calm (little waiting)
// to hot (the worst node of the flow), grey where nothing waits.
import type { FlowStats } from './types';

export type HeatMetric = 'age' | 'count';

/** Calm → hot. */
export const HEAT_STOPS = ['#d9f7be', '#fff1b8', '#ffd591', '#ff9c6e', '#ff4d4f'] as const;
export const HEAT_NONE = '#f5f5f5';

export interface NodeHeat {
  waiting: number;
  orders: number;
  meanAge: number;
  maxAge: number;
  /** 0..1 on the scale, undefined where nothing waits */
  level?: number;
  color: string;
}

/** The stop for a level in [0, 1]: the scale is split into equal bands. */
export function heatColor(level: number | undefined): string {
  if (level === undefined || Number.isNaN(level)) return HEAT_NONE;
  const l = Math.min(1, Math.max(0, level));
  return HEAT_STOPS[Math.min(HEAT_STOPS.length - 1, Math.floor(l * HEAT_STOPS.length))];
}

/** Text that stays readable on a stop. */
export function heatTextColor(color: string): string {
  return color === HEAT_STOPS[HEAT_STOPS.length - 1] ? '#fff' : 'rgba(0,0,0,.88)';
}

/** Per node: its waiting figures and colour, the level being value / max over the nodes (so the worst node is hot). */
export function nodeHeat(bottlenecks: FlowStats['bottlenecks'], metric: HeatMetric): { byNode: Record<string, NodeHeat>; max: number } {
  const value = (b: FlowStats['bottlenecks'][number]) => (metric === 'age' ? b.mean_age : b.waiting);
  const max = bottlenecks.reduce((m, b) => Math.max(m, value(b)), 0);
  const byNode: Record<string, NodeHeat> = {};
  for (const b of bottlenecks) {
    if (b.waiting <= 0) continue;
    const level = max > 0 ? value(b) / max : 0;
    byNode[b.node] = { waiting: b.waiting, orders: b.orders, meanAge: b.mean_age, maxAge: b.max_age, level, color: heatColor(level) };
  }
  return { byNode, max };
}

/** Legend bands: for each stop the range of values it stands for. */
export function heatLegend(max: number): { color: string; from: number; to: number }[] {
  const n = HEAT_STOPS.length;
  return HEAT_STOPS.map((color, i) => ({ color, from: (max * i) / n, to: (max * (i + 1)) / n }));
}

/** The hottest node (the highest level; ties: the first), to keep in view; undefined when nothing waits. */
export function hottestNode(byNode: Record<string, NodeHeat>): string | undefined {
  let best: string | undefined;
  for (const [node, h] of Object.entries(byNode)) if (!best || (h?.level ?? 0) > (byNode[best]?.level ?? 0)) best = node;
  return best;
}

/** The flow to open on: the one with the most orders in the period (ties: the first listed); undefined until all are counted. */
export function busiestFlow(flows: readonly string[], orders: readonly (number | undefined)[]): string | undefined {
  if (!flows.length || orders.some((n) => n === undefined)) return undefined;
  let best = 0;
  orders.forEach((n, i) => {
    if ((n ?? 0) > (orders[best] ?? 0)) best = i;
  });
  return flows[best];
}
