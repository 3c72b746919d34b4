import { useMemo } from 'react';
import { Alert, Skeleton } from 'antd';
import { useTranslation } from 'react-i18next';
import { useFlowForm } from '../../flows';
import { OrderForm } from '../../orders';
import { pointersToErrorSchema, type FieldError } from '../../../lib/api';
import type { Order } from '../../../lib/types';
import { subsetForm } from '../lib/editable';

/** The fields a reviewer may change at this node, in the order's own form (the part of it they may edit). */
export function FieldEditor({
  order,
  names,
  value,
  onChange,
  errors,
  disabled,
}: {
  order: Order;
  names: string[];
  value: Record<string, unknown>;
  onChange: (v: Record<string, unknown>) => void;
  errors: FieldError[];
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  const form = useFlowForm(order.flow, order.version);
  const sub = useMemo(() => (form.data?.form ? subsetForm(form.data.form, names) : undefined), [form.data, names]);
  const extra = useMemo(
    () => pointersToErrorSchema(errors.filter((e) => e.pointer.startsWith('/fields/')), '/fields'),
    [errors],
  );
  if (form.isPending) return <Skeleton active />;
  if (!sub) return <Alert type="warning" showIcon title={t('detail.formUnavailable')} />;
  return (
    <div data-testid="field-editor" data-fields={names.join(',')}>
      <Alert type="info" showIcon title={t('action.editHint')} style={{ marginBottom: 8 }} />
      <OrderForm form={sub} formData={value} onChange={onChange} extraErrors={extra} disabled={disabled} testId="field-editor-form">
        <></>
      </OrderForm>
    </div>
  );
}
