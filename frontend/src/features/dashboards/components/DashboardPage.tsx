import { useMemo, type ReactNode } from 'react';
import { Card, Col, DatePicker, Empty, Flex, Row, Select, Skeleton, Space, Statistic, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { useLang } from '../../../i18n/useLang';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useFlows } from '../../flows';
import { useDepartments } from '../../departments';
import { flowStatsQuery, useFlowStats } from '../api/stats';
import { busiestFlow } from '../lib/heatmap';
import { useQueries } from '@tanstack/react-query';
import {
  approverLatencyOption,
  cycleTimeOption,
  rejectionOption,
  reworkOption,
  slaOption,
  throughputOption,
  type ChartTexts,
} from '../lib/charts';
import type { FlowStats } from '../lib/types';
import { Chart } from './Chart';
import { BottleneckHeatmap } from './BottleneckHeatmap';

const DATE = 'YYYY-MM-DD';
const DEFAULT_DAYS = 30;

/** Route /dashboards — a flow's figures over a date range, for the departments the user may read. */
export function DashboardPage() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const [params, setParams] = useSearchParams();
  const flows = useFlows();
  const departments = useDepartments();

  const department = params.get('department') || undefined;
  const from = params.get('from') || dayjs().subtract(DEFAULT_DAYS - 1, 'day').format(DATE);
  const to = params.get('to') || dayjs().format(DATE);
  // without a flow in the URL: the one with the most orders in the period (each flow's figures are counted once)
  const keys = (flows.data?.items ?? []).map((f) => f.key);
  const counts = useQueries({
    queries: params.get('flow') ? [] : keys.map((k) => flowStatsQuery({ flow: k, department, from, to })),
    // a flow whose figures fail counts 0: the page then shows its error where it opens
    combine: (rs) => rs.map((r) => (r.isError ? 0 : r.data?.orders)),
  });
  const flow = params.get('flow') || busiestFlow(keys, counts) || '';
  const stats = useFlowStats({ flow, department, from, to });

  const setParam = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };

  return (
    <Flex vertical gap={16} data-testid="dashboard">
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('dashboard.title')}
        </Typography.Title>
        <Space wrap>
          <Select
            style={{ minWidth: 200 }}
            value={flow || undefined}
            loading={flows.isPending}
            onChange={(v: string) => setParam({ flow: v })}
            options={(flows.data?.items ?? []).map((f) => ({ value: f.key, label: pick(f.name) || f.key }))}
            placeholder={t('dashboard.flow')}
            data-testid="dashboard-flow"
          />
          <Select
            style={{ minWidth: 180 }}
            allowClear
            value={department}
            onChange={(v?: string) => setParam({ department: v })}
            options={(departments.data?.items ?? []).map((d) => ({ value: d.key, label: pick(d.name) || d.key }))}
            placeholder={t('dashboard.allDepartments')}
            data-testid="dashboard-department"
          />
          <DatePicker.RangePicker
            allowClear={false}
            value={[dayjs(from, DATE), dayjs(to, DATE)]}
            onChange={(v) => {
              const [a, b] = (v ?? []) as [Dayjs | null, Dayjs | null];
              if (a && b) setParam({ from: a.format(DATE), to: b.format(DATE) });
            }}
            data-testid="dashboard-range"
          />
        </Space>
      </Flex>
      {flows.isError && <ErrorAlert error={flows.error} onRetry={() => void flows.refetch()} />}
      {!flows.isPending && !flow && <Empty description={t('dashboard.noFlows')} />}
      {stats.isError && <ErrorAlert error={stats.error} onRetry={() => void stats.refetch()} />}
      {stats.isPending && flow ? <Skeleton active /> : null}
      {stats.data && <Figures stats={stats.data} fetching={stats.isFetching} />}
    </Flex>
  );
}

