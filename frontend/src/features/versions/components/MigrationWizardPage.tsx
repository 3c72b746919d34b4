import { useMemo, useState } from 'react';
import { Alert, Button, Card, Flex, Select, Skeleton, Space, Steps, Table, Tag, Typography } from 'antd';
import { ArrowLeftOutlined, ArrowRightOutlined } from '@ant-design/icons';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useForbidden } from '../../auth';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { api } from '../../../lib/api';
import { useLang } from '../../../i18n/useLang';
import { useDef, useDefVersion } from '../../definitions';
import type { FlowDoc } from '../../designer';
import { defaultNodeMap, movable, type MigrationItem, type MigrationRequest } from '../lib/migration';

const post = (key: string, what: 'preview' | 'apply', body: MigrationRequest) =>
  api.post<{ items: MigrationItem[] }>(`/flows/${encodeURIComponent(key)}/migrations/${what}`, body);

/** Route /designer/versions/:key/migrate — move orders in flight from one published version to another. */
export function MigrationWizardPage() {
  const { key = '' } = useParams();
  const forbidden = useForbidden('definitions.manage');
  const def = useDef<FlowDoc>('flows', key);
  if (forbidden) return forbidden;
  if (def.isPending) return <Skeleton active />;
  if (def.isError) return <ErrorAlert error={def.error} onRetry={() => void def.refetch()} />;
  return <Wizard flowKey={key} versions={def.data.versions ?? []} />;
}

