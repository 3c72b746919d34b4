import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Empty, Flex, List, Modal, Segmented, Select, Skeleton, Space, Table, Tag, Typography } from 'antd';
import { DownloadOutlined, FilePdfOutlined, LinkOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useFlowForm } from '../flows';
import { useLiveEvents } from '../../lib/live/LiveProvider';
import { OrderForm } from '../orders';
import { ErrorAlert } from '../../components/ErrorAlert';
import { StatusTag } from '../../components/StatusTag';
import { useLang } from '../../i18n/useLang';
import { buildUrl, isApiError, pointersToErrorSchema, postDownload } from '../../lib/api';
import { formatDateTime } from '../../lib/format';
import { useExceptions } from '../exceptions';
import { reasonColor } from '../exceptions';
import { DeadlineCountdown } from '../exceptions';
import { useCreateCase, type FulfilmentOrder, type LineView, type Shipment } from './api';
import { shippingTask } from './lib';
import { ShipmentForm } from './ShipmentForm';

const DOCUMENTS = ['order', 'packing-slip', 'delivery-note'] as const;
const CASE_FLOWS = { return: 'aftersales-return', complaint: 'aftersales-complaint' } as const;

/** The order's open exception, with a link to resolve it in the inbox. */
export function OrderExceptionAlert({ order }: { order: FulfilmentOrder }) {
  const { t } = useTranslation();
  const list = useExceptions({ status: 'open', flow: order.flow });
  if (order.status !== 'exception') return null;
  const ex = list.data?.items.find((e) => String(e.order_id) === String(order.id));
  if (!ex) return null;
  return (
    <Alert
      type="error"
      showIcon
      data-testid="order-exception"
      data-reason={ex.reason}
      title={
        <Space wrap>
          <Tag color={reasonColor(ex.reason)}>{t(`ops.reason.${ex.reason}`, { defaultValue: ex.reason })}</Tag>
          {ex.message}
        </Space>
      }
      description={
        <Space wrap>
          <DeadlineCountdown deadline={ex.deadline} overdue={ex.overdue} />
          <Link to={`/exceptions?status=open&flow=${encodeURIComponent(order.flow)}&open=${ex.id}`} data-testid="order-exception-link">
            {ex.can_resolve ? t('ops.exceptions.resolveInInbox') : t('ops.exceptions.viewInInbox')}
          </Link>
        </Space>
      }
    />
  );
}

function ShipmentsList({ shipments }: { shipments: Shipment[] }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  if (!shipments.length) return <Typography.Text type="secondary">{t('ops.ship.none')}</Typography.Text>;
  return (
    <List
      size="small"
      dataSource={shipments}
      data-testid="shipments"
      renderItem={(s) => (
        <List.Item data-testid="shipment" data-number={s.number}>
          <Flex vertical style={{ width: '100%' }}>
            <Space wrap>
              <Typography.Text strong>{s.number}</Typography.Text>
              <Tag>{pick(s.carrier_name) || s.carrier}</Tag>
              {s.tracking_url ? (
                <a href={s.tracking_url} target="_blank" rel="noreferrer" data-testid="shipment-tracking-link">
                  <LinkOutlined /> {s.tracking}
                </a>
              ) : (
                s.tracking
              )}
            </Space>
            <Typography.Text type="secondary">
              {s.lines.map((l) => `${l.sku} × ${l.qty}`).join(t('common.listSeparator'))} · {s.shipped_by} · {formatDateTime(s.created_at)}
            </Typography.Text>
          </Flex>
        </List.Item>
      )}
    />
  );
}

