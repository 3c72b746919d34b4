import { describe, expect, it } from 'vitest';
import type { BarSeriesOption, LineSeriesOption, PieSeriesOption } from 'echarts';
import { approverLatencyOption, cycleTimeOption, rejectionOption, reworkOption, slaOption, throughputOption, type ChartTexts } from './charts';
import type { FlowStats } from './types';
import { formatDuration, inUnit, pickUnit } from './units';

const tx: ChartTexts = {
  submitted: 'Submitted',
  p50: 'p50',
  p90: 'p90',
  avg: 'Mean',
  orders: 'Orders',
  withinSla: 'Within',
  breachedClosed: 'Breached',
  breachedOpen: 'Open',
  status: (s) => s.toUpperCase(),
  node: (id) => `N:${id}`,
  reason: (c) => `R:${c}`,
  returns: (n) => `${n}x`,
  unit: { s: 's', min: 'min', h: 'h', d: 'd' },
};

const stats: FlowStats = {
  flow: 'order-review',
  version: 1,
  departments: ['sales'],
  at: '2026-03-01T09:00:00Z',
  orders: 6,
  graph: { nodes: [], edges: [] },
  throughput: [
    { date: '2026-03-01', submitted: 2, ended: {} },
    { date: '2026-03-02', submitted: 2, ended: { rejected: 2 } },
    { date: '2026-03-03', submitted: 0, ended: { completed: 1 } },
  ],
  cycle_time: [{ node: 'verify', count: 7, p50: 40, p90: 70, avg: 40 }],
  approver_latency: [
    { user: 'manager', count: 5, p50: 180, p90: 3000, avg: 720 },
    { user: 'clerk', count: 7, p50: 40, p90: 70, avg: 40 },
  ],
  rework: { histogram: [{ returns: 0, orders: 5 }, { returns: 1, orders: 0 }, { returns: 2, orders: 1 }], by_node: [{ node: 'sales_review', count: 2 }], total: 2 },
  sla: [{ node: 'verify', tasks: 8, breached: 5, open_breached: 1, escalated: 1 }],
  rejection_reasons: [{ key: 'price_too_low', count: 2 }, { key: 'duplicate', count: 1 }],
  bottlenecks: [],
};

const series = <T,>(o: { series?: unknown }) => o.series as T[];

describe('units', () => {
  it('picks the largest unit the value reaches', () => {
    expect(pickUnit(0)).toBe('s');
    expect(pickUnit(59)).toBe('s');
    expect(pickUnit(60)).toBe('min');
    expect(pickUnit(3600)).toBe('h');
    expect(pickUnit(86400 * 2)).toBe('d');
    expect(inUnit(5400, 'h')).toBe(1.5);
    expect(formatDuration(5400, tx.unit)).toBe('1.5 h');
    expect(formatDuration(45, tx.unit)).toBe('45 s');
    expect(formatDuration(150, tx.unit)).toBe('3 min');
  });
});

describe('chart options', () => {
  it('throughput: a stacked bar per final status and the submitted line', () => {
    const o = throughputOption(stats, tx);
    expect((o.xAxis as { data: string[] }).data).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    const s = series<BarSeriesOption | LineSeriesOption>(o);
    expect(s.map((x) => x.name)).toEqual(['COMPLETED', 'REJECTED', 'Submitted']);
    expect(s[0].data).toEqual([0, 0, 1]);
    expect(s[1].data).toEqual([0, 2, 0]);
    expect(s[1]).toMatchObject({ type: 'bar', stack: 'ended', itemStyle: { color: '#ff4d4f' } });
    expect(s[2]).toMatchObject({ type: 'line', data: [2, 2, 0] });
  });

  it('cycle time: p50/p90/mean in one unit from the largest value', () => {
    const o = cycleTimeOption(stats, tx);
    expect((o.xAxis as { data: string[] }).data).toEqual(['N:verify']);
    expect((o.yAxis as { name: string }).name).toBe('min');
    expect(series<BarSeriesOption>(o).map((s) => s.data)).toEqual([[0.67], [1.17], [0.67]]);
  });

  it('approver latency: p50 and p90 per user, in minutes when the slowest p90 is 50 min', () => {
    const o = approverLatencyOption(stats, tx);
    expect((o.xAxis as { data: string[] }).data).toEqual(['manager', 'clerk']);
    const s = series<BarSeriesOption>(o);
    expect(s.map((x) => x.name)).toEqual(['p50', 'p90']);
    expect(s[0].data).toEqual([3, 0.67]);
    expect(s[1].data).toEqual([50, 1.17]);
  });

  it('rework: orders per number of returns', () => {
    const o = reworkOption(stats, tx);
    expect((o.xAxis as { data: string[] }).data).toEqual(['0x', '1x', '2x']);
    expect((series<BarSeriesOption>(o)[0].data as { value: number }[]).map((d) => d.value)).toEqual([5, 0, 1]);
  });

  it('SLA: within, breached and done, breached and open add up to the tasks', () => {
    const s = series<BarSeriesOption>(slaOption(stats, tx));
    expect(s.map((x) => x.data)).toEqual([[3], [4], [1]]);
    expect(s.every((x) => x.stack === 'sla')).toBe(true);
  });

  it('rejection reasons: a pie slice per reason, labelled', () => {
    const s = series<PieSeriesOption>(rejectionOption(stats, tx));
    expect(s[0].data).toEqual([
      { name: 'R:price_too_low', value: 2 },
      { name: 'R:duplicate', value: 1 },
    ]);
  });
});
