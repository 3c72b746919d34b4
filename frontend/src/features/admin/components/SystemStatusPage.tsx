import { Button, Card, Col, Descriptions, Flex, Result, Row, Skeleton, Space, Statistic, Tag, Tooltip, Typography } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import dayjs from 'dayjs';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { StatusTag } from '../../../components/StatusTag';
import { isApiError } from '../../../lib/api';
import { useSystemStatus, type SystemStatus } from '../api/status';
import { durationParts, formatBytes } from '../lib/format';

const fmtTime = (iso: string) => {
  const d = dayjs(iso);
  return d.isValid() ? d.format('YYYY-MM-DD HH:mm:ss') : iso;
};

function useDuration() {
  const { t } = useTranslation();
  return (seconds: number) => durationParts(seconds).map(([unit, n]) => t(`adminStatus.duration.${unit}`, { n })).join(' ');
}

/** Route /admin/status — version, database, order and task counts, last backup; refreshed every 15 s. */
export function SystemStatusPage() {
  const { t } = useTranslation();
  const status = useSystemStatus();

  if (status.isError && isApiError(status.error) && status.error.status === 403) {
    return (
      <Result status="403" title={t('adminStatus.notAllowed')} subTitle={t('adminStatus.notAllowedHint')} data-testid="status-forbidden" />
    );
  }

  return (
    <Card
      title={t('adminStatus.title')}
      extra={
        <Space>
          {status.dataUpdatedAt > 0 && (
            <Typography.Text type="secondary" data-testid="status-updated">
              {t('adminStatus.updatedAt', { time: dayjs(status.dataUpdatedAt).format('HH:mm:ss') })}
            </Typography.Text>
          )}
          <Tooltip title={t('adminStatus.autoRefresh')}>
            <Button icon={<ReloadOutlined />} loading={status.isFetching} onClick={() => void status.refetch()} data-testid="status-refresh">
              {t('common.refresh')}
            </Button>
          </Tooltip>
        </Space>
      }
    >
      {status.isError && <ErrorAlert error={status.error} onRetry={() => void status.refetch()} style={{ marginBottom: 16 }} />}
      {status.isPending ? <Skeleton active /> : status.data ? <StatusBody s={status.data} /> : null}
    </Card>
  );
}

