import { useState } from 'react';
import { Alert, Button, Card, Checkbox, Descriptions, Flex, Form, Input, Radio, Result, Select, Skeleton, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { useActLink, useDecideByLink } from '../api/actLink';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useLang } from '../../../i18n/useLang';
import { isLocalizedObject, type LocalizedText } from '../../../i18n/pickText';
import { isApiError, taskChangedReason } from '../../../lib/api';

export const LINK_EXPIRED = 'urn:sluice:problem:link-expired';
export const LINK_INVALID = 'urn:sluice:problem:link-invalid';

type Decision = 'approve' | 'reject';

/** Why a link cannot be used, as a catalogue key: expired, not valid, someone else's, or the task moved on. */
export function refusalKey(e: unknown): string {
  if (!isApiError(e)) return 'actLink.failed';
  const why = taskChangedReason(e);
  if (why) return `actLink.changed.${why}`;
  if (e.problem.type === LINK_EXPIRED) return 'actLink.expired';
  if (e.problem.type === LINK_INVALID) return 'actLink.invalid';
  if (e.status === 403) return 'actLink.forbidden';
  return 'actLink.failed';
}

function text(item: unknown, pick: (t: LocalizedText) => string): string {
  if (typeof item === 'string') return item;
  if (isLocalizedObject(item)) return pick(item);
  return '';
}

/**
 * Where a message's approve/reject link lands: signed in (the app sends a visitor without a session to sign in
 * and back here), it shows the order's essentials and the decision, and takes it once confirmed.
 */
export function ActLinkPage() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { token = '' } = useParams();
  const [params] = useSearchParams();
  const link = useActLink(token);
  const decide = useDecideByLink(token);
  const [action, setAction] = useState<Decision>(params.get('do') === 'reject' ? 'reject' : 'approve');
  const [ticks, setTicks] = useState<boolean[]>([]);
  const [reason, setReason] = useState<string>();
  const [comment, setComment] = useState('');

  if (link.isPending) return <Skeleton active />;
  if (decide.isSuccess) {
    const order = decide.data.order;
    return (
      <Result
        status="success"
        title={t('actLink.done', { action: t(`action.${action}`), number: order.number })}
        extra={
          <Link to={`/orders/${order.id}`}>
            <Button>{t('actLink.openOrder')}</Button>
          </Link>
        }
        data-testid="act-link-done"
      />
    );
  }
  if (link.isError) {
    const why = refusalKey(link.error);
    // the server's detail adds who decided or why it is not yours; for a link not valid or expired the title says it all
    const detail = why !== 'actLink.invalid' && why !== 'actLink.expired' && isApiError(link.error) ? link.error.detail : undefined;
    return (
      <Result
        status="warning"
        title={t(why)}
        subTitle={detail}
        extra={
          <Link to="/tasks">
            <Button>{t('actLink.toTasks')}</Button>
          </Link>
        }
        data-testid="act-link-refused"
      />
    );
  }

  const { order, task, expires_at: expiresAt, channel } = link.data;
  const checklist = task.checklist ?? [];
  const reasons = task.reasons ?? [];
  const customer = order.customer || String((order.data?.customer as { name?: string } | undefined)?.name ?? '');
  const complete = checklist.every((_, i) => ticks[i]);
  const needsReason = action === 'reject' && reasons.length > 0 && !reason;
  const submit = () =>
    decide.mutate({
      action,
      comment: comment || undefined,
      reason: action === 'reject' ? reason : undefined,
      checklist: action === 'approve' && checklist.length ? checklist.map((_, i) => !!ticks[i]) : undefined,
    });
  const refused = decide.isError && isApiError(decide.error) && decide.error.status !== 422;

  return (
    <Flex justify="center">
      <Card style={{ width: 560, maxWidth: '100%' }} title={t('actLink.title')} data-testid="act-link">
        <Typography.Paragraph type="secondary">{t('actLink.via', { channel: t(`actLink.channels.${channel}`) })}</Typography.Paragraph>
        <Descriptions column={1} size="small" bordered>
          <Descriptions.Item label={t('actLink.number')}>{order.number}</Descriptions.Item>
          {customer ? <Descriptions.Item label={t('actLink.customer')}>{customer}</Descriptions.Item> : null}
          <Descriptions.Item label={t('actLink.amount')}>{order.total.toLocaleString()}</Descriptions.Item>
          <Descriptions.Item label={t('actLink.node')}>{pick(task.node_name) || task.node}</Descriptions.Item>
          <Descriptions.Item label={t('actLink.expires')}>{new Date(expiresAt).toLocaleString()}</Descriptions.Item>
        </Descriptions>
        <Form layout="vertical" style={{ marginTop: 16 }} onFinish={submit} disabled={decide.isPending}>
          <Form.Item label={t('actLink.decision')}>
            <Radio.Group value={action} onChange={(e) => setAction(e.target.value as Decision)} data-testid="act-link-action">
              <Radio.Button value="approve">{t('action.approve')}</Radio.Button>
              <Radio.Button value="reject">{t('action.reject')}</Radio.Button>
            </Radio.Group>
          </Form.Item>
          {action === 'approve' && checklist.length > 0 ? (
            <Form.Item label={t('actLink.checklist')} extra={complete ? undefined : t('actLink.tickAll')}>
              <Flex vertical gap={4}>
                {checklist.map((item, i) => (
                  <Checkbox
                    key={i}
                    checked={!!ticks[i]}
                    onChange={(e) => setTicks((prev) => Object.assign([...prev], { [i]: e.target.checked }))}
                    data-testid={`act-link-check-${i}`}
                  >
                    {text(item, pick)}
                  </Checkbox>
                ))}
              </Flex>
            </Form.Item>
          ) : null}
          {action === 'reject' && reasons.length > 0 ? (
            <Form.Item label={t('actLink.reason')} required>
              <Select
                value={reason}
                onChange={setReason}
                options={reasons.map((r) => ({ value: r, label: t(`reasons.${r}`, { defaultValue: r }) }))}
                data-testid="act-link-reason"
              />
            </Form.Item>
          ) : null}
          <Form.Item label={t('actLink.comment')}>
            <Input.TextArea rows={2} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} />
          </Form.Item>
          {refused ? <Alert type="warning" showIcon message={t(refusalKey(decide.error))} style={{ marginBottom: 16 }} /> : null}
          {decide.isError && !refused ? <ErrorAlert error={decide.error} style={{ marginBottom: 16 }} /> : null}
          <Flex gap={8} wrap>
            <Button
              type="primary"
              danger={action === 'reject'}
              htmlType="submit"
              loading={decide.isPending}
              disabled={refused || (action === 'approve' && !complete) || needsReason}
              data-testid="act-link-confirm"
            >
              {t('actLink.confirm', { action: t(`action.${action}`) })}
            </Button>
            <Link to={`/orders/${order.id}`}>
              <Button>{t('actLink.openOrder')}</Button>
            </Link>
          </Flex>
        </Form>
      </Card>
    </Flex>
  );
}
