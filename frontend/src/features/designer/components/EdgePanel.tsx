import { useState } from 'react';
import { Alert, Button, Checkbox, Form, Input, InputNumber, Select, Space, Typography } from 'antd';
import { DeleteOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import type { FlowDoc, FlowEdge } from '../lib/document';
import { TextInputs } from '../../../components/TextInputs';
import { useExpressionCheck } from '../api/plugins';
import { expressionToCheck, splitAt } from '../lib/expression';
import { useFormFields, type FormField } from '../api/formFields';

interface Props {
  doc: FlowDoc;
  index: number;
  edge: FlowEdge;
  errors?: Record<string, string[]>;
  messages?: string[];
  onChange: (edge: FlowEdge, tag?: string) => void;
  onDelete: () => void;
}

const NUMBER_OPS = ['>=', '>', '<=', '<', '==', '!='];
const TEXT_OPS = ['==', '!='];

/** The condition a field, an operator and a value make: order.total >= 50000, order.customer.tier == "vip". */
function conditionOf(field: FormField, op: string, value: string | number): string {
  const v = field.type === 'number' || field.type === 'integer' ? String(Number(value)) : field.type === 'boolean' ? String(value === 'true') : JSON.stringify(String(value));
  return `order.${field.path} ${op} ${v}`;
}

/** Field, operator and value pickers that write the condition as soon as it is whole, so that no field key is typed by hand. */
function ConditionBuilder({ form, onApply }: { form: string; onApply: (when: string) => void }) {
  const { t } = useTranslation();
  const fields = useFormFields(form).filter((f) => ['number', 'integer', 'string', 'boolean'].includes(f.type ?? ''));
  const [path, setPath] = useState<string>();
  const [op, setOp] = useState('>=');
  const [value, setValue] = useState<string | number>('');
  const field = fields.find((f) => f.path === path);
  const numeric = field?.type === 'number' || field?.type === 'integer';
  const ops = numeric ? NUMBER_OPS : TEXT_OPS;
  /** Writes the condition of these choices, once a number has its value. */
  const emit = (p: string | undefined, o: string, v: string | number) => {
    const f = fields.find((x) => x.path === p);
    if (!f) return;
    const num = f.type === 'number' || f.type === 'integer';
    const list = num ? NUMBER_OPS : TEXT_OPS;
    if (num && v === '') return;
    onApply(conditionOf(f, list.includes(o) ? o : list[0], f.type === 'boolean' ? String(v || 'true') : v));
  };
  const pickValue = (v: string | number) => {
    setValue(v);
    emit(path, op, v);
  };
  return (
    <Space orientation="vertical" style={{ width: '100%', marginBottom: 8 }} data-testid="edge-cond-builder">
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('designer.cond.help')}
      </Typography.Text>
      <Select
        showSearch
        optionFilterProp="label"
        placeholder={t('designer.cond.field')}
        style={{ width: '100%' }}
        value={path}
        onChange={(p: string) => {
          const f = fields.find((x) => x.path === p);
          const o = f?.type === 'number' || f?.type === 'integer' ? '>=' : '==';
          const v = f?.options?.length ? String(f.options[0]) : '';
          setPath(p);
          setOp(o);
          setValue(v);
          emit(p, o, v);
        }}
        options={fields.map((f) => ({ value: f.path, label: `${f.label} (${f.path})` }))}
        data-testid="edge-cond-field"
      />
      <Space.Compact style={{ width: '100%' }}>
        <Select
          style={{ width: 80 }}
          value={ops.includes(op) ? op : ops[0]}
          onChange={(o: string) => {
            setOp(o);
            emit(path, o, value);
          }}
          options={ops.map((o) => ({ value: o, label: o }))}
          aria-label={t('designer.cond.op')}
          data-testid="edge-cond-op"
        />
        {field?.options?.length ? (
          <Select style={{ flex: 1 }} value={String(value)} onChange={pickValue} options={field.options.map((o) => ({ value: String(o), label: String(o) }))} data-testid="edge-cond-value" />
        ) : field?.type === 'boolean' ? (
          <Select style={{ flex: 1 }} value={String(value || 'true')} onChange={pickValue} options={['true', 'false'].map((o) => ({ value: o, label: o }))} data-testid="edge-cond-value" />
        ) : numeric ? (
          <InputNumber style={{ flex: 1 }} value={value === '' ? null : Number(value)} onChange={(v) => pickValue(v ?? '')} placeholder={t('designer.cond.value')} data-testid="edge-cond-value" />
        ) : (
          <Input style={{ flex: 1 }} value={String(value)} onChange={(e) => pickValue(e.target.value)} placeholder={t('designer.cond.value')} data-testid="edge-cond-value" />
        )}
      </Space.Compact>
    </Space>
  );
}

