import { useState } from 'react';
import { Alert, Button, Flex, Form, Input, Modal, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useBatchAct } from '../api/batchAct';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useLang } from '../../../i18n/useLang';
import { taskChangedReason } from '../../../lib/api';
import type { BatchItem, TaskListItem } from '../../../lib/types';

/** True when a batch item failed only because its node has a checklist (it must be opened and ticked). */
export function needsChecklist(item: BatchItem): boolean {
  return item.status === 422 && !!item.error?.errors?.some((e) => e.pointer === '/checklist' || e.pointer.startsWith('/checklist/'));
}

interface Props {
  open: boolean;
  tasks: TaskListItem[];
  onClose: (done: boolean) => void;
}

/** Approves the selected tasks in one request and shows each one's outcome. */
export function BatchApproveModal({ open, tasks, onClose }: Props) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const batch = useBatchAct();
  const [comment, setComment] = useState('');
  const results = batch.data?.items;
  const byId = new Map(tasks.map((tk) => [String(tk.id), tk]));
  const ok = results?.filter((r) => r.status >= 200 && r.status < 300).length ?? 0;

  const close = () => {
    const done = !!results;
    batch.reset();
    setComment('');
    onClose(done);
  };
  const submit = () =>
    batch.mutate({
      tasks: tasks.map((tk) => Number(tk.id)),
      action: 'approve',
      ...(comment.trim() ? { comment: comment.trim() } : {}),
    });

  return (
    <Modal
      open={open}
      title={t('batch.title')}
      onCancel={close}
      destroyOnHidden
      footer={
        results ? (
          <Button type="primary" onClick={close} data-testid="batch-close">
            {t('batch.close')}
          </Button>
        ) : (
          <Space>
            <Button onClick={close}>{t('common.cancel')}</Button>
            <Button type="primary" onClick={submit} loading={batch.isPending} disabled={!tasks.length} data-testid="batch-submit">
              {t('batch.submit', { count: tasks.length })}
            </Button>
          </Space>
        )
      }
    >
      {results ? (
        <>
          <Alert
            type={ok === results.length ? 'success' : ok ? 'warning' : 'error'}
            showIcon
            title={t('batch.summary', { ok, failed: results.length - ok })}
            style={{ marginBottom: 12 }}
            data-testid="batch-summary"
          />
          <Flex vertical>
            {results.map((r) => {
              const tk = byId.get(String(r.task));
              const success = r.status >= 200 && r.status < 300;
              // 409: the task changed meanwhile (decided, cancelled, moved): not a failure of the reviewer's; the
              // server's machine reason says how
              const changed = r.status === 409;
              const why = changed ? taskChangedReason(r.error) : undefined;
              return (
                <Flex
                  vertical
                  key={String(r.task)}
                  data-testid="batch-result"
                  data-task={String(r.task)}
                  data-status={String(r.status)}
                  data-reason={why}
                  style={{ padding: '8px 0', borderTop: '1px solid #f0f0f0' }}
                >
                  <Space wrap>
                    {tk ? <Link to={`/orders/${tk.order.id}`}>{tk.order.number}</Link> : <span>#{r.task}</span>}
                    {tk ? <Typography.Text type="secondary">{pick(tk.node_name) || tk.node}</Typography.Text> : null}
                    <Tag color={success ? 'green' : changed ? 'orange' : 'red'}>
                      {success ? t('batch.ok') : why ? t(`batch.changedReason.${why}`) : changed ? t('batch.changed') : t('batch.failed', { status: r.status })}
                    </Tag>
                  </Space>
                  {!success ? (
                    needsChecklist(r) ? (
                      <Typography.Text type="warning" data-testid="batch-needs-checklist">
                        {t('batch.needsChecklist')}{' '}
                        {tk ? (
                          <Link to={`/orders/${tk.order.id}`} data-testid={`batch-open-${tk.order.number}`}>
                            {t('batch.open')}
                          </Link>
                        ) : null}
                      </Typography.Text>
                    ) : (
                      <Typography.Text type={changed ? 'secondary' : 'danger'}>{r.error?.detail ?? ''}</Typography.Text>
                    )
                  ) : null}
                </Flex>
              );
            })}
          </Flex>
        </>
      ) : (
        <>
          <Typography.Paragraph>{t('batch.intro', { count: tasks.length })}</Typography.Paragraph>
          <Typography.Paragraph type="secondary">{t('batch.checklistNote')}</Typography.Paragraph>
          {batch.isError ? <ErrorAlert error={batch.error} style={{ marginBottom: 12 }} /> : null}
          <Form layout="vertical">
            <Form.Item label={t('action.commentLabel')}>
              <Input.TextArea
                rows={3}
                maxLength={2000}
                value={comment}
                onChange={(e) => setComment(e.target.value)}
                placeholder={t('action.commentPlaceholder')}
                data-testid="batch-comment-input"
              />
            </Form.Item>
          </Form>
        </>
      )}
    </Modal>
  );
}
