import { useEffect, useState } from 'react';
import { Alert, Descriptions, Form, Input, InputNumber, Modal } from 'antd';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../../lib/api';
import { useAdjust, type StockRow } from '../api/stock';
import { fieldErrors, preview } from '../lib/stock';

interface Values {
  delta: number | null;
  reason: string;
}

/** Adjusts one stock row: a signed quantity and a required reason; the server's 422 shows at its field. */
export function AdjustDialog({ row, onClose }: { row: StockRow | null; onClose: () => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const adjust = useAdjust();
  const [other, setOther] = useState<string[]>([]);
  const delta = Form.useWatch('delta', form);

  useEffect(() => {
    if (row) {
      form.resetFields();
      // eslint-disable-next-line react-hooks/set-state-in-effect -- resets with the antd form and the mutation, which must not run during render
      setOther([]);
      adjust.reset();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [row]);

  if (!row) return null;
  const after = typeof delta === 'number' ? preview(row.on_hand, row.reserved, delta) : null;

  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return; // the form shows what is missing
    setOther([]);
    try {
      await adjust.mutateAsync({ sku: row.sku, warehouse: row.warehouse, delta: v.delta ?? 0, reason: v.reason.trim() });
      onClose();
    } catch (e) {
      if (isApiError(e) && e.fieldErrors.length > 0) {
        const r = fieldErrors(e.fieldErrors, ['delta', 'reason'] as const);
        form.setFields(r.fields);
        setOther(r.rest);
      } else {
        setOther([e instanceof Error ? e.message : String(e)]);
      }
    }
  };

  return (
    <Modal
      open
      title={t('stock.adjust.title', { sku: row.sku, warehouse: row.warehouse })}
      okText={t('stock.adjust.submit')}
      cancelText={t('stock.cancel')}
      onOk={() => void submit()}
      onCancel={onClose}
      confirmLoading={adjust.isPending}
      destroyOnHidden
    >
      <Descriptions size="small" column={3} style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t('stock.col.onHand')}>{row.on_hand}</Descriptions.Item>
        <Descriptions.Item label={t('stock.col.reserved')}>{row.reserved}</Descriptions.Item>
        <Descriptions.Item label={t('stock.col.available')}>{row.available}</Descriptions.Item>
      </Descriptions>
      <Form form={form} layout="vertical" initialValues={{ delta: null, reason: '' }}>
        <Form.Item
          name="delta"
          label={t('stock.adjust.delta')}
          extra={after && !after.refused ? t('stock.adjust.after', { n: after.onHand }) : t('stock.adjust.deltaHelp')}
          rules={[
            { required: true, message: t('stock.adjust.deltaRequired') },
            { validator: (_, v) => (v === 0 ? Promise.reject(new Error(t('stock.adjust.deltaRequired'))) : Promise.resolve()) },
            {
              // what the server refuses is refused here before it is sent (the server stays the authority)
              validator: (_, v) =>
                typeof v === 'number' && preview(row.on_hand, row.reserved, v).refused
                  ? Promise.reject(new Error(t('stock.adjust.tooLow', { n: Math.max(0, row.on_hand - Math.max(row.reserved, 0)), reserved: row.reserved })))
                  : Promise.resolve(),
            },
          ]}
        >
          <InputNumber precision={0} style={{ width: '100%' }} data-testid="adjust-delta" />
        </Form.Item>
        <Form.Item
          name="reason"
          label={t('stock.adjust.reason')}
          rules={[{ required: true, whitespace: true, message: t('stock.adjust.reasonRequired') }]}
        >
          <Input.TextArea rows={2} maxLength={500} data-testid="adjust-reason" />
        </Form.Item>
      </Form>
      {other.length > 0 && <Alert type="error" showIcon message={other.join('; ')} />}
    </Modal>
  );
}
