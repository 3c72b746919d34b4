import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import type { EChartsOption } from 'echarts';
import { renderWithProviders } from '../../../test/render';
import type { FlowStats } from '../lib/types';
import { DashboardPage } from './DashboardPage';

// no canvas in jsdom: the chart wrapper shows which series it was given instead
vi.mock('./Chart', () => ({
  Chart: ({ option, testId }: { option: EChartsOption; testId?: string }) => (
    <div data-testid={testId} data-series={((option.series as { name?: string }[]) ?? []).map((s) => s.name ?? '').join('|')} />
  ),
}));

const stats: FlowStats = {
  flow: 'order-review',
  version: 1,
  departments: ['sales'],
  at: '2026-03-01T09:00:00Z',
  orders: 6,
  graph: {
    nodes: [
      { id: 'start', type: 'start', name: { en: 'Start' } },
      { id: 'verify', type: 'review', name: { en: 'Verify' } },
      { id: 'sales_review', type: 'review', name: { en: 'Sales review' } },
      { id: 'done', type: 'end', name: { en: 'Done' } },
    ],
    edges: [
      { from: 'start', to: 'verify' },
      { from: 'verify', to: 'sales_review' },
      { from: 'sales_review', to: 'done' },
    ],
  },
  throughput: [{ date: '2026-03-01', submitted: 6, ended: { rejected: 3, completed: 1 } }],
  cycle_time: [{ node: 'verify', count: 7, p50: 40, p90: 70, avg: 40 }],
  approver_latency: [{ user: 'manager', count: 5, p50: 180, p90: 3000, avg: 720 }],
  rework: { histogram: [{ returns: 0, orders: 5 }, { returns: 2, orders: 1 }], by_node: [{ node: 'sales_review', count: 2 }], total: 2 },
  sla: [{ node: 'verify', tasks: 8, breached: 5, open_breached: 1, escalated: 1 }],
  rejection_reasons: [],
  bottlenecks: [
    { node: 'verify', waiting: 1, orders: 1, mean_age: 3600, max_age: 3600 },
    { node: 'sales_review', waiting: 2, orders: 2, mean_age: 900, max_age: 1800 },
  ],
};

afterEach(() => vi.unstubAllGlobals());

describe('DashboardPage', () => {
  it('loads the first flow for the last 30 days and shows the figures, charts and heatmap', async () => {
    const urls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        urls.push(url);
        const body = url.includes('/stats')
          ? stats
          : url.includes('/flows')
            ? { items: [{ key: 'order-review', version: 1, name: { en: 'Order review' } }] }
            : { items: [{ key: 'sales', name: { en: 'Sales' } }] };
        return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
      }),
    );
    renderWithProviders(<DashboardPage />, { lang: 'en', initialEntries: ['/dashboards'] });
    const figures = await screen.findByTestId('dashboard-figures');
    const statsUrl = urls.find((u) => u.includes('/stats'))!;
    expect(statsUrl).toMatch(/^\/api\/v1\/flows\/order-review\/stats\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/);
    expect(figures.dataset.orders).toBe('6');
    expect(screen.getByTestId('stat-ended').textContent).toContain('4');
    expect(screen.getByTestId('stat-waiting').textContent).toContain('3');
    expect(screen.getByTestId('stat-breached').textContent).toContain('5');
    expect(screen.getByTestId('chart-throughput').dataset.series).toBe('Completed|Rejected|Submitted');
    expect(screen.getByTestId('chart-sla')).toBeTruthy();
    expect(screen.getByTestId('rework-by-node').textContent).toContain('Sales review × 2');
    // no rejections in the range: an empty panel, not an empty chart
    expect(screen.queryByTestId('chart-rejections')).toBeNull();
    expect(screen.getByTestId('panel-rejections').textContent).toContain('No data in this range');
    // the heatmap table ranks by mean wait, the worst first
    const rows = [...screen.getByTestId('heat-table').querySelectorAll('tbody tr.ant-table-row')];
    expect(rows.map((r) => r.textContent)).toEqual([expect.stringContaining('Verify'), expect.stringContaining('Sales review')]);
    await waitFor(() => expect(screen.getByTestId('heat-node-verify').dataset.level).toBe('1.00'));
    expect(screen.getByTestId('heat-node-sales_review').dataset.level).toBe('0.25');
    expect(screen.getByTestId('heat-node-done').dataset.level).toBe('');
  }, 60_000);

  it('shows the refusal when the user may not read the department', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) =>
        url.includes('/stats')
          ? new Response(JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, detail: 'you may not read the orders of department sales' }), {
              status: 403,
              headers: { 'Content-Type': 'application/problem+json' },
            })
          : new Response(JSON.stringify({ items: [{ key: 'order-review', version: 1, name: { en: 'Order review' } }] }), { status: 200, headers: { 'Content-Type': 'application/json' } }),
      ),
    );
    renderWithProviders(<DashboardPage />, { lang: 'en', initialEntries: ['/dashboards?department=sales'] });
    expect(await screen.findByText(/you may not read the orders of department sales/)).toBeTruthy();
  });
});
