import { Alert, Card, List, Segmented, Space, Tag, Typography } from 'antd';
import { ClockCircleOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { StatusTag } from '../../../components/StatusTag';
import { useLang } from '../../../i18n/useLang';
import { useDefList } from '../../definitions';
import { useDepartments } from '../../departments';
import { useUsers } from '../../users';
import type { FlowDoc } from '../lib/document';
import { slaLines, type SimulateResponse } from '../lib/simulate';
import type { SlaDoc } from '../lib/sla';

interface Props {
  result: SimulateResponse;
  /** The flow simulated and its SLA, for the nodes' names and whom an escalation is for. */
  doc: FlowDoc;
  sla?: SlaDoc;
  selected: number;
  onSelect: (i: number) => void;
  onClose: () => void;
}

/** Each sample's final status, path, SLA timers and rule trace; the selected one is highlighted on the graph. */
export function SimulationResults({ result, doc, sla, selected, onSelect, onClose }: Props) {
  const { t } = useTranslation();
  const { lang, pick } = useLang();
  const users = useUsers(true);
  const roles = useDefList('roles');
  const departments = useDepartments();
  const r = result.results[selected];
  const status = (s: string) => t(`status.${s}`, { defaultValue: s });
  const nodeName = (id: string) => pick(doc.nodes.find((n) => n.id === id)?.name) || id;
  const who = (u: string) => {
    const name = users.data?.items.find((x) => x.username === u)?.display_name;
    return name ? `${name} (${u})` : u;
  };
  const roleText = (role: string, department?: string) => {
    const rn = pick(roles.data?.items.find((x) => x.key === role)?.name as never) || role;
    const dn = department ? pick(departments.data?.items.find((d) => d.key === department)?.name) || department : undefined;
    return dn ? t('designer.simSla.roleIn', { role: rn, department: dn }) : t('designer.simSla.role', { role: rn });
  };
  const timers = r ? slaLines(r.reminders, { t, lang, rule: (n) => sla?.rules?.[n], who, roleText }) : [];
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
          options={result.results.map((x, i) => ({ value: i, label: t('designer.sampleLabel', { n: i + 1, status: status(x.status) }) }))}
          data-testid="simulation-samples"
        />
      )}
      {r && (
        <Space orientation="vertical" style={{ width: '100%' }} data-testid="simulation-result" data-status={r.status}>
          <div>
            {t('designer.finalStatus')}: <StatusTag status={r.status} testId="simulation-status" />
          </div>
          {r.error && <Alert type="error" title={r.error} />}
          {r.errors?.map((e, i) => <Alert key={i} type="error" title={`${e.pointer}: ${e.message}`} />)}
          {r.path && (
            <div data-testid="simulation-path">
              <Typography.Text type="secondary">{t('designer.simPath')}: </Typography.Text>
              {r.path.map((s, i) => (
                <Tag key={i} color="gold" style={{ marginBottom: 4 }} data-node={s.node}>
                  {nodeName(s.node)}
                  {s.approvers?.length ? ` (${s.approvers.join(', ')})` : ''}
                  {s.outcome ? ` → ${doc.nodes.some((n) => n.id === s.outcome) ? nodeName(s.outcome) : status(s.outcome)}` : ''}
                </Tag>
              ))}
            </div>
          )}
          {r.path && (
            <div data-testid="simulation-sla">
              <Typography.Text strong>
                <ClockCircleOutlined /> {t('designer.simSla.title')}
              </Typography.Text>
              {timers.length === 0 ? (
                <div>
                  <Typography.Text type="secondary">{t('designer.simSla.none')}</Typography.Text>
                </div>
              ) : (
                timers.map((g) => (
                  <div key={g.node} data-testid="sim-sla-node" data-node={g.node} style={{ marginTop: 4 }}>
                    <Tag color="gold">{nodeName(g.node)}</Tag>
                    <ul style={{ margin: '2px 0 0', paddingInlineStart: 22 }}>
                      {g.lines.map((l, i) => (
                        <li key={i} data-testid="sim-sla-line" data-kind={l.kind}>
                          {l.text}
                          {l.capped && (
                            <Tag color="orange" style={{ marginInlineStart: 6 }}>
                              {t('designer.simSla.capped')}
                            </Tag>
                          )}
                        </li>
                      ))}
                    </ul>
                  </div>
                ))
              )}
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
