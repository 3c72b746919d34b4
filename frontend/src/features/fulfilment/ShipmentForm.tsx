import { useState } from 'react';
import { App, Button, Card, Flex, Form, Input, InputNumber, Select, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useLang } from '../../i18n/useLang';
import { isApiError } from '../../lib/api';
import { useCarriers, useRecordShipment, type LineView, type ShipmentLine } from './api';
import { serverLineErrors, shipmentLines, validateShipment } from './lib';

/** Records a (partial) shipment: carrier, tracking number and a quantity per line, at most what remains. */
export function ShipmentForm({ orderId, lines }: { orderId: string; lines: LineView[] }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const carriers = useCarriers();
  const record = useRecordShipment(orderId);
  const [carrier, setCarrier] = useState<string | undefined>();
  const [tracking, setTracking] = useState('');
  const [qty, setQty] = useState<(number | null)[]>(() => lines.map(() => null));
  const [sent, setSent] = useState<ShipmentLine[]>([]);
  const [touched, setTouched] = useState(false);

  const local = validateShipment(lines, qty);
  const server = isApiError(record.error) ? serverLineErrors(record.error.fieldErrors, sent, lines) : { lines: {}, fields: {} as Record<string, string>, other: [] };
  const lineError = (i: number): string | undefined =>
    local.lines[i] ? t(`ops.ship.err.${local.lines[i]}`, { remaining: lines[i].remaining }) : (server.lines as Record<number, string>)[i];
  const carrierError = touched && !carrier ? t('ops.ship.err.carrier') : server.fields.carrier;
  const trackingError = touched && !tracking.trim() ? t('ops.ship.err.tracking') : server.fields.tracking;

  const submit = () => {
    setTouched(true);
    if (!carrier || !tracking.trim() || Object.keys(local.lines).length || local.empty) return;
    const body = { carrier, tracking: tracking.trim(), lines: shipmentLines(lines, qty) };
    setSent(body.lines);
    record.mutate(body, {
      onSuccess: (res) => {
        void message.success(res.complete ? t('ops.ship.doneAll', { number: res.shipment.number }) : t('ops.ship.done', { number: res.shipment.number }));
        setQty(lines.map(() => null));
        setTracking('');
        setTouched(false);
      },
    });
  };

  return (
    <Card title={t('ops.ship.record')} size="small" data-testid="shipment-form">
      <Flex gap={12} wrap>
        <Form.Item label={t('ops.ship.carrier')} required validateStatus={carrierError ? 'error' : undefined} help={carrierError} style={{ minWidth: 200 }}>
          <Select
            value={carrier}
            onChange={setCarrier}
            loading={carriers.isPending}
            options={(carriers.data?.items ?? []).map((c) => ({ value: c.key, label: pick(c.name) || c.key }))}
            data-testid="shipment-carrier"
          />
        </Form.Item>
        <Form.Item label={t('ops.ship.tracking')} required validateStatus={trackingError ? 'error' : undefined} help={trackingError}>
          <Input value={tracking} onChange={(e) => setTracking(e.target.value)} data-testid="shipment-tracking" />
        </Form.Item>
      </Flex>
      <Table<LineView>
        size="small"
        rowKey="sku"
        pagination={false}
        dataSource={lines}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: t('ops.lines.sku'), dataIndex: 'sku', key: 'sku' },
          { title: t('ops.lines.name'), dataIndex: 'name', key: 'name' },
          { title: t('ops.lines.remaining'), dataIndex: 'remaining', key: 'remaining', align: 'right' },
          {
            title: t('ops.ship.qty'),
            key: 'qty',
            render: (_, l, i) => {
              const e = lineError(i);
              return (
                <Form.Item validateStatus={e ? 'error' : undefined} help={e} style={{ margin: 0 }}>
                  <InputNumber
                    min={0}
                    precision={0}
                    value={qty[i]}
                    disabled={l.remaining === 0}
                    onChange={(v) => setQty((prev) => prev.map((x, j) => (j === i ? (v as number | null) : x)))}
                    data-testid="shipment-qty"
                    data-sku={l.sku}
                  />
                </Form.Item>
              );
            },
          },
        ]}
      />
      {touched && local.empty && !Object.keys(local.lines).length ? (
        <Typography.Text type="danger" data-testid="shipment-empty">
          {t('ops.ship.err.empty')}
        </Typography.Text>
      ) : null}
      {record.error && (!isApiError(record.error) || server.other.length || !record.error.fieldErrors.length) ? (
        <ErrorAlert error={record.error} style={{ marginTop: 8 }} />
      ) : null}
      <Flex justify="end" style={{ marginTop: 12 }}>
        <Button type="primary" onClick={submit} loading={record.isPending} data-testid="shipment-submit">
          {t('ops.ship.submit')}
        </Button>
      </Flex>
    </Card>
  );
}