function StatusBody({ s }: { s: SystemStatus }) {
  const { t } = useTranslation();
  const duration = useDuration();
  const db = s.database;
  const schemaBehind = db.schema_version < db.latest_schema_version;
  const schemaAhead = db.schema_version > db.latest_schema_version;
  const orderEntries = Object.entries(s.orders ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const orderTotal = orderEntries.reduce((n, [, v]) => n + v, 0);
  const countEntries = Object.entries(s.counts ?? {});
  const backup = s.last_backup;

  return (
    <Flex vertical gap={24}>
      <Row gutter={[16, 16]}>
        <Col xs={12} md={6}>
          <Statistic title={t('adminStatus.version')} value={s.build.version} data-testid="status-version" />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t('adminStatus.uptime')} value={duration(s.uptime_seconds)} data-testid="status-uptime" />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t('adminStatus.openTasks')} value={s.tasks.open} data-testid="status-open-tasks" />
        </Col>
        <Col xs={12} md={6}>
          <Statistic
            title={t('adminStatus.oldestTask')}
            value={s.tasks.open > 0 ? duration(s.tasks.oldest_age_seconds) : t('common.none')}
            data-testid="status-oldest-task"
          />
        </Col>
      </Row>

      <Descriptions title={t('adminStatus.build')} bordered size="small" column={{ xs: 1, md: 2 }}>
        <Descriptions.Item label={t('adminStatus.version')}>{s.build.version}</Descriptions.Item>
        <Descriptions.Item label={t('adminStatus.revision')}>
          <span data-testid="status-revision">
            {s.build.revision ? <Typography.Text code copyable>{s.build.revision}</Typography.Text> : t('common.none')}
            {s.build.modified && (
              <Tag color="warning" style={{ marginInlineStart: 8 }}>
                {t('adminStatus.modified')}
              </Tag>
            )}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('adminStatus.goVersion')}>{s.build.go_version}</Descriptions.Item>
        <Descriptions.Item label={t('adminStatus.startedAt')}>{fmtTime(s.started_at)}</Descriptions.Item>
      </Descriptions>

      <Descriptions title={t('adminStatus.database')} bordered size="small" column={{ xs: 1, md: 2 }}>
        <Descriptions.Item label={t('adminStatus.dialect')}>
          <Tag color={db.dialect === 'postgres' ? 'blue' : 'geekblue'} data-testid="status-dialect">
            {t(`adminStatus.dialects.${db.dialect}`, { defaultValue: db.dialect })}
          </Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t('adminStatus.schemaVersion')}>
          <Space data-testid="status-schema">
            <span>{db.schema_version}</span>
            <Typography.Text type="secondary">{t('adminStatus.latestSchema', { version: db.latest_schema_version })}</Typography.Text>
            {schemaBehind ? (
              <Tag color="warning">{t('adminStatus.schemaBehind')}</Tag>
            ) : schemaAhead ? (
              <Tag color="error">{t('adminStatus.schemaAhead')}</Tag>
            ) : (
              <Tag color="success">{t('adminStatus.schemaCurrent')}</Tag>
            )}
          </Space>
        </Descriptions.Item>
        <Descriptions.Item label={t('adminStatus.url')} span="filled">
          <Typography.Text code>{db.url}</Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('adminStatus.auditSeq')}>{db.audit_seq}</Descriptions.Item>
        <Descriptions.Item label={t('adminStatus.eventSeq')}>{db.event_seq}</Descriptions.Item>
      </Descriptions>

      <div>
        <Typography.Title level={5}>{t('adminStatus.orders')}</Typography.Title>
        {orderEntries.length === 0 ? (
          <Typography.Text type="secondary">{t('adminStatus.noOrders')}</Typography.Text>
        ) : (
          <Row gutter={[16, 16]} data-testid="status-orders">
            {orderEntries.map(([st, n]) => (
              <Col key={st} xs={12} sm={8} md={4}>
                <Statistic title={<StatusTag status={st} />} value={n} data-testid={`status-orders-${st}`} />
              </Col>
            ))}
            <Col xs={12} sm={8} md={4}>
              <Statistic title={t('adminStatus.ordersTotal')} value={orderTotal} data-testid="status-orders-total" />
            </Col>
          </Row>
        )}
      </div>

      {countEntries.length > 0 && (
        <div>
          <Typography.Title level={5}>{t('adminStatus.counts')}</Typography.Title>
          <Row gutter={[16, 16]}>
            {countEntries.map(([k, n]) => (
              <Col key={k} xs={12} sm={8} md={4}>
                <Statistic title={t(`adminStatus.countNames.${k}`, { defaultValue: k })} value={n} data-testid={`status-count-${k}`} />
              </Col>
            ))}
          </Row>
        </div>
      )}

      <Descriptions title={t('adminStatus.backup')} bordered size="small" column={{ xs: 1, md: 2 }}>
        {backup ? (
          <>
            <Descriptions.Item label={t('adminStatus.backupAt')}>
              <span data-testid="status-backup-at">
                {fmtTime(backup.at)}{' '}
                <Typography.Text type="secondary">
                  {t('adminStatus.ago', { duration: duration(Math.max(0, dayjs().diff(dayjs(backup.at), 'second'))) })}
                </Typography.Text>
              </span>
            </Descriptions.Item>
            <Descriptions.Item label={t('adminStatus.backupSize')}>
              <span data-testid="status-backup-size">{formatBytes(backup.bytes)}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('adminStatus.backupFile')} span="filled">
              <Typography.Text code copyable data-testid="status-backup-file">
                {backup.path}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('adminStatus.schemaVersion')}>{backup.schema_version}</Descriptions.Item>
            <Descriptions.Item label={t('adminStatus.backupOrders')}>{backup.orders}</Descriptions.Item>
            <Descriptions.Item label={t('adminStatus.auditSeq')} span="filled">{backup.audit_seq}</Descriptions.Item>
          </>
        ) : (
          <Descriptions.Item label={t('adminStatus.backup')} span="filled">
            <Tag color="warning" data-testid="status-no-backup">
              {t('adminStatus.noBackup')}
            </Tag>
          </Descriptions.Item>
        )}
      </Descriptions>
    </Flex>
  );
}