const WHEN_HINT = /^[\w\s.<>=!&|()+\-*/"',[\]]*$/;

/** The properties of the selected edge: condition, default, outcome, label. */
export function EdgePanel({ doc, index, edge, errors, messages, onChange, onDelete }: Props) {
  const { t } = useTranslation();
  const set = (patch: Partial<FlowEdge>, tag?: string) => {
    const next: FlowEdge = { ...edge, ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === undefined || v === '') delete next[k as keyof FlowEdge];
    onChange(next, tag);
  };
  const fromType = doc.nodes.find((n) => n.id === edge.from)?.type;
  const check = useExpressionCheck(doc.form, expressionToCheck(edge.when));
  const live = check.data && check.checked === expressionToCheck(edge.when) ? check.data : undefined;
  const liveErr = live && !live.ok ? live.errors?.[0] : undefined;
  const whenErr =
    (liveErr && t('designer.whenCompile', { message: liveErr.message })) ??
    (live?.ok ? undefined : errors?.when?.join('; ')) ??
    (edge.when && !WHEN_HINT.test(edge.when) ? t('designer.whenSuspicious') : undefined);
  const mark = liveErr && edge.when ? splitAt(edge.when, liveErr.position) : undefined;
  const checkState = !expressionToCheck(edge.when) ? 'empty' : check.pending ? 'pending' : check.isError ? 'unavailable' : live ? (live.ok ? 'ok' : 'error') : 'pending';
  return (
    <Form layout="vertical" size="small" data-testid="edge-panel" data-edge={index}>
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {t('designer.edgeProps')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        {edge.from} → {edge.to}
      </Typography.Paragraph>
      {messages?.length ? <Alert type="error" showIcon style={{ marginBottom: 8 }} title={messages.map((m, i) => <div key={i}>{m}</div>)} /> : null}
      {(fromType === 'switch' || fromType === 'inclusive') && <ConditionBuilder form={doc.form} onApply={(when) => set({ when, default: undefined }, `when:${index}`)} />}
      <Form.Item label={t('designer.when')} extra={fromType === 'switch' || fromType === 'inclusive' ? t('designer.whenHelp') : t('designer.whenOnlySwitch')} {...(whenErr ? { validateStatus: 'error', help: whenErr } : checkState === 'ok' ? { validateStatus: 'success', help: t('designer.whenOk') } : checkState === 'pending' ? { validateStatus: 'validating' } : {})} hasFeedback={checkState !== 'empty'}>
        <Input.TextArea rows={2} style={{ fontFamily: 'monospace' }} value={edge.when ?? ''} onChange={(e) => set({ when: e.target.value }, `when:${index}`)} placeholder="order.total >= 50000" data-testid="edge-when" />
      </Form.Item>
      <div data-testid="edge-when-check" data-state={checkState} style={{ marginTop: -8, marginBottom: 12 }}>
        {mark && (
          <pre style={{ margin: 0, fontSize: 12, whiteSpace: 'pre-wrap', background: '#fff1f0', padding: 4, borderRadius: 4 }} data-testid="edge-when-mark">
            {mark.before}
            <span style={{ textDecoration: 'underline wavy #ff4d4f', background: '#ffccc7' }}>{mark.at}</span>
            {mark.after}
          </pre>
        )}
      </div>
      <Form.Item>
        <Checkbox checked={!!edge.default} onChange={(e) => set({ default: e.target.checked || undefined })} data-testid="edge-default">
          {t('designer.default')}
        </Checkbox>
      </Form.Item>
      <Form.Item label={t('designer.outcome')} extra={t('designer.outcomeHelp')} {...(errors?.outcome ? { validateStatus: 'error', help: errors.outcome.join('; ') } : {})}>
        <Input value={edge.outcome ?? ''} onChange={(e) => set({ outcome: e.target.value }, `outcome:${index}`)} placeholder="shortage" />
      </Form.Item>
      <Form.Item label={t('designer.label')}>
        <TextInputs value={edge.label} onChange={(v) => set({ label: v }, `label:${index}`)} />
      </Form.Item>
      <Button danger icon={<DeleteOutlined />} onClick={onDelete} data-testid="edge-delete">
        {t('designer.deleteEdge')}
      </Button>
    </Form>
  );
}
