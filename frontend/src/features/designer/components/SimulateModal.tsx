import { useState } from 'react';
import { Alert, Input, Modal, Select, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useDepartments } from '../../departments';
import { useLang } from '../../../i18n/useLang';
import { SAMPLE_ORDERS } from '../lib/samples';
import { parseSample, type SimOrder } from '../lib/simulate';

interface Props {
  open: boolean;
  loading?: boolean;
  onCancel: () => void;
  onRun: (orders: SimOrder[]) => void;
}

const pretty = (v: unknown) => JSON.stringify(v, null, 2);

/** Picks the sample orders to simulate: built-in samples or a pasted POST /orders body, and the department they come from. */
export function SimulateModal({ open, loading, onCancel, onRun }: Props) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const departments = useDepartments();
  // both built-in samples: a large and a small order take a switch's two ways
  const [samples, setSamples] = useState<string[]>(() => SAMPLE_ORDERS.map((s) => s.id));
  const [custom, setCustom] = useState('');
  const [department, setDepartment] = useState('sales');
  const [error, setError] = useState<string>();

  const run = () => {
    const orders: SimOrder[] = SAMPLE_ORDERS.filter((s) => samples.includes(s.id)).map((s) => ({ data: s.body.data, department }));
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
      width={640}
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
        <Typography.Text>{t('designer.samplePaste')}</Typography.Text>
        <Input.TextArea
          rows={8}
          style={{ fontFamily: 'monospace' }}
          value={custom}
          onChange={(e) => setCustom(e.target.value)}
          placeholder={pretty(SAMPLE_ORDERS[1].body).slice(0, 200) + ' …'}
          data-testid="simulate-custom"
        />
        {error && <Alert type="error" title={error} />}
      </Space>
    </Modal>
  );
}
