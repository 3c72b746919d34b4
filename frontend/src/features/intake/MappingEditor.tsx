import { Alert, Col, Row, Select, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../i18n/useLang';
import type { ImportPreview } from './api';
import { buildMapping, fieldTarget, missingFields, REF_TARGET, targetsOf, type ImportField, type ImportMapping, type Target } from './lib';

interface Props {
  preview: ImportPreview;
  value: ImportMapping;
  onChange: (m: ImportMapping) => void;
}

/**
 * Maps each column of the file to a form field: one row per column with its first values and a select of the
 * form's fields (labels in the user's language), the server's suggestion preselected; the required fields no
 * column fills are listed above, so nothing is imported that every order would fail on.
 */
export function MappingEditor({ preview, value, onChange }: Props) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const targets = targetsOf(value, preview.header);
  const label = (f: ImportField) => pick(f.title as Parameters<typeof pick>[0]) || f.path;
  const option = (f: ImportField) => ({ value: fieldTarget(f), label: `${label(f)}${f.required ? ' *' : ''}` });
  const options = [
    { value: '', label: t('ops.imports.map.none') },
    { value: REF_TARGET, label: t('ops.imports.map.ref') },
    { label: t('ops.imports.map.order'), options: preview.fields.filter((f) => !f.items).map(option) },
    { label: t('ops.imports.map.items'), options: preview.fields.filter((f) => f.items).map(option) },
  ].filter((g) => !('options' in g) || (g.options?.length ?? 0) > 0);
  const set = (col: string, target: Target) => {
    const next = { ...targets };
    // a field comes from one column: choosing it here frees it elsewhere
    if (target) for (const c of Object.keys(next)) if (next[c] === target) next[c] = '';
    next[col] = target;
    onChange(buildMapping(next, preview.fields, value));
  };
  const missing = missingFields(preview.fields, value);
  const sample = (i: number) =>
    preview.rows
      .map((r) => r[i] ?? '')
      .filter((v) => v !== '')
      .slice(0, 3)
      .join(' · ');

  return (
    <div data-testid="import-mapping-editor">
      {missing.length ? (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="import-missing"
          title={t('ops.imports.map.missing', { n: missing.length })}
          description={
            <span>
              {missing.map((f) => (
                <Tag key={fieldTarget(f)} color="error" data-testid="import-missing-field" data-path={f.path}>
                  {label(f)}
                </Tag>
              ))}
            </span>
          }
        />
      ) : (
        <Alert type="success" showIcon style={{ marginBottom: 12 }} title={t('ops.imports.map.complete')} data-testid="import-mapping-complete" />
      )}
      <Typography.Text type="secondary" style={{ display: 'block', marginBottom: 8 }}>
        {t('ops.imports.map.summary', { columns: preview.header.length, rows: preview.total })}
        {value.values && Object.keys(value.values).length
          ? ' ' +
            t('ops.imports.map.constants', {
              list: Object.entries(value.values)
                .map(([p, v]) => `${label(preview.fields.find((f) => !f.items && f.path === p) ?? { path: p, type: '', required: false })} = ${String(v)}`)
                .join('、'),
            })
          : ''}
      </Typography.Text>
      <Row gutter={[12, 4]} style={{ fontWeight: 600, marginBottom: 4 }} className="import-map-head">
        <Col xs={0} sm={7}>{t('ops.imports.map.column')}</Col>
        <Col xs={0} sm={8}>{t('ops.imports.map.sample')}</Col>
        <Col xs={0} sm={9}>{t('ops.imports.map.field')}</Col>
      </Row>
      {preview.header.map((col, i) => (
        <Row
          key={`${col}-${i}`}
          gutter={[12, 4]}
          align="middle"
          style={{ padding: '6px 0', borderTop: '1px solid rgba(5,5,5,0.06)' }}
          data-testid="import-map-row"
          data-column={col}
        >
          <Col xs={24} sm={7}>
            <Typography.Text strong>{col || '—'}</Typography.Text>
          </Col>
          <Col xs={24} sm={8}>
            <Typography.Text type="secondary" ellipsis={{ tooltip: sample(i) }} style={{ maxWidth: '100%' }}>
              {sample(i) || '—'}
            </Typography.Text>
          </Col>
          <Col xs={24} sm={9}>
            <Select
              style={{ width: '100%' }}
              value={targets[col] ?? ''}
              onChange={(v: string) => set(col, v)}
              options={options}
              showSearch={{ optionFilterProp: 'label' }}
              aria-label={t('ops.imports.map.fieldFor', { column: col })}
              data-testid="import-map-select"
            />
          </Col>
        </Row>
      ))}
    </div>
  );
}
