import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../../i18n/useLang';
import type { CanvasNode, NodeType } from '../lib/document';
import { NODE_W } from '../lib/layout';

export const NODE_COLORS: Record<NodeType, string> = {
  start: '#52c41a',
  review: '#1677ff',
  switch: '#fa8c16',
  task: '#722ed1',
  wait: '#d4b106',
  subflow: '#c41d7f',
  parallel: '#13c2c2',
  inclusive: '#2f54eb',
  join: '#08979c',
  end: '#f5222d',
};

/** A node on the canvas: its type, name and id; red with the messages when the server found it wrong. */
export const FlowNodeView = memo(function FlowNodeView({ data, selected }: NodeProps<CanvasNode>) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const n = data.node;
  const color = NODE_COLORS[n.type] ?? '#8c8c8c';
  const errors = data.errors ?? [];
  const border = errors.length ? '#ff4d4f' : data.onPath ? '#faad14' : selected ? '#1677ff' : '#d9d9d9';
  const subtitle =
    n.type === 'review'
      ? [n.mode ? t(`designer.mode.${n.mode}`) : '', n.approvers?.role || n.approvers?.users?.join(', ') || n.approvers?.field || (n.approvers?.manager ? t('designer.managerLevels', { count: n.approvers.manager }) : '')]
          .filter(Boolean)
          .join(' · ')
      : n.type === 'task'
        ? n.plugin
        : n.type === 'end'
          ? n.status
          : n.type === 'join'
            ? n.fork && `⟵ ${n.fork}`
            : '';
  return (
    <div
      data-testid={`designer-node-${n.id}`}
      data-type={n.type}
      data-error={errors.length ? 'true' : 'false'}
      data-onpath={data.onPath ? 'true' : 'false'}
      style={{
        width: NODE_W,
        background: data.onPath ? '#fffbe6' : '#fff',
        border: `2px solid ${border}`,
        borderLeft: `6px solid ${color}`,
        borderRadius: 8,
        padding: '6px 10px',
        fontSize: 12,
        boxShadow: selected ? '0 0 0 3px rgba(22,119,255,.2)' : errors.length ? '0 0 0 3px rgba(255,77,79,.2)' : undefined,
      }}
    >
      {n.type !== 'start' && <Handle type="target" position={Position.Top} data-testid={`handle-in-${n.id}`} />}
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: 6 }}>
        <strong style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{pick(n.name) || n.id}</strong>
        <span style={{ color, whiteSpace: 'nowrap' }}>{t(`designer.type.${n.type}`)}</span>
      </div>
      <div style={{ color: '#8c8c8c', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
        {n.id}
        {subtitle ? ` · ${subtitle}` : ''}
      </div>
      {errors.map((m, i) => (
        <div key={i} data-testid="node-error" style={{ color: '#ff4d4f', marginTop: 4, whiteSpace: 'normal' }}>
          ⚠ {m}
        </div>
      ))}
      {n.type !== 'end' && <Handle type="source" position={Position.Bottom} data-testid={`handle-out-${n.id}`} />}
    </div>
  );
});
