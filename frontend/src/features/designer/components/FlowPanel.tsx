import { Form, Input, Select, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { FlowDoc } from '../lib/document';
import { TextInputs } from '../../../components/TextInputs';

/** Properties of the flow itself, shown when nothing is selected. */
export function FlowPanel({ doc, onChange }: { doc: FlowDoc; onChange: (d: FlowDoc, tag?: string) => void }) {
  const { t } = useTranslation();
  const set = (patch: Partial<FlowDoc>, tag?: string) => {
    const next = { ...doc, ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === undefined || v === '') delete next[k];
    onChange(next, tag);
  };
  return (
    <Form layout="vertical" size="small" data-testid="flow-panel">
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {t('designer.flowProps')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('designer.selectHint')}</Typography.Paragraph>
      <Form.Item label={t('designer.key')}>
        <Input value={doc.key} disabled />
      </Form.Item>
      <Form.Item label={t('designer.name')}>
        <TextInputs value={doc.name} onChange={(v) => set({ name: v }, 'flow-name')} />
      </Form.Item>
      <Form.Item label={t('designer.description')}>
        <TextInputs value={doc.description} onChange={(v) => set({ description: v }, 'flow-desc')} />
      </Form.Item>
      <Form.Item label={t('designer.form')}>
        <Input value={doc.form} onChange={(e) => set({ form: e.target.value }, 'flow-form')} />
      </Form.Item>
      <Form.Item label={t('designer.withdraw')}>
        <Select
          allowClear
          value={doc.withdraw}
          onChange={(v) => set({ withdraw: v })}
          options={(['untouched', 'until_end', 'never'] as const).map((w) => ({ value: w, label: t(`designer.withdrawOpt.${w}`) }))}
        />
      </Form.Item>
    </Form>
  );
}
