import { memo, useMemo, useState } from 'react';
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import { useFlowLabels } from '../../../components/useFlowLabels';
import '@xyflow/react/dist/style.css';
import { Col, Flex, Row, Segmented, Table, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../../i18n/useLang';
import { docToGraph, type FlowDoc, type FlowNode } from '../../designer';
import { layoutDoc, NODE_W } from '../../designer';
import { NODE_COLORS } from '../../designer';
import { heatLegend, heatTextColor, HEAT_NONE, hottestNode, nodeHeat, type HeatMetric, type NodeHeat } from '../lib/heatmap';
import { formatDuration } from '../lib/units';
import type { FlowStats } from '../lib/types';

interface HeatData extends Record<string, unknown> {
  node: FlowNode;
  heat?: NodeHeat;
  fmt: (s: number) => string;
}
type HeatNode = Node<HeatData, 'heat'>;

const HeatNodeView = memo(function HeatNodeView({ data }: NodeProps<HeatNode>) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const n = data.node;
  const h = data.heat;
  const bg = h?.color ?? HEAT_NONE;
  const body = (
    <div
      data-testid={`heat-node-${n.id}`}
      data-waiting={h?.waiting ?? 0}
      data-level={h?.level !== undefined ? h.level.toFixed(2) : ''}
      style={{
        width: NODE_W,
        background: bg,
        color: heatTextColor(bg),
        border: '1px solid #d9d9d9',
        borderLeft: `6px solid ${NODE_COLORS[n.type] ?? '#8c8c8c'}`,
        borderRadius: 8,
        padding: '6px 10px',
        fontSize: 12,
      }}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} style={{ opacity: 0 }} />
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: 6 }}>
        <strong style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{pick(n.name) || n.id}</strong>
        {h && <span data-testid="heat-waiting">{t('dashboard.waitingN', { count: h.waiting })}</span>}
      </div>
      <div style={{ opacity: 0.8, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}>
        {h ? `${t('dashboard.meanAge')} ${data.fmt(h.meanAge)} · ${t('dashboard.maxAge')} ${data.fmt(h.maxAge)}` : n.id}
      </div>
      <Handle type="source" position={Position.Bottom} isConnectable={false} style={{ opacity: 0 }} />
    </div>
  );
  return h ? (
    <Tooltip title={t('dashboard.heatTooltip', { waiting: h.waiting, orders: h.orders, mean: data.fmt(h.meanAge), max: data.fmt(h.maxAge) })}>{body}</Tooltip>
  ) : (
    body
  );
});

const nodeTypes = { heat: HeatNodeView };

