import { useEffect, useReducer, useState } from 'react';
import { Alert, App, Button, Card, Col, Flex, Form, Progress, Row, Select, Space, Spin, Statistic, Table, Tag, Typography, Upload } from 'antd';
import { DownloadOutlined, UploadOutlined } from '@ant-design/icons';
import type { UploadFile } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { useFlows } from '../flows';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useLang } from '../../i18n/useLang';
import { buildUrl, isApiError } from '../../lib/api';
import { formatDateTime } from '../../lib/format';
import { useLiveEvents } from '../../lib/live/LiveProvider';
import { useQueryClient } from '@tanstack/react-query';
import { importKeys, useImport, useImports, usePreview, useUpload, type ImportJob, type RowError } from './api';
import { initialProgress, isFinished, missingFields, outcome, parseProgress, percent, progressReducer, type ImportMapping } from './lib';
import { MappingEditor } from './MappingEditor';

/** A CSV file's text encoding: detected, or named when the guess was wrong. */
const ENCODINGS = ['auto', 'utf-8', 'big5', 'gb18030', 'utf-16'] as const;

/** A job's status; a finished job with failed orders says how many of how many, in the error colour. */
function JobStatus({ job }: { job: { status: string; total: number; failed: number } }) {
  const { t } = useTranslation();
  const o = outcome(job);
  const color = o === 'ok' ? 'success' : o === 'running' ? 'processing' : 'error';
  const text =
    o === 'partial' || (o === 'failed' && job.total > 0)
      ? t(o === 'partial' ? 'ops.imports.partial' : 'ops.imports.allFailed', { n: job.failed, m: job.total })
      : t(`ops.imports.status.${job.status}`, { defaultValue: job.status });
  return (
    <Tag color={color} data-testid="import-status" data-status={job.status} data-outcome={o}>
      {text}
    </Tag>
  );
}

