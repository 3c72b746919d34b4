import { Alert, Skeleton, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useFlowForm } from '../../flows';
import { OrderForm } from './OrderForm';
import type { Order } from '../../../lib/types';
import { computedFields } from '../../../lib/rjsf';

/** The order's data, shown read-only with the form of the flow version it was submitted with. */
export function OrderDataView({ order }: { order: Order }) {
  const { t } = useTranslation();
  const form = useFlowForm(order.flow, order.version);

  if (form.isPending) return <Skeleton active />;
  if (form.isError || !form.data?.form) {
    return (
      <>
        <Alert type="warning" showIcon title={t('detail.formUnavailable')} style={{ marginBottom: 12 }} />
        <Typography.Paragraph>
          <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }} data-testid="order-data-raw">
            {JSON.stringify(order.data, null, 2)}
          </pre>
        </Typography.Paragraph>
      </>
    );
  }
  const data = { ...order.data };
  // the computed total lives on the order; show it in the form when the form has such a field
  for (const f of computedFields(form.data.form.computed)) {
    if (data[f] === undefined && f in order) data[f] = (order as unknown as Record<string, unknown>)[f];
  }
  return <OrderForm form={form.data.form} formData={data} readonly testId="order-data" />;
}
