import { useState } from 'react';
import { Button, Card, Flex, Select, Space, Switch, Table, Tabs, Tag, Typography } from 'antd';
import { EditOutlined, HistoryOutlined, PlusOutlined, SwapOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useLiveEvents, useLiveTopics } from '../../../lib/live/LiveProvider';
import { stockKeys, useMoves, useProducts, useStock, useWarehouses, type Product, type StockRow } from '../api/stock';
import { isStockEvent, signed } from '../lib/stock';
import { AdjustDialog } from './AdjustDialog';
import { ProductDialog } from './ProductDialog';

/** Stock per warehouse: low rows highlighted, an adjustment per row, and the row's ledger. */
function LevelsTab({ onLedger }: { onLedger: (sku: string) => void }) {
  const { t } = useTranslation();
  const [warehouse, setWarehouse] = useState<string | undefined>();
  const [low, setLow] = useState(false);
  const [adjusting, setAdjusting] = useState<StockRow | null>(null);
  const warehouses = useWarehouses();
  const levels = useStock({ warehouse, low });
  return (
    <>
      <Flex gap={12} wrap style={{ marginBottom: 12 }} align="center">
        <Select
          allowClear
          placeholder={t('stock.allWarehouses')}
          style={{ minWidth: 180 }}
          value={warehouse}
          onChange={setWarehouse}
          options={(warehouses.data ?? []).map((w) => ({ value: w.key, label: w.name ? `${w.name} (${w.key})` : w.key }))}
          data-testid="stock-warehouse"
        />
        <Space>
          <Switch checked={low} onChange={setLow} data-testid="stock-low-only" />
          {t('stock.lowOnly')}
        </Space>
      </Flex>
      {levels.error && <ErrorAlert error={levels.error} />}
      <Table<StockRow>
        size="middle"
        rowKey={(r) => `${r.sku}@${r.warehouse}`}
        loading={levels.isLoading}
        dataSource={levels.data ?? []}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        rowClassName={(r) => (r.low ? 'stock-low-row' : '')}
        onRow={(r) => ({ 'data-low': r.low ? 'true' : 'false', style: r.low ? { background: '#fff1f0' } : undefined }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('stock.col.sku'), dataIndex: 'sku' },
          { title: t('stock.col.name'), dataIndex: 'name' },
          { title: t('stock.col.warehouse'), dataIndex: 'warehouse' },
          { title: t('stock.col.onHand'), dataIndex: 'on_hand', align: 'right' },
          { title: t('stock.col.reserved'), dataIndex: 'reserved', align: 'right' },
          {
            title: t('stock.col.available'),
            dataIndex: 'available',
            align: 'right',
            render: (v: number, r) => (
              <Space>
                {v}
                {r.low && <Tag color="red">{t('stock.low', { n: r.threshold })}</Tag>}
              </Space>
            ),
          },
          {
            title: '',
            key: 'actions',
            render: (_, r) => (
              <Space>
                <Button size="small" icon={<SwapOutlined />} onClick={() => setAdjusting(r)} data-testid={`adjust-${r.sku}-${r.warehouse}`}>
                  {t('stock.adjust.button')}
                </Button>
                <Button size="small" icon={<HistoryOutlined />} onClick={() => onLedger(r.sku)}>
                  {t('stock.ledger.button')}
                </Button>
              </Space>
            ),
          },
        ]}
      />
      <AdjustDialog row={adjusting} onClose={() => setAdjusting(null)} />
    </>
  );
}

