import { useEffect, useState } from 'react';
import { Alert, Form, Input, InputNumber, Modal } from 'antd';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../../lib/api';
import { useSaveProduct, type Product } from '../api/stock';
import { fieldErrors } from '../lib/stock';

interface Values {
  sku: string;
  name: string;
  unit: string;
  price: number;
  low_stock: number;
}

const FIELDS = ['sku', 'name', 'unit', 'price', 'low_stock'] as const;

/** Creates a product (product = null with open) or edits one: name, unit, list price, low-stock threshold. */
export function ProductDialog({ open, product, onClose }: { open: boolean; product: Product | null; onClose: () => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const save = useSaveProduct();
  const [other, setOther] = useState<string[]>([]);
  const create = !product;

  useEffect(() => {
    if (!open) return;
    form.setFieldsValue(product ?? { sku: '', name: '', unit: '', price: 0, low_stock: 10 });
    // eslint-disable-next-line react-hooks/set-state-in-effect -- resets with the antd form's values, which must not be set during render
    setOther([]);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, product]);

  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return; // the form shows what is missing
    try {
      await save.mutateAsync({
        sku: create ? v.sku.trim() : product.sku,
        create,
        input: { name: v.name.trim(), unit: v.unit ?? '', price: v.price ?? 0, low_stock: v.low_stock ?? 0 },
      });
      onClose();
    } catch (e) {
      if (isApiError(e) && e.fieldErrors.length > 0) {
        const r = fieldErrors(e.fieldErrors, FIELDS);
        form.setFields(r.fields);
        setOther(r.rest);
      } else {
        setOther([e instanceof Error ? e.message : String(e)]);
      }
    }
  };

  return (
    <Modal
      open={open}
      title={create ? t('stock.product.new') : t('stock.product.edit', { sku: product.sku })}
      okText={t('stock.save')}
      cancelText={t('stock.cancel')}
      onOk={() => void submit()}
      onCancel={onClose}
      confirmLoading={save.isPending}
      forceRender
    >
      <Form form={form} layout="vertical">
        <Form.Item name="sku" label={t('stock.col.sku')} rules={[{ required: true, whitespace: true, message: t('stock.product.skuRequired') }]}>
          <Input disabled={!create} data-testid="product-sku" />
        </Form.Item>
        <Form.Item name="name" label={t('stock.col.name')} rules={[{ required: true, whitespace: true, message: t('stock.product.nameRequired') }]}>
          <Input data-testid="product-name" />
        </Form.Item>
        <Form.Item name="unit" label={t('stock.col.unit')}>
          <Input maxLength={32} />
        </Form.Item>
        <Form.Item name="price" label={t('stock.col.price')} extra={t('stock.product.priceHelp')}>
          <InputNumber min={0} style={{ width: '100%' }} data-testid="product-price" />
        </Form.Item>
        <Form.Item name="low_stock" label={t('stock.col.threshold')} extra={t('stock.product.thresholdHelp')}>
          <InputNumber min={0} precision={0} style={{ width: '100%' }} />
        </Form.Item>
      </Form>
      {other.length > 0 && <Alert type="error" showIcon message={other.join('; ')} />}
    </Modal>
  );
}
