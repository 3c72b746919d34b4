import { Alert, Button, Flex, Form, Input, InputNumber, Popconfirm, Switch, Typography } from 'antd';
import { DeleteOutlined, MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { TextInputs } from '../../../components/TextInputs';
import type { DesignerField, SelectOption } from '../lib/model';

const num = (v: number | null | undefined) => (typeof v === 'number' ? v : undefined);

/** The selected field's key, title in the three languages, required flag and its kind's constraints. */
export function FieldProperties({
  field: f,
  problems,
  serverErrors,
  onChange,
  onRemove,
}: {
  field: DesignerField;
  problems: string[];
  serverErrors: string[];
  onChange: (f: DesignerField) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const set = <K extends keyof DesignerField>(k: K, v: DesignerField[K]) => {
    const next = { ...f, [k]: v };
    if (v === undefined || v === '' || v === false) delete next[k];
    onChange(next);
  };
  const setOption = (i: number, o: SelectOption) => set('options', (f.options ?? []).map((x, j) => (j === i ? o : x)));
  const keyProblems = problems.filter((p) => p.startsWith('key'));
  return (
    <Form layout="vertical" size="small" data-testid="fd-props">
      {serverErrors.length > 0 && (
        <Alert type="error" showIcon style={{ marginBottom: 8 }} title={t('formDesigner.serverSays')} description={serverErrors.join('; ')} data-testid="fd-prop-server-error" />
      )}
      <Form.Item label={t('formDesigner.key')} validateStatus={keyProblems.length ? 'error' : undefined} help={keyProblems.map((p) => t(`formDesigner.problem.${p}`)).join('; ') || undefined}>
        <Input value={f.key} onChange={(e) => onChange({ ...f, key: e.target.value })} data-testid="fd-prop-key" />
      </Form.Item>
      {f.kind !== 'raw' && (
        <>
          <Form.Item label={t('formDesigner.fieldTitle')}>
            <TextInputs value={f.title} onChange={(v) => set('title', v)} testid="fd-prop-title" />
          </Form.Item>
          <Form.Item label={t('formDesigner.fieldDescription')}>
            <TextInputs value={f.description} onChange={(v) => set('description', v)} testid="fd-prop-description" />
          </Form.Item>
          <Form.Item label={t('formDesigner.help')}>
            <TextInputs value={f.help} onChange={(v) => set('help', v)} testid="fd-prop-help" />
          </Form.Item>
        </>
      )}
      {f.kind !== 'computed' && (
        <Form.Item label={t('formDesigner.required')}>
          <Switch checked={!!f.required} onChange={(v) => set('required', v)} data-testid="fd-prop-required" />
        </Form.Item>
      )}
      {f.kind === 'text' && (
        <>
          <Flex gap={8}>
            <Form.Item label={t('formDesigner.minLength')}>
              <InputNumber min={0} value={f.minLength} onChange={(v) => set('minLength', num(v))} data-testid="fd-prop-minLength" />
            </Form.Item>
            <Form.Item label={t('formDesigner.maxLength')}>
              <InputNumber min={1} value={f.maxLength} onChange={(v) => set('maxLength', num(v))} data-testid="fd-prop-maxLength" />
            </Form.Item>
          </Flex>
          <Form.Item label={t('formDesigner.pattern')}>
            <Input value={f.pattern} onChange={(e) => set('pattern', e.target.value)} placeholder="^[A-Z0-9-]+$" />
          </Form.Item>
          <Form.Item label={t('formDesigner.multiline')}>
            <Switch checked={!!f.multiline} onChange={(v) => set('multiline', v)} />
          </Form.Item>
        </>
      )}
      {(f.kind === 'number' || f.kind === 'money') && (
        <>
          <Flex gap={8}>
            <Form.Item label={t('formDesigner.minimum')}>
              <InputNumber value={f.minimum} onChange={(v) => set('minimum', num(v))} data-testid="fd-prop-minimum" />
            </Form.Item>
            <Form.Item label={t('formDesigner.maximum')}>
              <InputNumber value={f.maximum} onChange={(v) => set('maximum', num(v))} data-testid="fd-prop-maximum" />
            </Form.Item>
          </Flex>
          {f.kind === 'number' && (
            <Form.Item label={t('formDesigner.integer')}>
              <Switch checked={!!f.integer} onChange={(v) => set('integer', v)} />
            </Form.Item>
          )}
        </>
      )}
      {f.kind === 'select' && (
        <Form.Item label={t('formDesigner.options')} validateStatus={problems.some((p) => p.startsWith('option') || p === 'noOptions') ? 'error' : undefined}>
          <Flex vertical gap={8}>
            {(f.options ?? []).map((o, i) => (
              <div key={i} style={{ border: '1px solid #f0f0f0', borderRadius: 6, padding: 6 }}>
                <Flex gap={6} align="center" style={{ marginBottom: 4 }}>
                  <Input value={o.value} onChange={(e) => setOption(i, { ...o, value: e.target.value })} placeholder={t('formDesigner.optionValue')} data-testid={`fd-opt-value-${i}`} />
                  <Button type="text" danger icon={<MinusCircleOutlined />} onClick={() => set('options', (f.options ?? []).filter((_, j) => j !== i))} aria-label={t('formDesigner.removeOption')} />
                </Flex>
                <TextInputs value={o.label} onChange={(label) => setOption(i, label ? { ...o, label } : { value: o.value })} />
              </div>
            ))}
            <Button icon={<PlusOutlined />} onClick={() => set('options', [...(f.options ?? []), { value: `option_${(f.options ?? []).length + 1}` }])}>
              {t('formDesigner.addOption')}
            </Button>
          </Flex>
        </Form.Item>
      )}
      {f.kind === 'lineItems' && (
        <Flex gap={8}>
          <Form.Item label={t('formDesigner.minItems')}>
            <InputNumber min={0} value={f.minItems} onChange={(v) => set('minItems', num(v))} />
          </Form.Item>
          <Form.Item label={t('formDesigner.maxItems')}>
            <InputNumber min={1} value={f.maxItems} onChange={(v) => set('maxItems', num(v))} />
          </Form.Item>
        </Flex>
      )}
      {f.kind === 'lineItems' && <Typography.Paragraph type="secondary">{t('formDesigner.lineItemsHint')}</Typography.Paragraph>}
      {f.kind === 'customer' && <Typography.Paragraph type="secondary">{t('formDesigner.customerHint')}</Typography.Paragraph>}
      {f.kind === 'attachment' && <Typography.Paragraph type="secondary">{t('formDesigner.attachmentHint')}</Typography.Paragraph>}
      {f.kind === 'computed' && (
        <Form.Item label={t('formDesigner.expression')} help={t('formDesigner.expressionHint')} validateStatus={problems.includes('noExpression') ? 'error' : undefined}>
          <Input.TextArea value={f.expression} onChange={(e) => set('expression', e.target.value)} autoSize style={{ fontFamily: 'monospace' }} data-testid="fd-prop-expression" />
        </Form.Item>
      )}
      {f.kind === 'raw' && <Typography.Paragraph type="secondary">{t('formDesigner.rawHint')}</Typography.Paragraph>}
      <Popconfirm title={t('formDesigner.removeConfirm')} onConfirm={onRemove} okText={t('formDesigner.remove')} cancelText={t('common.cancel')}>
        <Button danger icon={<DeleteOutlined />} data-testid="fd-prop-remove">
          {t('formDesigner.remove')}
        </Button>
      </Popconfirm>
    </Form>
  );
}