function ProductsTab() {
  const { t } = useTranslation();
  const products = useProducts();
  const [editing, setEditing] = useState<{ product: Product | null } | null>(null);
  return (
    <>
      <Flex justify="end" style={{ marginBottom: 12 }}>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({ product: null })} data-testid="product-new">
          {t('stock.product.new')}
        </Button>
      </Flex>
      {products.error && <ErrorAlert error={products.error} />}
      <Table<Product>
        size="middle"
        rowKey="sku"
        loading={products.isLoading}
        dataSource={products.data ?? []}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        columns={[
          { title: t('stock.col.sku'), dataIndex: 'sku' },
          { title: t('stock.col.name'), dataIndex: 'name' },
          { title: t('stock.col.unit'), dataIndex: 'unit' },
          { title: t('stock.col.price'), dataIndex: 'price', align: 'right', render: (v: number) => v.toLocaleString() },
          { title: t('stock.col.threshold'), dataIndex: 'low_stock', align: 'right' },
          {
            title: '',
            key: 'edit',
            render: (_, p) => (
              <Button size="small" icon={<EditOutlined />} onClick={() => setEditing({ product: p })} data-testid={`edit-${p.sku}`}>
                {t('stock.product.editButton')}
              </Button>
            ),
          },
        ]}
      />
      <ProductDialog open={!!editing} product={editing?.product ?? null} onClose={() => setEditing(null)} />
    </>
  );
}

function LedgerTab({ sku, onSku }: { sku: string | undefined; onSku: (s: string | undefined) => void }) {
  const { t } = useTranslation();
  const products = useProducts();
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const moves = useMoves(sku, cursor);
  return (
    <>
      <Flex gap={12} style={{ marginBottom: 12 }}>
        <Select
          showSearch
          allowClear
          placeholder={t('stock.ledger.pickSku')}
          style={{ minWidth: 260 }}
          value={sku}
          onChange={(v) => {
            setCursors([]);
            onSku(v);
          }}
          options={(products.data ?? []).map((p) => ({ value: p.sku, label: `${p.sku} ${p.name}` }))}
          data-testid="ledger-sku"
        />
      </Flex>
      {moves.error && <ErrorAlert error={moves.error} />}
      {!sku ? (
        <Typography.Text type="secondary">{t('stock.ledger.empty')}</Typography.Text>
      ) : (
        <>
          <Table
            size="middle"
            rowKey="id"
            loading={moves.isLoading}
            dataSource={moves.data?.items ?? []}
            pagination={false}
            columns={[
              { title: t('stock.col.at'), dataIndex: 'at', render: (v: string) => new Date(v).toLocaleString() },
              { title: t('stock.col.warehouse'), dataIndex: 'warehouse' },
              { title: t('stock.col.kind'), dataIndex: 'kind', render: (k: string) => <Tag>{t(`stock.kind.${k}`, { defaultValue: k })}</Tag> },
              { title: t('stock.col.dOnHand'), dataIndex: 'delta_on_hand', align: 'right', render: signed },
              { title: t('stock.col.dReserved'), dataIndex: 'delta_reserved', align: 'right', render: signed },
              { title: t('stock.col.order'), dataIndex: 'order_id', render: (id?: number) => (id ? <Link to={`/orders/${id}`}>#{id}</Link> : '') },
              { title: t('stock.col.note'), dataIndex: 'note' },
            ]}
          />
          <Flex gap={8} justify="end" style={{ marginTop: 12 }}>
            <Button disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
              {t('stock.ledger.newer')}
            </Button>
            <Button disabled={!moves.data?.next_cursor} onClick={() => moves.data?.next_cursor && setCursors([...cursors, moves.data.next_cursor])}>
              {t('stock.ledger.older')}
            </Button>
          </Flex>
        </>
      )}
    </>
  );
}

/** /stock: products, stock per warehouse and the ledger, refreshed by stock.* live events. */
export function StockPage() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [tab, setTab] = useState('levels');
  const [sku, setSku] = useState<string | undefined>();
  useLiveTopics(['department:warehouse', 'admin']);
  useLiveEvents((e) => {
    if (isStockEvent(e.type)) void qc.invalidateQueries({ queryKey: stockKeys.all });
  });
  return (
    <Card title={t('stock.title')}>
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          { key: 'levels', label: t('stock.tabs.levels'), children: <LevelsTab onLedger={(s) => { setSku(s); setTab('ledger'); }} /> },
          { key: 'products', label: t('stock.tabs.products'), children: <ProductsTab /> },
          { key: 'ledger', label: t('stock.tabs.ledger'), children: <LedgerTab sku={sku} onSku={setSku} /> },
        ]}
      />
    </Card>
  );
}
