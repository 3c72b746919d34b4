import { Button, Card, Flex, Space, Tag, Typography } from 'antd';
import { ArrowLeftOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { StatusTag } from '../../../components/StatusTag';
import { useLang } from '../../../i18n/useLang';
import { formatMoney } from '../../../lib/format';
import type { Order } from '../../../lib/types';

type Line = { name?: unknown; sku?: unknown; qty?: unknown };

/** The customer as the order's data names it (an object with a name, or a string), else its code. */
export function customerOf(o: Order): string {
  const c = (o.data as Record<string, unknown> | undefined)?.customer;
  if (c && typeof c === 'object' && typeof (c as { name?: unknown }).name === 'string') return (c as { name: string }).name;
  if (typeof c === 'string') return c;
  return o.customer ?? '';
}

/** The order's lines, summarised: the first few as "name × qty", and how many more. */
function linesOf(o: Order): { text: string; more: number } {
  const items = (o.data as Record<string, unknown> | undefined)?.items;
  if (!Array.isArray(items)) return { text: '', more: 0 };
  const shown = items.slice(0, 3).map((l: Line) => `${String(l?.name ?? l?.sku ?? '')} × ${String(l?.qty ?? '')}`);
  return { text: shown.join(' · '), more: Math.max(0, items.length - 3) };
}

/** A phone's order header: number and status, the amount large, the customer, the node under way, the lines in brief. */
export function PhoneOrderSummary({ order: o, nodeName }: { order: Order; nodeName: (node: string) => string }) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const lines = linesOf(o);
  return (
    <Card size="small" styles={{ body: { padding: 12 } }} data-testid="order-summary">
      <Flex align="center" justify="space-between" gap={8}>
        <Space size={4} style={{ minWidth: 0 }}>
          <Link to="/tasks">
            <Button type="text" icon={<ArrowLeftOutlined />} aria-label={t('common.back')} />
          </Link>
          <Typography.Text strong style={{ fontSize: 16 }} data-testid="order-number">
            {o.number}
          </Typography.Text>
        </Space>
        <StatusTag status={o.status} testId="order-status" />
      </Flex>
      <Flex justify="space-between" align="baseline" gap={8} style={{ marginTop: 6 }}>
        <Typography.Text strong ellipsis style={{ fontSize: 16, minWidth: 0 }} data-testid="order-customer">
          {customerOf(o) || '—'}
        </Typography.Text>
        <Typography.Text strong style={{ fontSize: 22, whiteSpace: 'nowrap' }} data-testid="order-total" data-value={o.total ?? ''}>
          {formatMoney(o.total, lang)}
        </Typography.Text>
      </Flex>
      {lines.text ? (
        <Typography.Paragraph type="secondary" ellipsis={{ rows: 2 }} style={{ margin: '4px 0 0' }} data-testid="order-lines">
          {lines.text}
          {lines.more ? ` ${t('phone.order.moreLines', { count: lines.more })}` : ''}
        </Typography.Paragraph>
      ) : null}
      {o.current_nodes?.length ? (
        <div style={{ marginTop: 6 }} data-testid="order-current-nodes" data-nodes={o.current_nodes.join(',')}>
          {o.current_nodes.map((n) => (
            <Tag key={n} color="blue">
              {nodeName(n)}
            </Tag>
          ))}
        </div>
      ) : null}
    </Card>
  );
}
