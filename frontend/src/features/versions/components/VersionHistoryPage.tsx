import { memo, useMemo, useState } from 'react';
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, ReactFlowProvider, type Edge, type Node, type NodeProps } from '@xyflow/react';
import { useFlowLabels } from '../../../components/useFlowLabels';
import '@xyflow/react/dist/style.css';
import { Alert, Button, Card, Col, Empty, Flex, Row, Select, Skeleton, Space, Table, Tag, Typography } from 'antd';
import { ArrowLeftOutlined, SwapOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useForbidden } from '../../auth';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useLang } from '../../../i18n/useLang';
import { useDef, useDefVersion } from '../../definitions';
import type { FlowDoc, FlowNode } from '../../designer';
import { layoutDoc, NODE_W } from '../../designer';
import { diffFlows, diffSummary, type DiffStatus, type FlowDiff } from '../lib/diff';

export const DIFF_COLORS: Record<DiffStatus, string> = { added: '#52c41a', removed: '#ff4d4f', changed: '#faad14', same: '#d9d9d9' };
const DIFF_BG: Record<DiffStatus, string> = { added: '#f6ffed', removed: '#fff1f0', changed: '#fffbe6', same: '#fff' };

type Which = number | 'draft';
interface DiffNodeData extends Record<string, unknown> {
  node: FlowNode;
  status: DiffStatus;
  changes: string[];
}
type DiffCanvasNode = Node<DiffNodeData, 'diff'>;