/** Import orders from CSV/XLSX: upload with a flow and an optional mapping, follow the job live, see row errors. */
export function ImportsPage() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const flows = useFlows();
  const imports = useImports();
  const upload = useUpload();
  const [params] = useSearchParams();
  // ?flow=<key> preselects the flow
  const [flow, setFlow] = useState<string | undefined>(params.get('flow') ?? undefined);
  const [mapping, setMapping] = useState<ImportMapping | undefined>();
  const [encoding, setEncoding] = useState('auto');
  const [files, setFiles] = useState<UploadFile[]>([]);
  const preview = usePreview();
  const [jobId, setJobId] = useState<number | undefined>();
  const job = useImport(jobId);
  const [progress, dispatch] = useReducer(progressReducer, initialProgress);

  useEffect(() => {
    if (job.data) dispatch({ type: 'job', job: job.data });
  }, [job.data]);
  // a job can finish before its upload's answer is read: the live event came first, fetch the final job
  const liveDone = jobId ? isFinished(progress.jobs[jobId]?.status ?? '') : false;
  const fetchedRunning = !!job.data && !isFinished(job.data.status);
  useEffect(() => {
    if (liveDone && fetchedRunning) void job.refetch();
  }, [liveDone, fetchedRunning, job]);
  useLiveEvents((e) => {
    if (e.type !== 'import.progress') return;
    const p = parseProgress(e.data);
    if (!p) return;
    dispatch({ type: 'event', event: p });
    if (isFinished(p.status)) {
      void qc.invalidateQueries({ queryKey: importKeys.detail(p.id) });
      void qc.invalidateQueries({ queryKey: importKeys.list() });
    }
  });

  const flowKey = flow ?? flows.data?.items?.[0]?.key;
  const templateUrl = flowKey ? buildUrl(`/flows/${encodeURIComponent(flowKey)}/import-template.xlsx`) : undefined;
  const file = files[0]?.originFileObj as File | undefined;
  const fieldErrors = isApiError(upload.error) ? upload.error.fieldErrors : [];
  const mappingServerErrors = fieldErrors.filter((e) => e.pointer.startsWith('/mapping'));

  // a new file, flow or encoding: read the file's head again and start from the mapping its headers suggest
  const { mutate: runPreview, reset: resetPreview } = preview;
  useEffect(() => {
    if (!file || !flowKey) {
      resetPreview();
      return;
    }
    runPreview({ file, flow: flowKey, encoding }, { onSuccess: (p) => setMapping(p.mapping) });
  }, [file, flowKey, encoding, runPreview, resetPreview]);
  const ready = !!preview.data && !!mapping && !preview.isPending;
  const missing = ready ? missingFields(preview.data.fields, mapping) : [];

  const submit = () => {
    if (!file || !flowKey || !ready || missing.length) return;
    upload.mutate(
      { file, flow: flowKey, mapping: JSON.stringify(mapping), encoding },
      {
        onSuccess: (j) => {
          setJobId(j.id);
          dispatch({ type: 'job', job: j });
          void message.success(t('ops.imports.started', { name: j.filename }));
        },
      },
    );
  };

  const current = jobId ? progress.jobs[jobId] : undefined;
  const errorsOf = (j?: ImportJob): RowError[] => j?.errors ?? [];

  return (
    <Flex vertical gap={16}>
      <Card>
        <Typography.Title level={3} style={{ marginTop: 0 }} data-testid="page-title">
          {t('ops.imports.title')}
        </Typography.Title>
        <Row gutter={16}>
          <Col xs={24} lg={8}>
            <Form layout="vertical">
              <Form.Item label={t('orders.flow')} required>
                <Select
                  value={flowKey}
                  onChange={setFlow}
                  options={(flows.data?.items ?? []).map((f) => ({ value: f.key, label: pick(f.name) || f.key }))}
                  data-testid="import-flow"
                />
              </Form.Item>
              <Form.Item label={t('ops.imports.file')} required extra={t('ops.imports.fileHelp')}>
                <Upload
                  accept=".csv,.xlsx"
                  maxCount={1}
                  fileList={files}
                  beforeUpload={() => false}
                  onChange={(i) => setFiles(i.fileList.slice(-1))}
                >
                  <Button icon={<UploadOutlined />} data-testid="import-file">
                    {t('ops.imports.pick')}
                  </Button>
                </Upload>
              </Form.Item>
              <Form.Item label={t('ops.imports.encoding')} extra={t('ops.imports.encodingHelp')}>
                <Select
                  value={encoding}
                  onChange={setEncoding}
                  options={ENCODINGS.map((e) => ({ value: e, label: t(`ops.imports.encodings.${e}`) }))}
                  data-testid="import-encoding"
                />
              </Form.Item>
            </Form>
          </Col>
          <Col xs={24} lg={16}>
            <Form layout="vertical">
              <Form.Item
                label={
                  <Space>
                    {t('ops.imports.mapping')}
                    {templateUrl ? (
                      <a href={templateUrl} data-testid="import-template">
                        <DownloadOutlined /> {t('ops.imports.template')}
                      </a>
                    ) : null}
                  </Space>
                }
                validateStatus={mappingServerErrors.length ? 'error' : undefined}
                help={mappingServerErrors.length ? mappingServerErrors.map((e) => `${e.pointer}: ${e.message}`).join('; ') : undefined}
              >
                {preview.isError ? (
                  <ErrorAlert error={preview.error} />
                ) : preview.isPending ? (
                  <Spin data-testid="import-preview-loading" />
                ) : preview.data && mapping ? (
                  <MappingEditor preview={preview.data} value={mapping} onChange={setMapping} />
                ) : (
                  <Typography.Text type="secondary">{t('ops.imports.mappingHelp')}</Typography.Text>
                )}
              </Form.Item>
            </Form>
          </Col>
        </Row>
        {upload.error && (!fieldErrors.length || fieldErrors.length > mappingServerErrors.length) ? (
          <ErrorAlert error={upload.error} style={{ marginBottom: 12 }} />
        ) : null}
        <Button type="primary" onClick={submit} disabled={!file || !flowKey || !ready || missing.length > 0} loading={upload.isPending} data-testid="import-submit">
          {t('ops.imports.upload')}
        </Button>
      </Card>

      {jobId ? (
        <Card title={t('ops.imports.job', { id: jobId })} data-testid="import-job">
          {current ? (
            <>
              <Space style={{ marginBottom: 8 }}>
                <JobStatus job={current} />
                <Typography.Text>{job.data?.filename}</Typography.Text>
                {job.data?.encoding ? (
                  <Tag data-testid="import-read-as">{t('ops.imports.readAs', { encoding: t(`ops.imports.encodings.${job.data.encoding}`, { defaultValue: job.data.encoding }) })}</Tag>
                ) : null}
              </Space>
              <Progress
                percent={percent(current)}
                status={outcome(current) === 'running' ? 'active' : outcome(current) === 'ok' ? 'success' : 'exception'}
                data-testid="import-progress"
              />
              <Row gutter={16} style={{ marginTop: 8 }}>
                <Col span={6}><Statistic title={t('ops.imports.total')} value={current.total} /></Col>
                <Col span={6}><Statistic title={t('ops.imports.created')} value={current.created} /></Col>
                <Col span={6}><Statistic title={t('ops.imports.skipped')} value={current.skipped} /></Col>
                <Col span={6}><Statistic title={t('ops.imports.failed')} value={current.failed} valueStyle={current.failed ? { color: '#cf1322' } : undefined} /></Col>
              </Row>
            </>
          ) : null}
          {errorsOf(job.data).length ? (
            <>
              <Alert type="warning" showIcon title={t('ops.imports.rowErrors')} style={{ margin: '12px 0' }} />
              <Table<RowError>
                size="small"
                rowKey={(r, i) => `${r.row}-${r.column ?? ''}-${i}`}
                dataSource={errorsOf(job.data)}
                pagination={{ pageSize: 20, hideOnSinglePage: true }}
                data-testid="import-errors"
                columns={[
                  // Row 0: about the import as a whole (e.g. its server stopped), no row of the file.
                  { title: t('ops.imports.row'), dataIndex: 'row', key: 'row', width: 80, render: (row: number) => (row > 0 ? row : '—') },
                  { title: t('ops.imports.column'), dataIndex: 'column', key: 'column', width: 160 },
                  { title: t('ops.imports.message'), dataIndex: 'message', key: 'message' },
                ]}
              />
            </>
          ) : null}
        </Card>
      ) : null}

      <Card title={t('ops.imports.mine')}>
        {imports.isError ? (
          <ErrorAlert error={imports.error} onRetry={() => void imports.refetch()} />
        ) : (
          <Table<ImportJob>
            size="small"
            rowKey="id"
            loading={imports.isPending}
            dataSource={imports.data?.items ?? []}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            columns={[
              { title: '#', dataIndex: 'id', key: 'id', width: 60 },
              { title: t('ops.imports.file'), dataIndex: 'filename', key: 'filename' },
              { title: t('orders.flow'), dataIndex: 'flow', key: 'flow' },
              { title: t('orders.status'), key: 'status', render: (_, j) => <JobStatus job={progress.jobs[j.id] ?? j} /> },
              { title: t('ops.imports.created'), dataIndex: 'created', key: 'created' },
              { title: t('ops.imports.skipped'), dataIndex: 'skipped', key: 'skipped' },
              { title: t('ops.imports.failed'), dataIndex: 'failed', key: 'failed' },
              { title: t('orders.createdAt'), key: 'at', render: (_, j) => formatDateTime(j.created_at) },
              {
                title: '',
                key: 'open',
                render: (_, j) => (
                  <Button size="small" onClick={() => setJobId(j.id)}>
                    {t('common.open')}
                  </Button>
                ),
              },
            ]}
          />
        )}
      </Card>
    </Flex>
  );
}