function Figures({ stats, fetching }: { stats: FlowStats; fetching: boolean }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const tx: ChartTexts = useMemo(() => {
    const names = new Map(stats.graph.nodes.map((n) => [n.id, pick(n.name) || n.id]));
    return {
      submitted: t('dashboard.submitted'),
      p50: 'p50',
      p90: 'p90',
      avg: t('dashboard.avg'),
      orders: t('dashboard.orders'),
      withinSla: t('dashboard.withinSla'),
      breachedClosed: t('dashboard.breachedClosed'),
      breachedOpen: t('dashboard.breachedOpen'),
      status: (s) => t(`status.${s}`, { defaultValue: s }),
      node: (id) => names.get(id) ?? id,
      reason: (code) => t(`reasons.${code}`, { defaultValue: code }),
      returns: (n) => t('dashboard.returnsN', { count: n }),
      unit: { s: t('dashboard.unit.s'), min: t('dashboard.unit.min'), h: t('dashboard.unit.h'), d: t('dashboard.unit.d') },
    };
  }, [stats, t, pick]);

  const options = useMemo(
    () => ({
      throughput: throughputOption(stats, tx),
      cycle: cycleTimeOption(stats, tx),
      latency: approverLatencyOption(stats, tx),
      rework: reworkOption(stats, tx),
      sla: slaOption(stats, tx),
      rejections: rejectionOption(stats, tx),
    }),
    [stats, tx],
  );
  const waiting = stats.bottlenecks.reduce((n, b) => n + b.waiting, 0);
  const breached = stats.sla.reduce((n, r) => n + r.breached, 0);
  const ended = stats.throughput.reduce((n, d) => n + Object.values(d.ended).reduce((a, b) => a + b, 0), 0);

  const panel = (key: string, title: string, has: boolean, chart: ReactNode) => (
    <Col xs={24} xl={12} key={key}>
      <Card size="small" title={title} data-testid={`panel-${key}`}>
        {has ? chart : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('dashboard.noData')} style={{ height: 268, paddingTop: 60 }} />}
      </Card>
    </Col>
  );

  return (
    <Flex vertical gap={16} style={{ opacity: fetching ? 0.7 : 1 }} data-testid="dashboard-figures" data-orders={stats.orders}>
      <Row gutter={[16, 16]}>
        {[
          ['orders', t('dashboard.ordersInRange'), stats.orders],
          ['ended', t('dashboard.ended'), ended],
          ['waiting', t('dashboard.waitingNow'), waiting],
          ['returns', t('dashboard.returns'), stats.rework.total],
          ['breached', t('dashboard.breaches'), breached],
        ].map(([k, title, v]) => (
          <Col xs={12} md={8} xl={4} key={k as string}>
            <Card size="small">
              <Statistic title={title} value={v as number} data-testid={`stat-${k as string}`} />
            </Card>
          </Col>
        ))}
        <Col xs={24} xl={4}>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('dashboard.scope')}{' '}
            {stats.departments.map((d) => (
              <Tag key={d}>{d}</Tag>
            ))}
          </Typography.Text>
        </Col>
      </Row>
      <Card size="small" title={t('dashboard.heatmap')} extra={<Typography.Text type="secondary">{t('dashboard.heatmapHelp')}</Typography.Text>}>
        <BottleneckHeatmap stats={stats} />
      </Card>
      <Row gutter={[16, 16]}>
        {panel('throughput', t('dashboard.throughput'), stats.throughput.length > 0, <Chart testId="chart-throughput" option={options.throughput} />)}
        {panel('cycle', t('dashboard.cycleTime'), stats.cycle_time.length > 0, <Chart testId="chart-cycle" option={options.cycle} />)}
        {panel('latency', t('dashboard.approverLatency'), stats.approver_latency.length > 0, <Chart testId="chart-latency" option={options.latency} />)}
        {panel(
          'rework',
          t('dashboard.rework'),
          stats.rework.histogram.length > 0,
          <>
            <Chart testId="chart-rework" option={options.rework} height={stats.rework.by_node.length ? 270 : 300} />
            {stats.rework.by_node.length > 0 && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="rework-by-node">
                {t('dashboard.returnedAt')}{' '}
                {stats.rework.by_node.map((r) => (
                  <Tag key={r.node}>
                    {tx.node(r.node)} × {r.count}
                  </Tag>
                ))}
              </Typography.Text>
            )}
          </>,
        )}
        {panel('sla', t('dashboard.sla'), stats.sla.length > 0, <Chart testId="chart-sla" option={options.sla} />)}
        {panel('rejections', t('dashboard.rejections'), stats.rejection_reasons.length > 0, <Chart testId="chart-rejections" option={options.rejections} />)}
      </Row>
    </Flex>
  );
}