const DiffNodeView = memo(function DiffNodeView({ data }: NodeProps<DiffCanvasNode>) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const n = data.node;
  return (
    <div
      data-testid={`diff-node-${n.id}`}
      data-status={data.status}
      style={{
        width: NODE_W,
        background: DIFF_BG[data.status],
        border: `2px solid ${DIFF_COLORS[data.status]}`,
        borderRadius: 8,
        padding: '6px 10px',
        fontSize: 12,
      }}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <Flex justify="space-between" gap={6}>
        <strong style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{pick(n.name) || n.id}</strong>
        {data.status !== 'same' && <span style={{ color: DIFF_COLORS[data.status] }}>{t(`flowVersions.status.${data.status}`)}</span>}
      </Flex>
      <div style={{ color: '#8c8c8c', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
        {n.id} · {t(`designer.type.${n.type}`)}
      </div>
      {data.changes.length > 0 && <div style={{ color: '#ad6800', whiteSpace: 'normal' }}>{data.changes.join(', ')}</div>}
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
});
const nodeTypes = { diff: DiffNodeView };

/** One version on a read-only canvas, coloured by the diff: `side` a shows removals, b additions; both show changes. */
function DiffGraph({ doc, diff, side }: { doc: FlowDoc; diff: FlowDiff; side: 'a' | 'b' }) {
  const flowLabels = useFlowLabels();
  const { nodes, edges } = useMemo(() => {
    const pos = layoutDoc(doc);
    const byId = new Map(diff.nodes.map((d) => [d.id, d]));
    const visible = (s: DiffStatus) => (side === 'a' ? s !== 'added' : s !== 'removed');
    const nodes: DiffCanvasNode[] = doc.nodes.map((n) => {
      const d = byId.get(n.id);
      const status = d && visible(d.status) ? d.status : 'same';
      return { id: n.id, type: 'diff', position: pos[n.id] ?? { x: 0, y: 0 }, data: { node: n, status, changes: status === 'changed' ? d!.changes : [] }, draggable: false };
    });
    const edgeStatus = new Map(diff.edges.filter((e) => visible(e.status)).map((e) => [`${e.from}→${e.to}`, e.status]));
    const edges: Edge[] = doc.edges.map((e, i) => {
      const s = edgeStatus.get(`${e.from}→${e.to}`) ?? 'same';
      const color = s === 'same' ? '#8c8c8c' : DIFF_COLORS[s];
      return {
        id: `e${i}`,
        source: e.from,
        target: e.to,
        label: e.when || e.outcome || undefined,
        style: { stroke: color, strokeWidth: s === 'same' ? 1.5 : 3 },
        markerEnd: { type: MarkerType.ArrowClosed, color },
        className: `diff-edge-${s}`,
      };
    });
    return { nodes, edges };
  }, [doc, diff, side]);
  return (
    <div style={{ height: 560, border: '1px solid #f0f0f0', borderRadius: 8 }} data-testid={`diff-graph-${side}`}>
      <ReactFlowProvider>
        <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} fitView nodesDraggable={false} nodesConnectable={false} elementsSelectable={false} proOptions={{ hideAttribution: true }} ariaLabelConfig={flowLabels}>
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
}

/** Route /designer/versions/:key — the published versions of a flow and two of them side by side. */
export function VersionHistoryPage() {
  const { key = '' } = useParams();
  const forbidden = useForbidden('definitions.manage');
  const def = useDef<FlowDoc>('flows', key);
  if (forbidden) return forbidden;
  if (def.isPending) return <Skeleton active />;
  if (def.isError) return <ErrorAlert error={def.error} onRetry={() => void def.refetch()} />;
  const versions = def.data.versions ?? [];
  return <History flowKey={key} versions={versions} draft={def.data.draft} />;
}

function History({ flowKey, versions, draft }: { flowKey: string; versions: number[]; draft?: FlowDoc }) {
  const { t } = useTranslation();
  const latest = versions[versions.length - 1];
  const [a, setA] = useState<Which | undefined>(versions.length > 1 ? versions[versions.length - 2] : latest);
  const [b, setB] = useState<Which | undefined>(draft ? 'draft' : latest);
  const va = useDefVersion<FlowDoc>('flows', flowKey, typeof a === 'number' ? a : undefined);
  const vb = useDefVersion<FlowDoc>('flows', flowKey, typeof b === 'number' ? b : undefined);
  const docA = a === 'draft' ? draft : va.data?.body;
  const docB = b === 'draft' ? draft : vb.data?.body;
  const diff = useMemo(() => (docA && docB ? diffFlows(docA, docB) : undefined), [docA, docB]);
  const options = [...versions.map((v) => ({ value: v as Which, label: t('defs.versionN', { version: v }) })), ...(draft ? [{ value: 'draft' as Which, label: t('flowVersions.draft') }] : [])];
  const summary = diff && diffSummary(diff);
  const changedRows = diff
    ? [
        ...diff.flow.map((p) => ({ key: `flow:${p}`, what: t('flowVersions.flowProps'), status: 'changed' as DiffStatus, changes: [p] })),
        ...diff.nodes.filter((n) => n.status !== 'same').map((n) => ({ key: `n:${n.id}`, what: n.id, status: n.status, changes: n.changes })),
        ...diff.edges.filter((e) => e.status !== 'same').map((e) => ({ key: `e:${e.id}`, what: e.id, status: e.status, changes: e.changes })),
      ]
    : [];

  return (
    <Flex vertical gap={12}>
      <Card size="small">
        <Flex justify="space-between" align="center" wrap gap={8}>
          <Space wrap>
            <Link to="/designer/versions">
              <ArrowLeftOutlined /> {t('flowVersions.title')}
            </Link>
            <Typography.Title level={4} style={{ margin: 0 }}>
              <Typography.Text code>{flowKey}</Typography.Text>
            </Typography.Title>
            {versions.map((v) => (
              <Tag key={v} color={v === latest ? 'green' : undefined}>
                {t('defs.versionN', { version: v })}
              </Tag>
            ))}
          </Space>
          <Space wrap>
            <Select style={{ width: 140 }} value={a} onChange={setA} options={options} data-testid="versions-a" />
            <Button icon={<SwapOutlined />} onClick={() => (setA(b), setB(a))} aria-label={t('flowVersions.swap')} />
            <Select style={{ width: 140 }} value={b} onChange={setB} options={options} data-testid="versions-b" />
            <Link to={`/designer/versions/${encodeURIComponent(flowKey)}/migrate`}>
              <Button data-testid="versions-migrate">{t('flowMigration.open')}</Button>
            </Link>
          </Space>
        </Flex>
      </Card>
      {!versions.length && !draft ? (
        <Empty description={t('flowVersions.none')} />
      ) : va.isError || vb.isError ? (
        <ErrorAlert error={va.error ?? vb.error} />
      ) : !diff || !docA || !docB ? (
        <Skeleton active />
      ) : (
        <>
          <Space wrap data-testid="versions-summary">
            <Tag color="success">{t('flowVersions.summary.added', { count: summary!.added })}</Tag>
            <Tag color="error">{t('flowVersions.summary.removed', { count: summary!.removed })}</Tag>
            <Tag color="warning">{t('flowVersions.summary.changed', { count: summary!.changed })}</Tag>
            {a === b && <Alert type="info" showIcon title={t('flowVersions.sameVersion')} />}
          </Space>
          <Row gutter={12}>
            <Col xs={24} lg={12}>
              <Card size="small" title={a === 'draft' ? t('flowVersions.draft') : t('defs.versionN', { version: a })}>
                <DiffGraph doc={docA} diff={diff} side="a" />
              </Card>
            </Col>
            <Col xs={24} lg={12}>
              <Card size="small" title={b === 'draft' ? t('flowVersions.draft') : t('defs.versionN', { version: b })}>
                <DiffGraph doc={docB} diff={diff} side="b" />
              </Card>
            </Col>
          </Row>
          <Card size="small" title={t('flowVersions.changes')}>
            <Table
              size="small"
              pagination={false}
              dataSource={changedRows}
              data-testid="versions-changes"
              locale={{ emptyText: t('flowVersions.noChanges') }}
              columns={[
                { title: t('flowVersions.what'), dataIndex: 'what', render: (w: string) => <Typography.Text code>{w}</Typography.Text> },
                { title: t('flowVersions.change'), dataIndex: 'status', render: (s: DiffStatus) => <Tag color={DIFF_COLORS[s]}>{t(`flowVersions.status.${s}`)}</Tag> },
                { title: t('flowVersions.properties'), dataIndex: 'changes', render: (c: string[]) => c.map((p) => <Tag key={p}>{p}</Tag>) },
              ]}
            />
          </Card>
        </>
      )}
    </Flex>
  );
}