function Wizard({ flowKey, versions }: { flowKey: string; versions: number[] }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const [step, setStep] = useState(0);
  const [from, setFrom] = useState<number | undefined>(versions.length > 1 ? versions[versions.length - 2] : undefined);
  const [to, setTo] = useState<number | undefined>(versions[versions.length - 1]);
  const [map, setMap] = useState<Record<string, string>>();
  const [chosen, setChosen] = useState<number[]>([]);
  const fromDoc = useDefVersion<FlowDoc>('flows', flowKey, from).data?.body;
  const toDoc = useDefVersion<FlowDoc>('flows', flowKey, to).data?.body;
  const preview = useMutation({ mutationFn: (body: MigrationRequest) => post(flowKey, 'preview', body) });
  const apply = useMutation({ mutationFn: (body: MigrationRequest) => post(flowKey, 'apply', body) });

  const autoMap = useMemo(() => (fromDoc && toDoc ? defaultNodeMap(fromDoc, toDoc) : {}), [fromDoc, toDoc]);
  const nodeMap = map ?? autoMap;
  const oldNodes = (fromDoc?.nodes ?? []).filter((n) => n.type === 'review');
  const newOptions = (toDoc?.nodes ?? []).filter((n) => n.type === 'review').map((n) => ({ value: n.id, label: `${pick(n.name) || n.id} (${n.id})` }));
  const request = (orders?: number[]): MigrationRequest => ({ from: from!, to: to!, map: Object.fromEntries(Object.entries(nodeMap).filter(([, v]) => v)), ...(orders ? { orders } : {}) });
  const versionOptions = versions.map((v) => ({ value: v, label: t('defs.versionN', { version: v }) }));

  const runPreview = () =>
    preview.mutate(request(), {
      onSuccess: (r) => {
        setChosen(r.items.filter(movable).map((i) => i.order));
        setStep(2);
      },
    });
  const runApply = () => apply.mutate(request(chosen), { onSuccess: () => setStep(3) });

  const itemColumns = (result: boolean) => [
    { title: t('flowMigration.order'), dataIndex: 'number', render: (n: string, r: MigrationItem) => <Link to={`/orders/${r.order}`}>{n}</Link> },
    { title: t('flowMigration.at'), dataIndex: 'at', render: (a: string[] | null) => (a ?? []).map((x) => <Tag key={x}>{x}</Tag>) },
    { title: t('flowMigration.to'), dataIndex: 'to', render: (a?: string[]) => (a ?? []).map((x) => <Tag key={x} color="blue">{x}</Tag>) },
    result
      ? { title: t('flowMigration.moved'), dataIndex: 'moved', render: (m: boolean) => (m ? <Tag color="success">{t('flowMigration.yes')}</Tag> : <Tag color="error">{t('flowMigration.no')}</Tag>) }
      : { title: t('flowMigration.canMove'), render: (_: unknown, r: MigrationItem) => (movable(r) ? <Tag color="success">{t('flowMigration.yes')}</Tag> : <Tag>{t('flowMigration.no')}</Tag>) },
    { title: t('flowMigration.problem'), dataIndex: 'problem', render: (p?: string) => (p ? <Typography.Text type="danger">{p}</Typography.Text> : null) },
  ];

  return (
    <Card
      title={
        <Space>
          <Link to={`/designer/versions/${encodeURIComponent(flowKey)}`}>
            <ArrowLeftOutlined />
          </Link>
          {t('flowMigration.title')} <Typography.Text code>{flowKey}</Typography.Text>
        </Space>
      }
      data-testid="migration-wizard"
    >
      <Steps
        current={step}
        style={{ marginBottom: 24 }}
        items={[{ title: t('flowMigration.stepVersions') }, { title: t('flowMigration.stepMap') }, { title: t('flowMigration.stepPreview') }, { title: t('flowMigration.stepResult') }]}
      />
      {versions.length < 2 && <Alert type="info" showIcon title={t('flowMigration.needTwo')} style={{ marginBottom: 12 }} />}
      {step === 0 && (
        <Flex vertical gap={12} align="flex-start">
          <Space wrap>
            <span>{t('flowMigration.from')}</span>
            <Select style={{ width: 140 }} value={from} onChange={(v) => (setFrom(v), setMap(undefined))} options={versionOptions} data-testid="migration-from" />
            <ArrowRightOutlined />
            <span>{t('flowMigration.toVersion')}</span>
            <Select style={{ width: 140 }} value={to} onChange={(v) => (setTo(v), setMap(undefined))} options={versionOptions} data-testid="migration-to" />
          </Space>
          {from !== undefined && from === to && <Alert type="warning" showIcon title={t('flowMigration.sameVersion')} />}
          <Button type="primary" disabled={!from || !to || from === to} onClick={() => setStep(1)} data-testid="migration-next">
            {t('flowMigration.next')}
          </Button>
        </Flex>
      )}
      {step === 1 && (
        <Flex vertical gap={12}>
          <Typography.Paragraph type="secondary">{t('flowMigration.mapHelp')}</Typography.Paragraph>
          {!fromDoc || !toDoc ? (
            <Skeleton active />
          ) : (
            <Table
              size="small"
              rowKey="id"
              pagination={false}
              dataSource={oldNodes}
              columns={[
                { title: t('flowMigration.oldNode', { version: from }), render: (_, n) => `${pick(n.name) || n.id} (${n.id})` },
                {
                  title: t('flowMigration.newNode', { version: to }),
                  render: (_, n) => (
                    <Select
                      allowClear
                      style={{ width: 280 }}
                      value={nodeMap[n.id] || undefined}
                      options={newOptions}
                      placeholder={t('flowMigration.unmapped')}
                      onChange={(v) => setMap({ ...nodeMap, [n.id]: v ?? '' })}
                      data-testid={`migration-map-${n.id}`}
                    />
                  ),
                },
              ]}
            />
          )}
          {preview.isError && <ErrorAlert error={preview.error} />}
          <Space>
            <Button onClick={() => setStep(0)}>{t('flowMigration.back')}</Button>
            <Button type="primary" loading={preview.isPending} disabled={!fromDoc || !toDoc} onClick={runPreview} data-testid="migration-preview">
              {t('flowMigration.preview')}
            </Button>
          </Space>
        </Flex>
      )}
      {step === 2 && preview.data && (
        <Flex vertical gap={12}>
          <Typography.Text>{t('flowMigration.previewCount', { count: preview.data.items.length, movable: preview.data.items.filter(movable).length })}</Typography.Text>
          <Table
            size="small"
            rowKey="order"
            pagination={false}
            dataSource={preview.data.items}
            data-testid="migration-preview-table"
            rowSelection={{ selectedRowKeys: chosen, onChange: (keys) => setChosen(keys as number[]), getCheckboxProps: (r) => ({ disabled: !movable(r) }) }}
            columns={itemColumns(false)}
          />
          {apply.isError && <ErrorAlert error={apply.error} />}
          <Space>
            <Button onClick={() => setStep(1)}>{t('flowMigration.back')}</Button>
            <Button type="primary" danger disabled={!chosen.length} loading={apply.isPending} onClick={runApply} data-testid="migration-apply">
              {t('flowMigration.apply', { count: chosen.length })}
            </Button>
          </Space>
        </Flex>
      )}
      {step === 3 && apply.data && (
        <Flex vertical gap={12}>
          <Alert
            type={apply.data.items.every((i) => i.moved) ? 'success' : 'warning'}
            showIcon
            title={t('flowMigration.result', { moved: apply.data.items.filter((i) => i.moved).length, count: apply.data.items.length })}
          />
          <Table size="small" rowKey="order" pagination={false} dataSource={apply.data.items} columns={itemColumns(true)} data-testid="migration-result-table" />
          <Button style={{ alignSelf: 'flex-start' }} onClick={() => (setStep(0), preview.reset(), apply.reset())}>
            {t('flowMigration.again')}
          </Button>
        </Flex>
      )}
    </Card>
  );
}
