// ECharts options for the dashboard, built from the stats answer. Pure functions: the page passes the texts
// (already translated) and gets options back, so they can be tested without a canvas.
import type { EChartsOption } from 'echarts';
import type { FlowStats, Timing } from './types';
import { inUnit, pickUnit, type DurationUnit } from './units';

export interface ChartTexts {
  submitted: string;
  p50: string;
  p90: string;
  avg: string;
  orders: string;
  withinSla: string;
  breachedClosed: string;
  breachedOpen: string;
  /** a final status (completed, rejected …) as shown */
  status: (s: string) => string;
  /** a node id as shown (its name) */
  node: (id: string) => string;
  /** a reason code as shown */
  reason: (code: string) => string;
  /** "n returns" for the rework axis */
  returns: (n: number) => string;
  unit: Record<DurationUnit, string>;
}

/** Colours of final statuses, so rejected stays red on every chart. */
export const STATUS_COLORS: Record<string, string> = {
  completed: '#52c41a',
  approved: '#73d13d',
  rejected: '#ff4d4f',
  withdrawn: '#bfbfbf',
  cancelled: '#8c8c8c',
};

const grid = { left: 48, right: 16, top: 40, bottom: 40, containLabel: true } as const;

/** Orders submitted per day (line) and ended per day by final status (stacked bars). */
export function throughputOption(s: FlowStats, tx: ChartTexts): EChartsOption {
  const days = s.throughput.map((d) => d.date);
  const statuses = [...new Set(s.throughput.flatMap((d) => Object.keys(d.ended)))].sort();
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid,
    xAxis: { type: 'category', data: days },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      ...statuses.map((st) => ({
        name: tx.status(st),
        type: 'bar' as const,
        stack: 'ended',
        itemStyle: STATUS_COLORS[st] ? { color: STATUS_COLORS[st] } : undefined,
        data: s.throughput.map((d) => d.ended[st] ?? 0),
      })),
      { name: tx.submitted, type: 'line' as const, smooth: true, itemStyle: { color: '#1677ff' }, data: s.throughput.map((d) => d.submitted) },
    ],
  };
}

/** p50 / p90 / mean bars per category, in one unit chosen from the largest value. */
function timingBars(categories: string[], rows: Timing[], tx: ChartTexts, withAvg: boolean): EChartsOption {
  const max = rows.reduce((m, r) => Math.max(m, r.p90, r.avg, r.p50), 0);
  const unit = pickUnit(max);
  const bar = (name: string, pick: (t: Timing) => number, color: string) => ({
    name,
    type: 'bar' as const,
    itemStyle: { color },
    data: rows.map((r) => inUnit(pick(r), unit)),
  });
  return {
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${String(v)} ${tx.unit[unit]}` },
    legend: { top: 0 },
    grid,
    xAxis: { type: 'category', data: categories, axisLabel: { interval: 0, rotate: categories.length > 5 ? 30 : 0 } },
    yAxis: { type: 'value', name: tx.unit[unit] },
    series: [bar(tx.p50, (r) => r.p50, '#69b1ff'), bar(tx.p90, (r) => r.p90, '#1677ff'), ...(withAvg ? [bar(tx.avg, (r) => r.avg, '#95de64')] : [])],
  };
}

/** How long each node stayed open (entered → closed): p50, p90, mean. */
export function cycleTimeOption(s: FlowStats, tx: ChartTexts): EChartsOption {
  return timingBars(
    s.cycle_time.map((c) => tx.node(c.node)),
    s.cycle_time,
    tx,
    true,
  );
}

/** How long each approver takes from a task's opening to their decision: p50, p90. */
export function approverLatencyOption(s: FlowStats, tx: ChartTexts): EChartsOption {
  return timingBars(
    s.approver_latency.map((u) => u.user),
    s.approver_latency,
    tx,
    false,
  );
}

/** Orders by how many times they were returned. */
export function reworkOption(s: FlowStats, tx: ChartTexts): EChartsOption {
  return {
    tooltip: { trigger: 'axis' },
    grid,
    xAxis: { type: 'category', data: s.rework.histogram.map((b) => tx.returns(b.returns)) },
    yAxis: { type: 'value', minInterval: 1, name: tx.orders },
    series: [
      {
        name: tx.orders,
        type: 'bar',
        data: s.rework.histogram.map((b) => ({ value: b.orders, itemStyle: { color: b.returns === 0 ? '#95de64' : b.returns === 1 ? '#ffc53d' : '#ff7a45' } })),
      },
    ],
  };
}

/** Per node: tasks within their SLA, breached and closed, breached and still open (stacked). */
export function slaOption(s: FlowStats, tx: ChartTexts): EChartsOption {
  const nodes = s.sla.map((r) => tx.node(r.node));
  const series = (name: string, color: string, pick: (r: FlowStats['sla'][number]) => number) => ({
    name,
    type: 'bar' as const,
    stack: 'sla',
    itemStyle: { color },
    data: s.sla.map(pick),
  });
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid,
    xAxis: { type: 'category', data: nodes, axisLabel: { interval: 0, rotate: nodes.length > 5 ? 30 : 0 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      series(tx.withinSla, '#95de64', (r) => r.tasks - r.breached),
      series(tx.breachedClosed, '#ff9c6e', (r) => r.breached - r.open_breached),
      series(tx.breachedOpen, '#f5222d', (r) => r.open_breached),
    ],
  };
}

/** Rejections by reason code. */
export function rejectionOption(s: FlowStats, tx: ChartTexts): EChartsOption {
  return {
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { type: 'scroll', bottom: 0 },
    series: [
      {
        type: 'pie',
        radius: ['35%', '65%'],
        center: ['50%', '45%'],
        data: s.rejection_reasons.map((r) => ({ name: tx.reason(r.key), value: r.count })),
        label: { formatter: '{b}: {c}' },
      },
    ],
  };
}
