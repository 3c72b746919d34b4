import { Alert, Card, List, Segmented, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { SimulateResponse } from '../lib/simulate';

interface Props {
  result: SimulateResponse;
  selected: number;
  onSelect: (i: number) => void;
  onClose: () => void;
}

/** Each sample's final status, path and rule trace; the selected one is highlighted on the graph. */
export function SimulationResults({ result, selected, onSelect, onClose }: Props) {
  const { t } = useTranslation();
  const r = result.results[selected];
  return (
    <Card
      size="small"
      title={t('designer.simulationTitle', { version: result.version })}
      extra={<Typography.Link onClick={onClose}>{t('designer.close')}</Typography.Link>}
      data-testid="simulation-results"
    >
      {result.results.length > 1 && (
        <Segmented
          style={{ marginBottom: 8 }}
          value={selected}
          onChange={(v) => onSelect(Number(v))}
          options={result.results.map((x, i) => ({ value: i, label: t('designer.sampleN', { n: i + 1 }) + ` · ${x.status}` }))}
        />
      )}
      {r && (
        <Space orientation="vertical" style={{ width: '100%' }} data-testid="simulation-result" data-status={r.status}>
          <div>
            {t('designer.finalStatus')}: <Tag color={r.status === 'invalid' ? 'red' : 'blue'} data-testid="simulation-status">{r.status}</Tag>
          </div>
          {r.error && <Alert type="error" title={r.error} />}
          {r.errors?.map((e, i) => <Alert key={i} type="error" title={`${e.pointer}: ${e.message}`} />)}
          {r.path && (
            <div data-testid="simulation-path">
              {r.path.map((s, i) => (
                <Tag key={i} color="gold" style={{ marginBottom: 4 }}>
                  {s.node}
                  {s.approvers?.length ? ` (${s.approvers.join(', ')})` : ''}
                  {s.outcome ? ` → ${s.outcome}` : ''}
                </Tag>
              ))}
            </div>
          )}
          {r.trace && (
            <List
              size="small"
              header={t('designer.trace')}
              dataSource={r.trace}
              renderItem={(line) => (
                <List.Item data-testid="sim-trace-line" style={{ padding: '2px 0' }}>
                  <Typography.Text code>{line.node}</Typography.Text> {line.text}
                </List.Item>
              )}
            />
          )}
        </Space>
      )}
    </Card>
  );
}