/** Lines ordered / shipped / remaining, the shipments, and the form to record one when the user may ship. */
export function ShippingCard({ order }: { order: FulfilmentOrder }) {
  const { t } = useTranslation();
  const lines: LineView[] = order.lines ?? [];
  const shipments = order.shipments ?? [];
  if (!lines.length && !shipments.length) return null;
  const remaining = lines.some((l) => l.remaining > 0);
  const task = order.status === 'in_review' && remaining ? shippingTask(order.tasks, order.current_nodes, shipments.length > 0) : undefined;
  return (
    <Card title={t('ops.lines.title')} data-testid="order-lines">
      <Table<LineView>
        size="small"
        rowKey="sku"
        pagination={false}
        dataSource={lines}
        scroll={{ x: 'max-content' }}
        onRow={(l) => ({ 'data-testid': 'order-line', 'data-sku': l.sku, 'data-remaining': l.remaining, 'data-shipped': l.shipped }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('ops.lines.sku'), dataIndex: 'sku', key: 'sku' },
          { title: t('ops.lines.name'), dataIndex: 'name', key: 'name' },
          { title: t('ops.lines.ordered'), dataIndex: 'ordered', key: 'ordered', align: 'right' },
          { title: t('ops.lines.shipped'), dataIndex: 'shipped', key: 'shipped', align: 'right' },
          {
            title: t('ops.lines.remaining'),
            key: 'remaining',
            align: 'right',
            render: (_, l) => <Typography.Text type={l.remaining > 0 ? 'warning' : 'success'}>{l.remaining}</Typography.Text>,
          },
        ]}
      />
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('ops.ship.shipments')}
      </Typography.Title>
      <ShipmentsList shipments={shipments} />
      {task ? (
        <div style={{ marginTop: 16 }}>
          {/* no key: a shipment recorded meanwhile (here or elsewhere) must not start the form over; it
              empties its own quantities and tracking when it records one */}
          <ShipmentForm orderId={String(order.id)} lines={lines} />
        </div>
      ) : null}
    </Card>
  );
}

function NewCaseModal({ order, open, onClose }: { order: FulfilmentOrder; open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [kind, setKind] = useState<keyof typeof CASE_FLOWS>('return');
  const flow = CASE_FLOWS[kind];
  const form = useFlowForm(open ? flow : undefined);
  const create = useCreateCase();
  const initial = useMemo(
    () =>
      kind === 'return'
        ? { lines: (order.lines ?? []).filter((l) => l.shipped > 0).map((l) => ({ sku: l.sku, qty: l.shipped })) }
        : { contact: (order.data?.customer as Record<string, unknown> | undefined)?.contact },
    [kind, order],
  );
  const errors = isApiError(create.error) ? pointersToErrorSchema(create.error.fieldErrors) : undefined;
  return (
    <Modal open={open} onCancel={onClose} footer={null} width={720} title={t('ops.cases.new')} destroyOnHidden>
      <Segmented
        value={kind}
        onChange={(v) => {
          setKind(v as keyof typeof CASE_FLOWS);
          create.reset();
        }}
        options={[
          { value: 'return', label: t('ops.cases.return') },
          { value: 'complaint', label: t('ops.cases.complaint') },
        ]}
        style={{ marginBottom: 12 }}
      />
      {create.error ? <ErrorAlert error={create.error} style={{ marginBottom: 12 }} /> : null}
      {form.isPending ? (
        <Skeleton active />
      ) : form.data?.form ? (
        <OrderForm
          key={kind}
          form={form.data.form}
          formData={initial}
          extraErrors={errors}
          onSubmit={(data) =>
            create.mutate(
              { flow, data, parent: Number(order.id) },
              {
                onSuccess: (o) => {
                  void message.success(t('newOrder.submitted', { number: o.number }));
                  onClose();
                  navigate(`/orders/${o.id}`);
                },
              },
            )
          }
        >
          <Button type="primary" htmlType="submit" loading={create.isPending} data-testid="case-submit">
            {t('ops.cases.submit')}
          </Button>
        </OrderForm>
      ) : (
        <ErrorAlert error={form.error} />
      )}
    </Modal>
  );
}

/** The parent (for a case or a sub-flow child), the linked cases, and a button to open a new after-sales case. */
export function LinkedOrdersCard({ order }: { order: FulfilmentOrder }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const children = order.children ?? [];
  const canOpenCase = !order.parent && !String(order.flow).startsWith('aftersales') && (order.shipments?.length || ['approved', 'completed'].includes(order.status));
  if (!order.parent && !children.length && !canOpenCase) return null;
  return (
    <Card
      title={t('ops.cases.title')}
      data-testid="linked-orders"
      extra={
        canOpenCase ? (
          <Button size="small" icon={<PlusOutlined />} onClick={() => setOpen(true)} data-testid="case-new">
            {t('ops.cases.new')}
          </Button>
        ) : null
      }
    >
      {order.parent ? (
        <Typography.Paragraph data-testid="order-parent">
          {t('ops.cases.parent')}: <Link to={`/orders/${order.parent}`}>#{order.parent}</Link>
        </Typography.Paragraph>
      ) : null}
      {children.length ? (
        <List
          size="small"
          dataSource={children}
          renderItem={(c) => (
            <List.Item data-testid="order-child" data-number={c.number}>
              <Space wrap>
                <Link to={`/orders/${c.id}`}>{c.number}</Link>
                <Tag>{c.source === 'subflow' ? t('ops.cases.subflow') : t(`ops.cases.flow.${c.flow}`, { defaultValue: c.flow })}</Tag>
                <StatusTag status={c.status} />
                <Typography.Text type="secondary">{formatDateTime(c.created_at)}</Typography.Text>
              </Space>
            </List.Item>
          )}
        />
      ) : order.parent ? null : (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('ops.cases.none')} />
      )}
      {open ? <NewCaseModal order={order} open={open} onClose={() => setOpen(false)} /> : null}
    </Card>
  );
}

