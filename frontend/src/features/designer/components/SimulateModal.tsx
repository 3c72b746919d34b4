import { useState } from 'react';
import { Alert, Input, Modal, Select, Space, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useDepartments } from '../../departments';
import { useDef } from '../../definitions';
import { OrderForm } from '../../orders';
import type { FormDef } from '../../../lib/types';
import { useLang } from '../../../i18n/useLang';
import { SAMPLE_ORDERS } from '../lib/samples';
import { parseSample, type SimOrder } from '../lib/simulate';

interface Props {
  open: boolean;
  loading?: boolean;
  onCancel: () => void;
  onRun: (orders: SimOrder[]) => void;
  /** The flow's form: a sample of one's own is entered through it. */
  form?: string;
}

const pretty = (v: unknown) => JSON.stringify(v, null, 2);
/** Whether something was entered: a leaf that is neither empty nor unset (the form reports {} and defaults alone). */
const entered = (v: unknown): boolean =>
  Array.isArray(v) ? v.some(entered) : v && typeof v === 'object' ? Object.values(v).some(entered) : v !== undefined && v !== null && v !== '';
// the form's entry aids (line-item table, customer lookup) without the new-order page's customer fill-in
const noCustomerFill = () => undefined;

/**
 * Picks the sample orders to simulate: built-in samples, one entered through the flow's order form or a
 * pasted POST /orders body, and the department they come from.
 */
export function SimulateModal({ open, loading, onCancel, onRun, form }: Props) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const departments = useDepartments();
  // both built-in samples: a large and a small order take a switch's two ways
  const [samples, setSamples] = useState<string[]>(() => SAMPLE_ORDERS.map((s) => s.id));
  const [custom, setCustom] = useState('');
  // a sample of one's own, entered through the order form (the form's draft when it has one)
  const formDef = useDef<Omit<FormDef, 'version'>>('forms', open ? form : undefined);
  const formBody = formDef.data?.draft ?? formDef.data?.body;
  const [own, setOwn] = useState<Record<string, unknown>>();
  // the form reports its defaults (currency, a first line) before anyone types: a sample only once the admin has
  const [touched, setTouched] = useState(false);
  const [department, setDepartment] = useState('sales');
  const [error, setError] = useState<string>();

  const run = () => {
    const orders: SimOrder[] = SAMPLE_ORDERS.filter((s) => samples.includes(s.id)).map((s) => ({ data: s.body.data, department }));
    if (own && touched && entered(own)) orders.push({ data: own, department });
    if (custom.trim()) {
      try {
        orders.push(parseSample(custom, department));
      } catch {
        setError(t('designer.sampleInvalid'));
        return;
      }
    }
    if (!orders.length) {
      setError(t('designer.sampleNone'));
      return;
    }
    setError(undefined);
    onRun(orders);
  };

  return (
    <Modal
      open={open}
      title={t('designer.simulateTitle')}
      okText={t('designer.simulateRun')}
      cancelText={t('common.cancel')}
      onOk={run}
      onCancel={onCancel}
      confirmLoading={loading}
      okButtonProps={{ 'data-testid': 'simulate-run' } as Record<string, string>}
      width={860}
      destroyOnHidden
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Typography.Text>{t('designer.samples')}</Typography.Text>
        <Select
          mode="multiple"
          style={{ width: '100%' }}
          value={samples}
          onChange={setSamples}
          options={SAMPLE_ORDERS.map((s) => ({ value: s.id, label: t(`designer.sample.${s.id}`) }))}
          data-testid="simulate-samples"
        />
        <Typography.Text>{t('designer.sampleDepartment')}</Typography.Text>
        <Select
          style={{ width: '100%' }}
          value={department}
          onChange={setDepartment}
          options={(departments.data?.items ?? [{ key: 'sales', name: 'sales' }]).map((d) => ({ value: d.key, label: `${pick(d.name)} (${d.key})` }))}
        />
        <Tabs
          size="small"
          items={[
            {
              key: 'form',
              label: t('designer.sampleForm'),
              children: formBody ? (
                // events from the form's lists (portals) come here too
                <div data-testid="simulate-form" onInputCapture={() => setTouched(true)} onClickCapture={() => setTouched(true)}>
                  <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
                    {t('designer.sampleFormHelp')}
                  </Typography.Paragraph>
                  <OrderForm form={{ ...formBody, version: formDef.data?.version ?? 0 } as FormDef} formData={own} onChange={(d) => setOwn(d)} onCustomer={noCustomerFill}>
                    <span />
                  </OrderForm>
                </div>
              ) : (
                <Typography.Text type="secondary">{formDef.isPending ? t('common.loading') : t('designer.sampleFormNone')}</Typography.Text>
              ),
            },
            {
              key: 'paste',
              label: t('designer.samplePaste'),
              children: (
                <Input.TextArea
                  rows={8}
                  style={{ fontFamily: 'monospace' }}
                  value={custom}
                  onChange={(e) => setCustom(e.target.value)}
                  placeholder={pretty(SAMPLE_ORDERS[1].body).slice(0, 200) + ' …'}
                  data-testid="simulate-custom"
                />
              ),
            },
          ]}
          data-testid="simulate-own"
        />
        {error && <Alert type="error" title={error} />}
      </Space>
    </Modal>
  );
}