/** The flow graph (laid out as the designer does), each node coloured by what waits there now. */
export function BottleneckHeatmap({ stats, height = 640 }: { stats: FlowStats; height?: number }) {
  const { t } = useTranslation();
  const flowLabels = useFlowLabels();
  const { pick } = useLang();
  const [metric, setMetric] = useState<HeatMetric>('age');
  const units = useMemo(() => ({ s: t('dashboard.unit.s'), min: t('dashboard.unit.min'), h: t('dashboard.unit.h'), d: t('dashboard.unit.d') }), [t]);
  const fmt = useMemo(() => (s: number) => formatDuration(s, units), [units]);

  const { nodes, edges, max, hot } = useMemo(() => {
    const doc = { kind: 'flow', key: stats.flow, form: '', nodes: stats.graph.nodes as FlowNode[], edges: stats.graph.edges } as FlowDoc;
    const { byNode, max } = nodeHeat(stats.bottlenecks, metric);
    const g = docToGraph(doc, layoutDoc(doc));
    const nodes: HeatNode[] = g.nodes.map((n) => ({
      id: n.id,
      type: 'heat',
      position: n.position,
      draggable: false,
      selectable: false,
      connectable: false,
      data: { node: n.data.node, heat: byNode[n.id], fmt },
    }));
    const edges: Edge[] = g.edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      label: pick(e.data?.edge.label) || e.data?.edge.outcome || undefined,
      markerEnd: { type: MarkerType.ArrowClosed, color: '#8c8c8c' },
      style: { strokeWidth: 1.2 },
      selectable: false,
    }));
    return { nodes, edges, max, hot: hottestNode(byNode) };
  }, [stats, metric, fmt, pick]);

  const legend = heatLegend(max);
  const names = new Map(stats.graph.nodes.map((n) => [n.id, pick(n.name) || n.id]));
  const ranked = [...stats.bottlenecks].sort((a, b) => (metric === 'age' ? b.mean_age - a.mean_age : b.waiting - a.waiting));
  return (
    <Flex vertical gap={8} data-testid="bottleneck-heatmap" data-metric={metric}>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Segmented
          value={metric}
          onChange={(v) => setMetric(v as HeatMetric)}
          options={[
            { value: 'age', label: t('dashboard.byAge') },
            { value: 'count', label: t('dashboard.byCount') },
          ]}
          data-testid="heat-metric"
        />
        <Flex align="center" gap={4} data-testid="heat-legend" wrap>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {metric === 'age' ? t('dashboard.meanAge') : t('dashboard.waiting')}:
          </Typography.Text>
          <span style={{ display: 'inline-flex', alignItems: 'center', gap: 4, fontSize: 12 }}>
            <span style={{ width: 14, height: 14, background: HEAT_NONE, border: '1px solid #d9d9d9', display: 'inline-block' }} />
            {t('dashboard.nothingWaiting')}
          </span>
          {max > 0 &&
            legend.map((b, i) => (
              <span key={i} style={{ display: 'inline-flex', alignItems: 'center', gap: 4, fontSize: 12 }}>
                <span style={{ width: 14, height: 14, background: b.color, display: 'inline-block', borderRadius: 2 }} />
                {metric === 'age' ? `≤ ${fmt(b.to)}` : `≤ ${Math.ceil(b.to)}`}
              </span>
            ))}
        </Flex>
      </Flex>
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={15}>
          <div style={{ height, border: '1px solid #f0f0f0', borderRadius: 8, background: '#fff' }}>
            <ReactFlow
              ariaLabelConfig={flowLabels}
              proOptions={{ hideAttribution: true }}
              nodes={nodes}
              edges={edges}
              nodeTypes={nodeTypes}
              nodesDraggable={false}
              nodesConnectable={false}
              elementsSelectable={false}
              panOnScroll
              preventScrolling={false}
              fitView
              fitViewOptions={{ padding: 0.05, minZoom: 0.55, maxZoom: 1 }}
              onInit={(rf) => {
                // a long flow does not fit at a readable zoom: show its beginning, the rest scrolls
                void rf.fitView({ padding: 0.05, minZoom: 0.55, maxZoom: 1 }).then(() => {
                  const v = rf.getViewport();
                  const top = Math.min(...nodes.map((n) => n.position.y));
                  rf.setViewport({ x: v.x, y: Math.max(v.y, 16 - top * v.zoom), zoom: v.zoom });
                  // …but the hottest node stays in view: centre on it when the beginning leaves it out
                  const h = hot ? nodes.find((n) => n.id === hot) : undefined;
                  const el = h ? document.querySelector(`[data-id="${CSS.escape(h.id)}"]`) : null;
                  const box = el?.closest('.react-flow')?.getBoundingClientRect();
                  const r = el?.getBoundingClientRect();
                  if (h && box && r && (r.top < box.top || r.bottom > box.bottom || r.left < box.left || r.right > box.right)) {
                    void rf.setCenter(h.position.x + 90, h.position.y + 30, { zoom: v.zoom });
                  }
                });
              }}
              minZoom={0.2}
            >
              <Background />
              <Controls showInteractive={false} />
            </ReactFlow>
          </div>
        </Col>
        <Col xs={24} xl={9}>
          <Table
            size="small"
            rowKey="node"
            pagination={false}
            dataSource={ranked}
            data-testid="heat-table"
            locale={{ emptyText: t('dashboard.nothingWaiting') }}
            columns={[
              {
                title: t('dashboard.node'),
                dataIndex: 'node',
                render: (id: string) => (
                  <span>
                    <span style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 2, marginInlineEnd: 6, background: nodeHeat(stats.bottlenecks, metric).byNode[id]?.color ?? HEAT_NONE }} />
                    {names.get(id) ?? id}
                  </span>
                ),
              },
              { title: t('dashboard.waiting'), dataIndex: 'waiting', align: 'right' },
              { title: t('dashboard.orders'), dataIndex: 'orders', align: 'right' },
              { title: t('dashboard.meanAge'), dataIndex: 'mean_age', align: 'right', render: (v: number) => fmt(v) },
              { title: t('dashboard.maxAge'), dataIndex: 'max_age', align: 'right', render: (v: number) => fmt(v) },
            ]}
          />
        </Col>
      </Row>
    </Flex>
  );
}