/**
 * The order's printable documents: preview in the page (a GET, which records nothing),
 * download (a POST: the print is recorded in the order's history).
 */
export function DocumentsCard({ order }: { order: FulfilmentOrder }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { lang } = useLang();
  const [doc, setDoc] = useState<(typeof DOCUMENTS)[number]>('order');
  const [preview, setPreview] = useState(false);
  const [printing, setPrinting] = useState(false);
  const path = `/orders/${order.id}/documents/${doc}.pdf`;
  const url = buildUrl(path, { lang });
  const download = () => {
    setPrinting(true);
    postDownload(path, { lang }, `${order.number}-${doc}.pdf`)
      .catch((e: unknown) => void message.error(e instanceof Error ? e.message : String(e)))
      .finally(() => setPrinting(false));
  };
  return (
    <Card title={t('ops.docs.title')} data-testid="order-documents">
      <Space wrap>
        <Select
          value={doc}
          onChange={setDoc}
          style={{ width: 180 }}
          options={DOCUMENTS.map((d) => ({ value: d, label: t(`ops.docs.${d}`) }))}
          data-testid="document-select"
        />
        <Button icon={<FilePdfOutlined />} onClick={() => setPreview((p) => !p)} data-testid="document-preview">
          {preview ? t('ops.docs.hide') : t('ops.docs.preview')}
        </Button>
        <Button icon={<DownloadOutlined />} loading={printing} onClick={download} data-testid="document-download">
          {t('ops.docs.download')}
        </Button>
      </Space>
      {preview ? (
        <object data={url} type="application/pdf" style={{ width: '100%', height: 560, marginTop: 12, border: '1px solid #f0f0f0' }} data-testid="document-frame">
          <a href={url} target="_blank" rel="noreferrer">
            {t('ops.docs.download')}
          </a>
        </object>
      ) : null}
    </Card>
  );
}

/** Shipments and exception events of this order refresh it (the page already watches order:<id>). */
export function useFulfilmentLive(orderId: string) {
  const qc = useQueryClient();
  useLiveEvents((e) => {
    if (String(e.data.order_id ?? '') !== orderId) return;
    if (e.type === 'order.shipped' || e.type.startsWith('shipping.') || e.type.startsWith('exception.')) {
      void qc.invalidateQueries({ queryKey: ['orders', 'detail', orderId] });
      void qc.invalidateQueries({ queryKey: ['exceptions'] });
    }
  });
}
